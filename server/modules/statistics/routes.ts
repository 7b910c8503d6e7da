import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { staffOf } from "../../lib/auth/principal.js";
import { ExamParams } from "./schemas.js";
import { getStatistics } from "./service.js";

export function statisticsRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();

  // Teachers reach only the exams they grade (the service answers 404 for the others).
  routes.get("/exams/:id/statistics", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ statistics: await getStatistics(ctx, staffOf(req), parse(ExamParams, req.params).id) });
  });

  return routes;
}
