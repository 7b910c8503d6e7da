// Authentication rules: credential checks (with audit), principal loading, password change.
import type { Db, Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { InvalidError, UnauthenticatedError } from "../../lib/errors.js";
import type { Principal, StaffPrincipal, StudentPrincipal } from "../../lib/auth/principal.js";
import { hashSecret, passwordProblem, verifyDecoy, verifySecret } from "../../lib/auth/secrets.js";
import { canonicalAccessCode } from "../access-codes/service.js";

export const invalidCredentials = () =>
  new UnauthenticatedError("Identifiant ou mot de passe incorrect.", "INVALID_CREDENTIALS");

export async function verifyStaff(db: Db, email: string, password: string, meta: RequestMeta): Promise<StaffPrincipal | null> {
  const user = await db.user.findUnique({ where: { email } });
  const ok = user ? await verifySecret(user.passwordHash, password) : await verifyDecoy(password);
  if (!user || !ok || user.disabled) {
    const reason = !user ? "unknown_account" : !ok ? "wrong_password" : "account_disabled";
    await audit(db, { schoolId: user?.schoolId, actorType: "anonymous", actorId: user?.id, action: "auth.login.failed", data: { reason, email } }, meta);
    return null;
  }
  await db.user.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } });
  await audit(db, { schoolId: user.schoolId, actorType: "staff", actorId: user.id, action: "auth.login.succeeded" }, meta);
  return toStaffPrincipal(user);
}

export async function verifyStudent(db: Db, login: string, accessCode: string, meta: RequestMeta): Promise<StudentPrincipal | null> {
  const student = await db.student.findUnique({ where: { login } });
  // A student without an access code yet costs the same time as a wrong one.
  const code = canonicalAccessCode(accessCode);
  const ok = student?.accessCodeHash ? await verifySecret(student.accessCodeHash, code) : await verifyDecoy(code);
  if (!student || !ok || student.disabled) {
    const reason = !student ? "unknown_account" : !student.accessCodeHash ? "no_access_code" : !ok ? "wrong_access_code" : "account_disabled";
    await audit(db, { schoolId: student?.schoolId, actorType: "anonymous", actorId: student?.id, action: "auth.student_login.failed", data: { reason, login } }, meta);
    return null;
  }
  await audit(db, { schoolId: student.schoolId, actorType: "student", actorId: student.id, action: "auth.student_login.succeeded" }, meta);
  return toStudentPrincipal(student);
}

/** What the SPA is told about the logged-in user. */
export async function sessionUser(db: Db, principal: Principal) {
  const school = await db.school.findUniqueOrThrow({ where: { id: principal.schoolId }, select: { id: true, name: true } });
  const { schoolId: _schoolId, ...rest } = principal;
  return { ...rest, school };
}

export async function changePassword(
  db: Db,
  principal: StaffPrincipal,
  input: { currentPassword: string; newPassword: string; keepSessionId: string },
  meta: RequestMeta,
): Promise<void> {
  const user = await db.user.findUniqueOrThrow({ where: { id: principal.id } });
  if (!(await verifySecret(user.passwordHash, input.currentPassword))) {
    throw new UnauthenticatedError("Le mot de passe actuel est incorrect.", "INVALID_CREDENTIALS");
  }
  const problem = passwordProblem(input.newPassword, [user.email.split("@")[0] ?? "", ...user.displayName.split(/\s+/)]);
  if (problem) throw new InvalidError(problem, undefined, "WEAK_PASSWORD");
  const passwordHash = await hashSecret(input.newPassword);
  await db.$transaction(async (tx) => {
    await tx.user.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: new Date() } });
    await endStaffSessions(tx, user.id, input.keepSessionId);
    await audit(tx, { schoolId: user.schoolId, actorType: "staff", actorId: user.id, action: "auth.password.changed" }, meta);
  });
}

/** Ends every session of a staff member (but `keepSessionId`): their old password no longer opens anything. */
export async function endStaffSessions(db: Db | Prisma.TransactionClient, userId: string, keepSessionId = ""): Promise<void> {
  await db.$executeRaw`DELETE FROM "session" WHERE sess->'passport'->'user'->>'kind' = 'staff'
    AND sess->'passport'->'user'->>'id' = ${userId} AND sid <> ${keepSessionId}`;
}

function toStaffPrincipal(user: { id: string; schoolId: string; role: "ADMIN" | "TEACHER"; email: string; displayName: string }): StaffPrincipal {
  return { kind: "staff", id: user.id, schoolId: user.schoolId, role: user.role, email: user.email, displayName: user.displayName };
}

function toStudentPrincipal(s: { id: string; schoolId: string; login: string; firstName: string; lastName: string; className: string }): StudentPrincipal {
  return { kind: "student", id: s.id, schoolId: s.schoolId, login: s.login, firstName: s.firstName, lastName: s.lastName, className: s.className };
}
