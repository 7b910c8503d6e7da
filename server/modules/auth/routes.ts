import type { RequestHandler } from "express";
import type passport from "passport";
import type { AppContext } from "../../lib/context.js";
import { allow, PUBLIC, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { audit, requestMeta } from "../../lib/audit.js";
import { csrfToken } from "../../lib/auth/csrf.js";
import { loginThrottle, type LoginThrottle } from "../../lib/auth/rate-limit.js";
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
    (strategy: StrategyName, schema: typeof StaffLoginBody | typeof StudentLoginBody, throttle: LoginThrottle): RequestHandler[] => [
      ...throttle.guards,
      async (req, res) => {
        req.body = parse(schema, req.body);
        const principal = await authenticate(instance, strategy, req, res);
        if (!principal) {
          await throttle.failed(req);
          throw invalidCredentials();
        }
        await logIn(req, principal);
        startAuthenticatedSession(req.session);
        res.json({ user: await sessionUser(ctx.db, principal), csrfToken: csrfToken(req, true) });
      },
    ];

  routes.post("/login", PUBLIC, ...login("staff-local", StaffLoginBody, loginThrottle(ctx.config, ctx.redis, "staff", "email")));
  routes.post("/student-login", PUBLIC, ...login("student-local", StudentLoginBody, loginThrottle(ctx.config, ctx.redis, "student", "login")));

  routes.post("/logout", PUBLIC, async (req, res) => {
    const principal = req.user?.principal;
    if (principal) {
      await audit(ctx.db, { schoolId: principal.schoolId, actorType: principal.kind, actorId: principal.id, action: "auth.logout" }, requestMeta(req));
    }
    await logOut(req);
    // With the cookie's own attributes: a browser ignores the deletion of a __Host- cookie
    // (production) sent without Secure, and would keep the dead session's cookie.
    res.clearCookie(sessionCookieName(ctx.config), { path: "/", httpOnly: true, sameSite: "lax", secure: ctx.config.COOKIE_SECURE });
    res.status(204).end();
  });

  routes.post("/password", allow("ADMIN", "TEACHER"), async (req, res) => {
    const body = parse(ChangePasswordBody, req.body);
    await changePassword(ctx.db, staffOf(req), { ...body, keepSessionId: req.sessionID }, requestMeta(req));
    res.status(204).end();
  });

  return routes;
}
