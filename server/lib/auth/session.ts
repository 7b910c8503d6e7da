// Server-side sessions in PostgreSQL. Idle (4 h) and absolute (12 h) timeouts are enforced
// here from timestamps kept in the session, not trusted to the browser's cookie expiry.
import session from "express-session";
import type { RequestHandler } from "express";
import type { Config } from "../config.js";

declare module "express-session" {
  interface SessionData {
    csrfToken?: string;
    authAt?: number;
    seenAt?: number;
  }
}

const SEEN_AT_RESOLUTION_MS = 60_000;

export function sessionCookieName(config: Pick<Config, "COOKIE_SECURE">): string {
  // The __Host- prefix pins the cookie to this exact origin; browsers require Secure for it.
  return config.COOKIE_SECURE ? "__Host-korrigo.sid" : "korrigo.sid";
}

/** `store`: the auth module's (modules/auth/session-store.ts), which also reads the session's principal. */
export function sessionMiddleware(config: Config, store: session.Store): RequestHandler {
  return session({
    name: sessionCookieName(config),
    secret: config.SESSION_SECRET,
    resave: false,
    saveUninitialized: false,
    rolling: true,
    store,
    cookie: {
      httpOnly: true,
      sameSite: "lax",
      secure: config.COOKIE_SECURE,
      path: "/",
      maxAge: config.SESSION_IDLE_MINUTES * 60_000,
    },
  });
}

export function sessionTimeouts(config: Config): RequestHandler {
  const idleMs = config.SESSION_IDLE_MINUTES * 60_000;
  const absoluteMs = config.SESSION_ABSOLUTE_HOURS * 3600_000;
  return (req, _res, next) => {
    const s = req.session;
    if (!s.authAt) return next();
    const now = Date.now();
    if (now - (s.seenAt ?? s.authAt) > idleMs || now - s.authAt > absoluteMs) {
      // A fresh, anonymous session: the old one is deleted from the store.
      return s.regenerate((err) => next(err));
    }
    if (now - (s.seenAt ?? 0) > SEEN_AT_RESOLUTION_MS) s.seenAt = now;
    next();
  };
}

/** Marks the (already regenerated) session as authenticated now. */
export function startAuthenticatedSession(s: session.Session & Partial<session.SessionData>): void {
  s.authAt = Date.now();
  s.seenAt = s.authAt;
}
