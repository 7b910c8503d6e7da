// Student access codes: issued per class (everyone, or those who have none yet) or for one
// student, stored hashed. The plaintext exists only in Redis, for the 30 minutes the admin has
// to download the slips: never in PostgreSQL, the audit log or the logs. An issue is an id
// under the school's own key; its audit entry is what tells an expired issue (410) from one
// that never existed for this school (404).
import { randomInt, randomUUID } from "node:crypto";
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import { audit, type AuditEntry, type RequestMeta } from "../../lib/audit.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { hashSecret } from "../../lib/auth/secrets.js";
import { byName, frenchOrder } from "../../lib/collation.js";
import { ConflictError, GoneError, NotFoundError } from "../../lib/errors.js";
import type { AccessCodeClassDto, AccessCodeStudentDto, CodeIssueDto, IssueInput } from "./schemas.js";
import type { Slip } from "./slips.js";

/** No 0/O, 1/I/L: a code is read off paper and typed by a child. */
const ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/** 31^12 ≈ 2^59: far beyond what the login throttle lets anyone try. */
const CODE_LENGTH = 12;
const GROUP = 4;
export const ISSUE_TTL_SECONDS = 30 * 60;
/**
 * Hashes computed at once. argon2 runs on libuv's thread pool (4 threads by default), which
 * also serves file reads: leaving half of it free keeps other requests' downloads moving.
 */
const HASH_CONCURRENCY = 2;

const ISSUED = "access_codes.issued";
const REISSUED = "access_code.reissued";


const issueExpired = () => new GoneError("Ces codes ne sont plus disponibles : générez-en de nouveaux.", "ISSUE_EXPIRED");

/** Groups of 4 joined by dashes, the form printed on slips and hashed. */
const grouped = (raw: string) => raw.match(new RegExp(`.{1,${GROUP}}`, "g"))?.join("-") ?? "";

export function newAccessCode(): string {
  return grouped(Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join(""));
}

/** What a student typed, in the form codes are hashed in: lowercase, spaces or missing dashes still match. */
export function canonicalAccessCode(typed: string): string {
  return grouped(typed.toUpperCase().replace(/[^0-9A-Z]/g, ""));
}

// ---------------------------------------------------------------------------------------------

export async function accessCodeClasses(ctx: AppContext, schoolId: string): Promise<AccessCodeClassDto[]> {
  const groups = await ctx.db.student.groupBy({
    by: ["className"],
    where: { schoolId, disabled: false },
    _count: { _all: true, accessCodeHash: true },
    _max: { accessCodeIssuedAt: true },
  });
  return groups
    .map((g) => ({ className: g.className, students: g._count._all, withCode: g._count.accessCodeHash, lastIssuedAt: g._max.accessCodeIssuedAt?.toISOString() ?? null }))
    .sort((a, b) => frenchOrder(a.className, b.className));
}

/** The class's students, disabled ones included (so the admin sees why one has no code), by name. */
export async function accessCodeStudents(ctx: AppContext, schoolId: string, className: string): Promise<AccessCodeStudentDto[]> {
  const students = await ctx.db.student.findMany({
    where: { schoolId, className },
    select: { id: true, lastName: true, firstName: true, login: true, disabled: true, accessCodeHash: true, accessCodeIssuedAt: true },
  });
  return students
    .map(({ accessCodeHash, accessCodeIssuedAt, ...s }) => ({ ...s, hasCode: accessCodeHash !== null, codeIssuedAt: accessCodeIssuedAt?.toISOString() ?? null }))
    .sort(byName);
}

export async function issueClassCodes(ctx: AppContext, actor: StaffPrincipal, input: IssueInput, meta: RequestMeta): Promise<CodeIssueDto> {
  const where = { schoolId: actor.schoolId, className: input.className, disabled: false };
  const students = await ctx.db.student.findMany({ where: { ...where, ...(input.scope === "missing" ? { accessCodeHash: null } : {}) }, select: { id: true } });
  if (students.length === 0 && (await ctx.db.student.count({ where })) === 0) {
    throw new NotFoundError(`Aucun élève actif dans la classe « ${input.className} ».`, "CLASS_NOT_FOUND");
  }
  if (students.length === 0) throw new ConflictError(`Tous les élèves de la classe « ${input.className} » ont déjà un code d'accès.`, "NOTHING_TO_ISSUE");
  return issueCodes(ctx, actor, students.map((s) => s.id), input.className, (issueId, count) => ({
    action: ISSUED, data: { issueId, className: input.className, scope: input.scope, count },
  }), meta);
}

export async function reissueStudentCode(ctx: AppContext, actor: StaffPrincipal, studentId: string, meta: RequestMeta): Promise<CodeIssueDto> {
  const student = await ctx.db.student.findFirst({ where: { id: studentId, schoolId: actor.schoolId }, select: { id: true, disabled: true } });
  if (!student) throw new NotFoundError("Élève introuvable.");
  if (student.disabled) throw new ConflictError("Ce compte élève est désactivé : il ne peut pas recevoir de code d'accès.", "STUDENT_DISABLED");
  return issueCodes(ctx, actor, [student.id], null, (issueId) => ({ action: REISSUED, targetType: "student", targetId: student.id, data: { issueId } }), meta);
}

interface StoredIssue {
  className: string | null;
  issuedAt: string;
  entries: { studentId: string; code: string }[];
}

const issueKey = (ctx: AppContext, schoolId: string, issueId: string) => `${ctx.config.REDIS_PREFIX}:access-codes:${schoolId}:${issueId}`;

/**
 * New codes for these students in one transaction, which also ends the sessions their old
 * codes opened. Hashing (the slow part) happens before it, so the transaction stays short.
 */
async function issueCodes(
  ctx: AppContext,
  actor: StaffPrincipal,
  studentIds: string[],
  className: string | null,
  auditEntry: (issueId: string, count: number) => Pick<AuditEntry, "action" | "targetType" | "targetId" | "data">,
  meta: RequestMeta,
): Promise<CodeIssueDto> {
  const entries = studentIds.map((studentId) => ({ studentId, code: newAccessCode() }));
  const hashes = await mapBounded(entries, HASH_CONCURRENCY, (e) => hashSecret(e.code));
  const issuedAt = new Date();
  const issue: CodeIssueDto = { id: randomUUID(), className, count: entries.length, expiresAt: new Date(issuedAt.getTime() + ISSUE_TTL_SECONDS * 1000).toISOString() };
  const stored: StoredIssue = { className, issuedAt: issuedAt.toISOString(), entries };
  await ctx.db.$transaction(async (tx) => {
    // One statement for the whole class; timestamps as UTC text, the way Prisma stores them.
    const updated = await tx.$executeRaw`
      UPDATE "Student" s SET "accessCodeHash" = v.hash, "accessCodeIssuedAt" = ${issuedAt.toISOString()}::timestamp, "updatedAt" = ${issuedAt.toISOString()}::timestamp
      FROM unnest(${studentIds}::uuid[], ${hashes}::text[]) AS v(id, hash)
      WHERE s."id" = v.id AND s."schoolId" = ${actor.schoolId}::uuid AND NOT s."disabled"`;
    if (updated !== entries.length) throw new ConflictError("La liste des élèves a changé pendant la génération des codes : recommencez.", "STUDENTS_CHANGED");
    await endStudentSessions(tx, studentIds);
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, ...auditEntry(issue.id, issue.count) }, meta);
    // Last, so that Redis failing rolls the codes back. Should the commit fail after it, the
    // stored codes are never shown: downloads keep only students still holding this issue's codes.
    await ctx.redis.set(issueKey(ctx, actor.schoolId, issue.id), JSON.stringify(stored), "EX", ISSUE_TTL_SECONDS);
  }, { timeout: 30_000 });
  return issue;
}

async function endStudentSessions(tx: Prisma.TransactionClient, studentIds: string[]): Promise<void> {
  await tx.$executeRaw`DELETE FROM "session" WHERE sess->'passport'->'user'->>'kind' = 'student'
    AND sess->'passport'->'user'->>'id' = ANY(${studentIds}::text[])`;
}

async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}

// ---------------------------------------------------------------------------------------------

export interface IssueDownload {
  schoolName: string;
  /** File name without extension, e.g. "Codes d'accès - 2nde A". */
  fileName: string;
  slips: Slip[];
}

/**
 * The slips of an issue, audited. A student whose code was issued again since (alone or with
 * the class) is left out: their slip here would carry a code that no longer works.
 */
export async function issueDownload(ctx: AppContext, actor: StaffPrincipal, issueId: string, format: "pdf" | "csv", meta: RequestMeta): Promise<IssueDownload> {
  const raw = await ctx.redis.get(issueKey(ctx, actor.schoolId, issueId));
  if (raw === null) throw (await issuedHere(ctx, actor.schoolId, issueId)) ? issueExpired() : new NotFoundError("Ces codes d'accès sont introuvables.");
  const stored = JSON.parse(raw) as StoredIssue;
  const codes = new Map(stored.entries.map((e) => [e.studentId, e.code]));
  const students = await ctx.db.student.findMany({
    where: { id: { in: [...codes.keys()] }, schoolId: actor.schoolId, accessCodeIssuedAt: new Date(stored.issuedAt) },
    select: { id: true, lastName: true, firstName: true, className: true, login: true },
  });
  if (students.length === 0) throw issueExpired();
  const slips = students
    .map(({ id, ...s }) => ({ ...s, code: codes.get(id)! }))
    .sort((a, b) => frenchOrder(a.className, b.className) || byName(a, b));
  const school = await ctx.db.school.findUniqueOrThrow({ where: { id: actor.schoolId }, select: { name: true } });
  await audit(ctx.db, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "access_codes.downloaded", data: { issueId, format, count: slips.length } }, meta);
  const fileName = stored.className !== null ? `Codes d'accès - ${stored.className}` : `Code d'accès - ${slips[0]!.lastName} ${slips[0]!.firstName}`;
  return { schoolName: school.name, fileName, slips };
}

async function issuedHere(ctx: AppContext, schoolId: string, issueId: string): Promise<boolean> {
  const found = await ctx.db.auditLog.findFirst({
    where: { schoolId, action: { in: [ISSUED, REISSUED] }, data: { path: ["issueId"], equals: issueId } },
    select: { id: true },
  });
  return found !== null;
}
