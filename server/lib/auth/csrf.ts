// CSRF: synchroniser tokens kept in the session; every state-changing request must send
// the current one in the X-CSRF-Token header (GET/HEAD/OPTIONS are exempt).
import type { Request } from "express";
import { csrfSync } from "csrf-sync";

const csrf = csrfSync({
  getTokenFromRequest: (req) => {
    const header = req.headers["x-csrf-token"];
    return typeof header === "string" ? header : undefined;
  },
});

export const csrfProtection = csrf.csrfSynchronisedProtection;

/** The session's token; `fresh` replaces it (at login, when the session was regenerated). */
export function csrfToken(req: Request, fresh = false): string {
  return csrf.generateToken(req, fresh);
}
