// Finalizing a copy: its grader asks, the copy goes LOCKED → FINALIZING in one transaction, and
// the worker's copy.flatten job draws the graded PDF (→ GRADED, or FAILED with a reason).
// Asking twice for the same version changes nothing; a FAILED copy can be sent again; an admin
// (or a review request's answer) can reopen a graded copy (→ READY), its graded PDFs staying in
// the copy's history.
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import type { CopyStatus } from "../../generated/prisma/enums.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, NotFoundError, UnprocessableError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { jobId } from "../../lib/jobs.js";
import { enqueueAfterCommit, type QueuedJob } from "../../lib/queue.js";
import { prismaSql } from "../../lib/sql.js";
import { copyForWrite, latestDraft } from "./drafts.js";
import { lockCopyRow } from "./locks.js";
import { gradableExam } from "./copies.js";
import { DRAFT_VERSION_GONE, failWaitingCopy } from "./flatten/job.js";

type Tx = Prisma.TransactionClient;

/** Every question needs a score, or to be marked as left blank on purpose (null). */
async function checkComplete(tx: Tx, examId: string, scores: Record<string, number | null>): Promise<void> {
  const questions = await tx.question.findMany({ where: { examId }, orderBy: { position: "asc" }, select: { id: true, label: true } });
  const missing = questions.filter((q) => !(q.id in scores));
  if (missing.length === 0) return;
  const names = missing.map((q) => q.label).join(", ");
  throw new UnprocessableError(`Notez ${missing.length > 1 ? "ces questions" : "cette question"} (ou marquez-la laissée blanche) avant de finaliser : ${names}.`, "MISSING_SCORES", { questions: missing });
}

/** The job drawing the graded PDF of a copy's draft version (once per version: its id says which). */
export const flattenJob = (copyId: string, version: number): QueuedJob<"copy.flatten"> => ({ payload: { copyId, version }, jobId: jobId.flatten(copyId, version) });

/** After the commit the copy is FINALIZING whatever Redis does: Redis out of reach, the recovery sweep queues its job. */
const enqueueFlattenAfterCommit = (ctx: AppContext, copyId: string, version: number) => enqueueAfterCommit(ctx, "copy.flatten", [flattenJob(copyId, version)]);

export async function finalizeCopy(ctx: AppContext, actor: StaffPrincipal, copyId: string, input: { lockToken: string; version: number }, meta: RequestMeta): Promise<void> {
  const queued = await ctx.db.$transaction(async (tx) => {
    await lockCopyRow(tx, copyId);
    const already = await tx.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, select: { status: true, finalVersion: true } });
    // The same request again (a double click, a retried request): one PDF, one event.
    if (already && ["FINALIZING", "GRADED"].includes(already.status) && already.finalVersion === input.version) return false;
    const copy = await copyForWrite(prismaSql(tx), actor, copyId, input.lockToken, input.version);
    await checkComplete(tx, copy.examId, ((await latestDraft(prismaSql(tx), copyId))?.scores ?? {}) as Record<string, number | null>);
    await tx.copyLock.delete({ where: { copyId } });
    await tx.copy.update({ where: { id: copyId }, data: { status: "FINALIZING", finalVersion: input.version, failureReason: null } });
    await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId, actorId: actor.id, type: "finalize_requested", fromStatus: "LOCKED", toStatus: "FINALIZING", data: { version: input.version } } });
    await audit(tx, { schoolId: copy.schoolId, actorType: "staff", actorId: actor.id, action: "copy.finalize_requested", targetType: "copy", targetId: copyId, data: { version: input.version } }, meta);
    return true;
  });
  if (queued) await enqueueFlattenAfterCommit(ctx, copyId, input.version);
}

/** The copy for a grading decision by an admin or one of the exam's graders. */
async function copyForStaff(ctx: AppContext, tx: Tx, actor: StaffPrincipal, copyId: string) {
  await lockCopyRow(tx, copyId);
  const copy = await tx.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  await gradableExam(ctx, actor, copy.examId);
  return copy;
}

/** Sends a FAILED copy to the worker again, with its latest draft. */
export async function retryFinalize(ctx: AppContext, actor: StaffPrincipal, copyId: string, meta: RequestMeta): Promise<void> {
  const version = await ctx.db.$transaction(async (tx) => {
    const copy = await copyForStaff(ctx, tx, actor, copyId);
    if (copy.status !== "FAILED") throw new ConflictError("Seule une copie dont la finalisation a échoué peut être relancée.", "NOT_FAILED");
    const draft = await latestDraft(prismaSql(tx), copyId);
    if (!draft) throw new ConflictError("Cette copie n'a pas de correction enregistrée.", "NO_DRAFT");
    await tx.copy.update({ where: { id: copyId }, data: { status: "FINALIZING", finalVersion: draft.version, failureReason: null } });
    await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId, actorId: actor.id, type: "finalize_retried", fromStatus: "FAILED", toStatus: "FINALIZING", data: { version: draft.version } } });
    await audit(tx, { schoolId: copy.schoolId, actorType: "staff", actorId: actor.id, action: "copy.finalize_retried", targetType: "copy", targetId: copyId }, meta);
    return draft.version;
  });
  await enqueueFlattenAfterCommit(ctx, copyId, version);
}

/** An admin takes a graded (or failed) copy back to grading; its PDFs stay in GradedPdf. */
export async function reopenCopy(ctx: AppContext, actor: StaffPrincipal, copyId: string, meta: RequestMeta): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    await reopenLockedCopy(tx, actor, await copyForStaff(ctx, tx, actor, copyId), meta);
  });
}

/**
 * The one reopening rule, shared by reopenCopy and a review answered with a reopen: GRADED (or
 * FAILED) → READY, with its event and audit; the graded PDFs stay in GradedPdf. The caller has
 * checked who may do it and locked the copy's row (lockCopyRow) in `tx`; `context` (a review's
 * id, say) goes into the event and the audit.
 */
export async function reopenLockedCopy(tx: Tx, actor: StaffPrincipal, copy: { id: string; schoolId: string; status: CopyStatus; gradedPdfPath: string | null }, meta: RequestMeta, context: Record<string, string> = {}): Promise<void> {
  if (copy.status !== "GRADED" && copy.status !== "FAILED") throw new ConflictError("Seule une copie corrigée (ou dont la finalisation a échoué) peut être rouverte.", "NOT_GRADED");
  await tx.copy.update({ where: { id: copy.id }, data: { status: "READY", gradedPdfPath: null, totalScore: null, finalizedAt: null, failureReason: null } });
  await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId: copy.id, actorId: actor.id, type: "reopened", fromStatus: copy.status, toStatus: "READY", data: { gradedPdfPath: copy.gradedPdfPath, ...context } } });
  await audit(tx, { schoolId: copy.schoolId, actorType: "staff", actorId: actor.id, action: "copy.reopened", targetType: "copy", targetId: copy.id, data: { from: copy.status, ...context } }, meta);
}

/** A copy left FINALIZING (a worker killed, Redis emptied) with no flatten job waiting or running. */
export interface StuckCopy {
  copyId: string;
  schoolId: string;
  version: number;
  /** The draft version to draw is gone: the copy is marked FAILED instead of queued again. */
  draftMissing: boolean;
}

export async function findStuckFinalizing(ctx: AppContext): Promise<StuckCopy[]> {
  // finalizeCopy and retryFinalize always set finalVersion with FINALIZING.
  const copies = await ctx.db.copy.findMany({ where: { status: "FINALIZING", finalVersion: { not: null } }, select: { id: true, schoolId: true, finalVersion: true } });
  const stuck: StuckCopy[] = [];
  for (const { id, schoolId, finalVersion } of copies) {
    const version = finalVersion!;
    if (await ctx.queues.pending("copy.flatten", jobId.flatten(id, version))) continue;
    const draft = await ctx.db.draft.findUnique({ where: { copyId_version: { copyId: id, version } }, select: { id: true } });
    stuck.push({ copyId: id, schoolId, version, draftMissing: !draft });
  }
  return stuck;
}

/** Queues the copy's flatten job again; a copy whose draft version is gone goes FAILED with the reason, audited. */
export async function recoverCopy(ctx: AppContext, copy: StuckCopy): Promise<"requeued" | "failed"> {
  if (!copy.draftMissing) {
    const job = flattenJob(copy.copyId, copy.version);
    await ctx.queues.ensure("copy.flatten", job.payload, job.jobId);
    return "requeued";
  }
  await ctx.db.$transaction(async (tx) => {
    if (!(await failWaitingCopy(tx, copy.copyId, copy.version, DRAFT_VERSION_GONE))) return;
    await audit(tx, { schoolId: copy.schoolId, actorType: "system", action: "copy.finalize_failed", targetType: "copy", targetId: copy.copyId, data: { version: copy.version, reason: DRAFT_VERSION_GONE } });
  });
  return "failed";
}

/** Run at worker start: every stuck copy is recovered (`korrigo recover` does the same, copy by copy). */
export async function recoverFinalizing(ctx: AppContext): Promise<number> {
  const stuck = await findStuckFinalizing(ctx);
  for (const copy of stuck) await recoverCopy(ctx, copy);
  return stuck.length;
}
