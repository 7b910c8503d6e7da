// The HTTP application: security headers, request ids and logs, sessions, CSRF, the
// domain routers (each declaring who may call each route), the SPA, and one error handler.
import { existsSync } from "node:fs";
import path from "node:path";
import express from "express";
import helmet from "helmet";
import { pinoHttp } from "pino-http";
import type { AppContext } from "./lib/context.js";
import { mount, PUBLIC, SecureRouter } from "./lib/http/access.js";
import { requestIdFor } from "./lib/http/request-id.js";
import { errorHandler, notFound } from "./lib/http/error-handler.js";
import { noteJsonEscapes, refuseUnstorableText } from "./lib/http/validate.js";
import { sessionMiddleware, sessionTimeouts } from "./lib/auth/session.js";
import { csrfProtection } from "./lib/auth/csrf.js";
import { createPassport } from "./modules/auth/passport.js";
import { sessionStore } from "./modules/auth/session-store.js";
import { authRoutes } from "./modules/auth/routes.js";
import { healthRoutes } from "./modules/health/routes.js";
import { metricsRoutes } from "./modules/metrics/routes.js";
import { createMetricsRegistry, httpDurations } from "./lib/metrics.js";
import { requestLogContext } from "./lib/log-context.js";
import { userRoutes } from "./modules/users/routes.js";
import { examRoutes } from "./modules/exams/routes.js";
import { studentRoutes } from "./modules/students/routes.js";
import { systemRoutes } from "./modules/system/routes.js";
import { scanRoutes } from "./modules/scans/routes.js";
import { mediaRoutes } from "./modules/media/routes.js";
import { identificationRoutes } from "./modules/identification/routes.js";
import { gradingRoutes } from "./modules/grading/routes.js";
import { documentRoutes } from "./modules/documents/routes.js";
import { accessCodeRoutes } from "./modules/access-codes/routes.js";
import { reviewRoutes } from "./modules/reviews/routes.js";
import { publicationRoutes } from "./modules/publication/routes.js";
import { portalRoutes } from "./modules/portal/routes.js";
import { statisticsRoutes } from "./modules/statistics/routes.js";
import { exportRoutes } from "./modules/exports/routes.js";

function securityHeaders(ctx: AppContext) {
  const production = ctx.config.production;
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:", "blob:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(production ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: production ? { maxAge: 31536000, includeSubDomains: true } : false,
    // The same rule as frame-ancestors 'none', for browsers that only read the older header.
    xFrameOptions: { action: "deny" },
  });
}

/**
 * A keep-alive connection holds on to its last request until the next one comes: for a teacher
 * that is an autosave's parsed draft (~100 kB of JSON, thousands of objects) kept two seconds.
 * Fifty of them made every young-generation GC copy megabytes (measured: scavenges of 9.4 ms
 * median, 5.3 ms once bodies are dropped when the answer is sent).
 */
const dropBodyWhenAnswered: express.RequestHandler = (req, res, next) => {
  res.on("finish", () => {
    req.body = undefined;
  });
  next();
};

function spaRoutes(webDist: string): SecureRouter {
  const routes = new SecureRouter();
  const index = path.join(webDist, "index.html");
  // Client-side routes: any non-API GET serves the SPA, which shows its own 404 page.
  routes.get("/{*path}", PUBLIC, (_req, res) => {
    res.setHeader("Cache-Control", "no-cache");
    res.sendFile(index);
  });
  return routes;
}

export function createApp(ctx: AppContext): express.Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", ctx.config.TRUST_PROXY);
  const metrics = createMetricsRegistry("api");
  app.use(
    pinoHttp({
      logger: ctx.logger,
      genReqId: (req, res) => {
        const id = requestIdFor(req);
        res.setHeader("X-Request-Id", id);
        return id;
      },
      // Method, path and status only: no query strings, headers, cookies or client addresses.
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, path: req.url.split("?")[0] }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      // Health probes and metrics scrapes come every few seconds: they would drown the log.
      autoLogging: { ignore: (req) => /^\/(api\/health|metrics)\b/.test(req.url ?? "") },
    }),
  );
  app.use(requestLogContext, httpDurations(metrics));
  app.use(securityHeaders(ctx));
  mount(app, "/api/health", healthRoutes(ctx));
  mount(app, "/metrics", metricsRoutes(ctx, metrics));

  const passport = createPassport(ctx.db);
  app.use("/api", express.json({ limit: "1mb", verify: noteJsonEscapes }), refuseUnstorableText, dropBodyWhenAnswered);
  app.use("/api", sessionMiddleware(ctx.config, sessionStore(ctx.config, ctx.pool)), sessionTimeouts(ctx.config));
  app.use("/api", passport.initialize(), passport.session());
  app.use("/api", csrfProtection);
  mount(app, "/api/auth", authRoutes(ctx, passport));
  mount(app, "/api/users", userRoutes(ctx));
  mount(app, "/api/exams", examRoutes(ctx));
  mount(app, "/api/students", studentRoutes(ctx));
  mount(app, "/api/system", systemRoutes(ctx));
  mount(app, "/api", scanRoutes(ctx));
  mount(app, "/api", identificationRoutes(ctx));
  mount(app, "/api", gradingRoutes(ctx));
  mount(app, "/api", documentRoutes(ctx));
  mount(app, "/api", accessCodeRoutes(ctx));
  mount(app, "/api", reviewRoutes(ctx));
  mount(app, "/api", publicationRoutes(ctx));
  mount(app, "/api", portalRoutes(ctx));
  mount(app, "/api", statisticsRoutes(ctx));
  mount(app, "/api", exportRoutes(ctx));
  mount(app, "/api/pages", mediaRoutes(ctx));
  app.use("/api", notFound);

  const webDist = path.resolve(ctx.config.WEB_DIST_DIR);
  if (existsSync(path.join(webDist, "index.html"))) {
    app.use(express.static(webDist, { index: false, maxAge: "1h" }));
    mount(app, "/", spaRoutes(webDist));
  }
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
