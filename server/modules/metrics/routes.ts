// GET /metrics in Prometheus' text format. Mounted at the top level, not under /api: nginx
// proxies only /api/, so this is never reachable through it — Prometheus scrapes the API
// directly. Not a session route: the bearer token or an internal address decides
// (server/lib/metrics.ts, metricsAccess), hence PUBLIC for the session guard.
import type { RequestHandler } from "express";
import type { Registry } from "prom-client";
import type { AppContext } from "../../lib/context.js";
import { UnauthenticatedError } from "../../lib/errors.js";
import { PUBLIC, SecureRouter } from "../../lib/http/access.js";
import { METRICS_CHALLENGE, METRICS_DENIED, metricsAccess } from "../../lib/metrics.js";
import { installationGauges, readInstallation } from "./service.js";

function requireMetricsAccess(ctx: AppContext): RequestHandler {
  const allowed = metricsAccess(ctx.config);
  return (req, res, next) => {
    if (allowed(req)) return next();
    res.setHeader("WWW-Authenticate", METRICS_CHALLENGE);
    next(new UnauthenticatedError(METRICS_DENIED.message, METRICS_DENIED.code));
  };
}

export function metricsRoutes(ctx: AppContext, registry: Registry): SecureRouter {
  const routes = new SecureRouter();
  const gauges = installationGauges(registry);

  routes.get("/", PUBLIC, requireMetricsAccess(ctx), async (_req, res) => {
    await readInstallation(ctx, gauges);
    res.type(registry.contentType).send(await registry.metrics());
  });

  return routes;
}
