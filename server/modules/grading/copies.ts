// The copies a grader works through: per exam, with their state, who holds each, the score
// once graded, and names only when the exam is not graded anonymously (admins always see them).
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import { ForbiddenError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { findExam, questionDto } from "../exams/service.js";
import { poolSql, type Sql } from "../../lib/sql.js";

/** The exam, if the caller may see its copies: an admin, or one of its graders. */
export async function gradableExam(ctx: AppContext, actor: StaffPrincipal, examId: string) {
  const exam = await findExam(ctx.db, actor.schoolId, examId);
  if (actor.role !== "ADMIN" && !(await ctx.db.examGrader.findUnique({ where: { examId_userId: { examId, userId: actor.id } } }))) {
    throw new ForbiddenError("Vous n'êtes pas correcteur de cet examen.", "NOT_A_GRADER");
  }
  return exam;
}

/** Graders of an anonymous exam see codes, not names; admins always see names. */
export const showsNames = (actor: StaffPrincipal, exam: { anonymousGrading: boolean }) => actor.role === "ADMIN" || !exam.anonymousGrading;

export async function listCopies(ctx: AppContext, actor: StaffPrincipal, examId: string, filter: { mine: boolean }) {
  const exam = await gradableExam(ctx, actor, examId);
  const showNames = showsNames(actor, exam);
  const now = new Date();
  const copies = await ctx.db.copy.findMany({
    where: { examId, status: { not: "STAGING" }, ...(filter.mine ? { graderId: actor.id } : {}) },
    include: {
      grader: { select: { id: true, displayName: true } },
      lock: { include: { user: { select: { displayName: true } } } },
      student: { select: { lastName: true, firstName: true, className: true } },
    },
    orderBy: { anonymousCode: "asc" },
  });
  return copies.map((c) => {
    const lock = c.lock && c.lock.expiresAt > now ? c.lock : null;
    return {
      id: c.id,
      anonymousCode: c.anonymousCode,
      status: c.status,
      grader: c.grader,
      lock: lock ? { holder: lock.user.displayName, mine: lock.userId === actor.id, expiresAt: lock.expiresAt.toISOString() } : null,
      totalScore: c.totalScore?.toNumber() ?? null,
      student: showNames ? c.student : null,
    };
  });
}

/** "Grade the next copy": a READY copy dispatched to the caller, else one dispatched to nobody. */
export async function nextCopy(ctx: AppContext, actor: StaffPrincipal, examId: string): Promise<{ copyId: string }> {
  await gradableExam(ctx, actor, examId);
  const free: Prisma.CopyWhereInput = { examId, OR: [{ status: "READY" }, { status: "LOCKED", lock: { expiresAt: { lt: new Date() } } }] };
  const copy =
    (await ctx.db.copy.findFirst({ where: { ...free, graderId: actor.id }, orderBy: { anonymousCode: "asc" }, select: { id: true } })) ??
    (await ctx.db.copy.findFirst({ where: { ...free, graderId: null }, orderBy: { anonymousCode: "asc" }, select: { id: true } }));
  if (!copy) throw new NotFoundError("Plus aucune copie à corriger pour vous dans cet examen.");
  return { copyId: copy.id };
}

/** The exams the caller grades, with how many of their copies are graded. */
export async function myExams(ctx: AppContext, actor: StaffPrincipal) {
  const rows = await ctx.db.examGrader.findMany({ where: { userId: actor.id, exam: { schoolId: actor.schoolId } }, include: { exam: { select: { id: true, title: true, subject: true, date: true, status: true } } }, orderBy: { exam: { date: "desc" } } });
  const counts = await ctx.db.copy.groupBy({ by: ["examId", "status"], where: { graderId: actor.id, examId: { in: rows.map((r) => r.examId) } }, _count: { _all: true } });
  const count = (examId: string, status?: string) => counts.filter((c) => c.examId === examId && (!status || c.status === status)).reduce((n, c) => n + c._count._all, 0);
  return rows.map(({ exam }) => ({ ...exam, date: exam.date.toISOString().slice(0, 10), myCopies: count(exam.id), myGraded: count(exam.id, "GRADED") }));
}

/** A copy's grading history for admins: who did what, when, from which state to which. */
export async function copyHistory(ctx: AppContext, actor: StaffPrincipal, copyId: string) {
  const copy = await ctx.db.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, select: { id: true } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  const events = await ctx.db.gradingEvent.findMany({ where: { copyId }, orderBy: { id: "asc" }, include: { actor: { select: { displayName: true } } } });
  return events.map((e) => ({ type: e.type, at: e.createdAt.toISOString(), actor: e.actor?.displayName ?? null, fromStatus: e.fromStatus, toStatus: e.toStatus, data: e.data }));
}

export interface CopyPage {
  id: string;
  position: number;
  width: number | null;
  height: number | null;
  rotation: number;
  scanPageIndex: number;
  half: "FULL" | "LEFT" | "RIGHT";
  batch: { id: string; schoolId: string; storagePath: string; pageCount: number };
}

/**
 * A copy's pages as graders see them: its booklet's pages in order, without cover or discarded
 * ones, with their batch (SQL of our own: the worker asks for them for every graded PDF).
 */
export async function copyPages(sql: Sql, copyId: string): Promise<CopyPage[]> {
  const rows = await sql.rows<Omit<CopyPage, "batch"> & { batchId: string; batchSchoolId: string; storagePath: string; pageCount: number }>(
    `SELECT p."id", p."position", p."width", p."height", p."rotation", p."scanPageIndex", p."half"::text AS "half",
            b."id" AS "batchId", b."schoolId" AS "batchSchoolId", b."storagePath", b."pageCount"
     FROM "Page" p JOIN "Booklet" bk ON bk."id" = p."bookletId" JOIN "ScanBatch" b ON b."id" = p."batchId"
     WHERE bk."copyId" = $1::uuid AND bk."status" <> 'MERGED' AND p."discardedAt" IS NULL AND p."coverToken" IS NULL AND p."position" >= 1
     ORDER BY p."position"`,
    [copyId],
  );
  return rows.map(({ batchId, batchSchoolId, storagePath, pageCount, ...page }) => ({ ...page, batch: { id: batchId, schoolId: batchSchoolId, storagePath, pageCount } }));
}

/** What the editor opens: the copy, its exam's marking scheme, its pages. */
export async function copyWorkspace(ctx: AppContext, actor: StaffPrincipal, copyId: string) {
  const copy = await ctx.db.copy.findFirst({
    where: { id: copyId, schoolId: actor.schoolId, status: { not: "STAGING" } },
    include: {
      lock: { include: { user: { select: { displayName: true } } } },
      student: { select: { lastName: true, firstName: true, className: true } },
      gradedPdfs: { orderBy: { createdAt: "desc" }, take: 1 },
    },
  });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  const exam = await gradableExam(ctx, actor, copy.examId);
  const lock = copy.lock && copy.lock.expiresAt > new Date() ? copy.lock : null;
  const pdf = copy.gradedPdfPath ? copy.gradedPdfs[0] : undefined;
  const pages = await copyPages(poolSql(ctx.pool), copyId);
  return {
    copy: {
      id: copy.id,
      examId: copy.examId,
      anonymousCode: copy.anonymousCode,
      status: copy.status,
      student: showsNames(actor, exam) ? copy.student : null,
      lock: lock ? { holder: lock.user.displayName, mine: lock.userId === actor.id, expiresAt: lock.expiresAt.toISOString() } : null,
      totalScore: copy.totalScore?.toNumber() ?? null,
      failureReason: copy.failureReason,
      finalizedAt: copy.finalizedAt?.toISOString() ?? null,
      gradedPdf: pdf ? { version: pdf.draftVersion, createdAt: pdf.createdAt.toISOString(), sizeBytes: pdf.sizeBytes, sha256: pdf.sha256, url: `/api/copies/${copy.id}/graded.pdf` } : null,
    },
    exam: { id: exam.id, title: exam.title, subject: exam.subject, reportScale: exam.reportScale.toNumber(), anonymousGrading: exam.anonymousGrading, questions: exam.questions.map(questionDto) },
    pages: pages.map((p) => ({ id: p.id, position: p.position, width: p.width, height: p.height, rotation: p.rotation, imageUrl: `/api/pages/${p.id}/image`, thumbUrl: `/api/pages/${p.id}/thumb` })),
  };
}

/**
 * The copy's current graded PDF, or the one drawn from draft `version` (an earlier one kept in
 * its history), for an admin or a grader of the exam.
 */
export async function gradedPdfOf(ctx: AppContext, actor: StaffPrincipal, copyId: string, version?: number): Promise<{ path: string; name: string }> {
  const copy = await ctx.db.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, select: { examId: true, anonymousCode: true, gradedPdfPath: true } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  await gradableExam(ctx, actor, copy.examId);
  if (version === undefined) {
    if (!copy.gradedPdfPath) throw new NotFoundError("Cette copie n'a pas (encore) de PDF corrigé.");
    return { path: copy.gradedPdfPath, name: `copie-${copy.anonymousCode}.pdf` };
  }
  const kept = await ctx.db.gradedPdf.findUnique({ where: { copyId_draftVersion: { copyId, draftVersion: version } } });
  if (!kept) throw new NotFoundError(`Cette copie n'a pas de PDF corrigé pour la version ${version}.`);
  return { path: kept.storagePath, name: `copie-${copy.anonymousCode}-v${version}.pdf` };
}
