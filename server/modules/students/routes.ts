import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { RosterImportInput } from "./schemas.js";
import { importRoster } from "./service.js";

export function studentRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  // One route for both steps: commit false gives the preview, commit true writes it.
  routes.post("/import", allow("ADMIN"), async (req, res) => {
    res.json(await importRoster(ctx.db, staffOf(req), parse(RosterImportInput, req.body), requestMeta(req)));
  });
  return routes;
}
