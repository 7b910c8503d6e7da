// passport-local strategies for staff (email + password) and students (login + access code).
// Each app gets its own Passport instance: no global state shared between tests.
import passport from "passport";
import { Strategy as LocalStrategy } from "passport-local";
import type { Request, Response } from "express";
import type { Db } from "../../lib/db.js";
import { requestMeta } from "../../lib/audit.js";
import type { Principal } from "../../lib/auth/principal.js";
import { verifyStaff, verifyStudent } from "./service.js";
import { principalReadWith } from "./session-store.js";

export type StrategyName = "staff-local" | "student-local";

export function createPassport(db: Db): passport.PassportStatic {
  const instance = new passport.Passport() as passport.PassportStatic;
  instance.use(
    "staff-local",
    new LocalStrategy({ usernameField: "email", passwordField: "password", passReqToCallback: true }, (req, email, password, done) => {
      verifyStaff(db, email, password, requestMeta(req)).then((p) => done(null, p ? { principal: p } : false), done);
    }),
  );
  instance.use(
    "student-local",
    new LocalStrategy({ usernameField: "login", passwordField: "accessCode", passReqToCallback: true }, (req, login, code, done) => {
      verifyStudent(db, login, code, requestMeta(req)).then((p) => done(null, p ? { principal: p } : false), done);
    }),
  );
  instance.serializeUser((user, done) => done(null, { kind: user.principal.kind, id: user.principal.id }));
  // The principal was read with the session, fresh on every request (session-store.ts).
  instance.deserializeUser((ref: unknown, done) => {
    const principal = ref && typeof ref === "object" ? principalReadWith(ref) : null;
    done(null, principal ? { principal } : false);
  });
  return instance;
}

/** Runs a strategy; resolves with the principal, or null when the credentials are refused. */
export function authenticate(instance: passport.PassportStatic, strategy: StrategyName, req: Request, res: Response): Promise<Principal | null> {
  return new Promise((resolve, reject) => {
    instance.authenticate(strategy, { session: false }, (err: unknown, user: Express.User | false) => {
      if (err) return reject(err);
      resolve(user ? user.principal : null);
    })(req, res, reject);
  });
}

/** Starts the authenticated session (passport regenerates the session id first). */
export function logIn(req: Request, principal: Principal): Promise<void> {
  return new Promise((resolve, reject) => req.logIn({ principal }, (err) => (err ? reject(err) : resolve())));
}

export function logOut(req: Request): Promise<void> {
  return new Promise((resolve, reject) =>
    req.logOut((err) => {
      if (err) return reject(err);
      req.session.destroy((destroyErr) => (destroyErr ? reject(destroyErr) : resolve()));
    }),
  );
}
