import type { AppContext } from "../../lib/context.js";
import { PUBLIC, SecureRouter } from "../../lib/http/access.js";
import { UnavailableError } from "../../lib/errors.js";
import { failing, runChecks } from "./service.js";

export function healthRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  const startedAt = Date.now();

  routes.get("/live", PUBLIC, (_req, res) => {
    res.json({ status: "ok" });
  });

  routes.get("/ready", PUBLIC, async (_req, res) => {
    const checks = await runChecks(ctx);
    const failed = failing(checks);
    if (failed.length > 0) {
      throw new UnavailableError(`Service pas prêt : ${failed.join(", ")}.`, "NOT_READY", { failed, checks });
    }
    res.json({ status: "ready", checks });
  });

  routes.get("/", PUBLIC, async (_req, res) => {
    const checks = await runChecks(ctx);
    res.json({
      status: failing(checks).length === 0 ? "ok" : "degraded",
      version: ctx.config.APP_VERSION,
      commit: ctx.config.GIT_COMMIT,
      uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
      checks,
    });
  });

  return routes;
}
