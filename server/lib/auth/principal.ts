// Who is calling: a staff member or a student. Stored in req.user by passport.
import type { Request } from "express";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";

export interface StaffPrincipal {
  kind: "staff";
  id: string;
  schoolId: string;
  role: "ADMIN" | "TEACHER";
  email: string;
  displayName: string;
}

export interface StudentPrincipal {
  kind: "student";
  id: string;
  schoolId: string;
  login: string;
  firstName: string;
  lastName: string;
  className: string;
}

export type Principal = StaffPrincipal | StudentPrincipal;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface User {
      principal: Principal;
    }
  }
}

export function principalOf(req: Request): Principal {
  const principal = req.user?.principal;
  if (!principal) throw new UnauthenticatedError();
  return principal;
}

export function staffOf(req: Request): StaffPrincipal {
  const principal = principalOf(req);
  if (principal.kind !== "staff") throw new ForbiddenError();
  return principal;
}

export function studentOf(req: Request): StudentPrincipal {
  const principal = principalOf(req);
  if (principal.kind !== "student") throw new ForbiddenError();
  return principal;
}
