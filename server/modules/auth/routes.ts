import type { RequestHandler } from "express";
import type passport from "passport";
import type { AppContext } from "../../lib/context.js";
import { allow, PUBLIC, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { audit, requestMeta } from "../../lib/audit.js";
import { csrfToken } from "../../lib/auth/csrf.js";
import { loginLimiters } from "../../lib/auth/rate-limit.js";
import { sessionCookieName, startAuthenticatedSession } from "../../lib/auth/session.js";
import { staffOf } from "../../lib/auth/principal.js";
import { authenticate, logIn, logOut, type StrategyName } from "./passport.js";
import { ChangePasswordBody, StaffLoginBody, StudentLoginBody } from "./schemas.js";
import { changePassword, invalidCredentials, sessionUser } from "./service.js";

export function authRoutes(ctx: AppContext, instance: passport.PassportStatic): SecureRouter {
  const routes = new SecureRouter();

  routes.get("/session", PUBLIC, async (req, res) => {
    const principal = req.user?.principal;
    res.json({ user: principal ? await sessionUser(ctx.db, principal) : null, csrfToken: csrfToken(req) });
  });

  const login =
    (strategy: StrategyName, schema: typeof StaffLoginBody | typeof StudentLoginBody): RequestHandler =>
    async (req, res) => {
      req.body = parse(schema, req.body);
      const principal = await authenticate(instance, strategy, req, res);
      if (!principal) throw invalidCredentials();
      await logIn(req, principal);
      startAuthenticatedSession(req.session);
      res.json({ user: await sessionUser(ctx.db, principal), csrfToken: csrfToken(req, true) });
    };

  routes.post("/login", PUBLIC, ...loginLimiters(ctx.config, ctx.redis, "staff", "email"), login("staff-local", StaffLoginBody));
  routes.post("/student-login", PUBLIC, ...loginLimiters(ctx.config, ctx.redis, "student", "login"), login("student-local", StudentLoginBody));

  routes.post("/logout", PUBLIC, async (req, res) => {
    const principal = req.user?.principal;
    if (principal) {
      await audit(ctx.db, { schoolId: principal.schoolId, actorType: principal.kind, actorId: principal.id, action: "auth.logout" }, requestMeta(req));
    }
    await logOut(req);
    res.clearCookie(sessionCookieName(ctx.config), { path: "/" });
    res.status(204).end();
  });

  routes.post("/password", allow("ADMIN", "TEACHER"), async (req, res) => {
    const body = parse(ChangePasswordBody, req.body);
    await changePassword(ctx.db, staffOf(req), { ...body, keepSessionId: req.sessionID }, requestMeta(req));
    res.status(204).end();
  });

  return routes;
}
