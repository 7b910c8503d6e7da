import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { staffOf } from "../../lib/auth/principal.js";
import { listStaff } from "./service.js";

export function userRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  routes.get("/", allow("ADMIN"), async (req, res) => {
    res.json({ users: await listStaff(ctx.db, staffOf(req).schoolId) });
  });
  return routes;
}
