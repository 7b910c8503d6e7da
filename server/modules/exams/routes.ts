import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { staffOf } from "../../lib/auth/principal.js";
import { listExams } from "./service.js";

export function examRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  routes.get("/", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.json({ exams: await listExams(ctx.db, staffOf(req).schoolId) });
  });
  return routes;
}
