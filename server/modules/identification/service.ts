// The desk's actions. Each runs in one transaction holding the exam's identification lock and
// the booklet's row lock, checks the booklet's state (explicit transitions, 409 otherwise),
// and writes an audit entry. A booklet whose copy is being graded never changes.
import { randomBytes } from "node:crypto";
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, InvalidError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { jobId } from "../../lib/jobs.js";
import { enqueueAfterCommit } from "../../lib/queue.js";
import { findExam } from "../exams/service.js";
import { identifyBooklet, lockExam } from "./copies.js";
import { decide } from "./decide.js";
import { deskBooklets, type DeskBooklet } from "./desk.js";
import { appendPages, editableBooklet, renumber, type EditableBooklet } from "./pages.js";
import { asReading, asSuggestions } from "./reading.js";
import { examRoster } from "./roster.js";
import { coverSheetsPdf } from "./cover-sheets.js";

type Tx = Prisma.TransactionClient;

interface Action {
  ctx: AppContext;
  actor: StaffPrincipal;
  meta: RequestMeta;
}

const TX = { timeout: 30_000 };

/** Runs `work` on a booklet of the actor's school under the exam lock, then returns the booklets it names. */
async function onBooklet(a: Action, bookletId: string, action: string, work: (tx: Tx, booklet: EditableBooklet) => Promise<{ ids: string[]; data?: Prisma.InputJsonObject }>): Promise<DeskBooklet[]> {
  const found = await a.ctx.db.booklet.findFirst({ where: { id: bookletId, schoolId: a.actor.schoolId }, select: { examId: true } });
  if (!found) throw new NotFoundError("Liasse introuvable.");
  return a.ctx.db.$transaction(async (tx) => {
    await lockExam(tx, found.examId);
    const booklet = await editableBooklet(tx, a.actor.schoolId, bookletId);
    const { ids, data } = await work(tx, booklet);
    await audit(tx, { schoolId: a.actor.schoolId, actorType: "staff", actorId: a.actor.id, action, targetType: "booklet", targetId: bookletId, ...(data ? { data } : {}) }, a.meta);
    return deskBooklets(tx, a.actor.schoolId, { id: { in: ids } });
  }, TX);
}

async function studentOfSchool(tx: Tx, schoolId: string, studentId: string) {
  const student = await tx.student.findFirst({ where: { id: studentId, schoolId }, select: { id: true } });
  if (!student) throw new NotFoundError("Élève introuvable.");
  return student;
}

/**
 * A page the worker did not convert (refused as hostile or broken, or still to do) never joins a
 * copy: it would go to grading with no image, and its PDF page to the graded PDF. The admin retries
 * its conversion, or sets the page aside (discards it) first.
 */
async function checkConverted(tx: Tx, pages: { bookletId: string; discardedAt: null } | { id: string }): Promise<void> {
  const page = await tx.page.findFirst({ where: { ...pages, status: { not: "DONE" } }, orderBy: { scanPageIndex: "asc" }, select: { scanPageIndex: true, status: true } });
  if (!page) return;
  const state = page.status === "FAILED" ? "n'a pas pu être convertie" : "n'est pas encore convertie";
  throw new ConflictError(
    `La page ${page.scanPageIndex + 1} du scan ${state} : relancez sa conversion, ou écartez-la, avant de la confier à une copie.`,
    "PAGES_NOT_CONVERTED",
  );
}

export function identify(a: Action, bookletId: string, input: { studentId: string; change: boolean }): Promise<DeskBooklet[]> {
  return onBooklet(a, bookletId, "identification.booklet_identified", async (tx, booklet) => {
    await studentOfSchool(tx, a.actor.schoolId, input.studentId);
    if (booklet.status === "IDENTIFIED" && !input.change) {
      // Two people on the desk: the second one's click must not silently overwrite the first.
      throw new ConflictError("Cette liasse vient d'être identifiée par quelqu'un d'autre : rechargez le bureau.", "ALREADY_IDENTIFIED");
    }
    if (booklet.status === "SET_ASIDE") throw new ConflictError("Cette liasse est mise de côté : remettez-la d'abord à identifier.", "SET_ASIDE");
    await checkConverted(tx, { bookletId, discardedAt: null });
    await identifyBooklet(tx, booklet, input.studentId, "MANUAL", a.actor.id);
    return { ids: [bookletId], data: { studentId: input.studentId } };
  });
}

export function unidentify(a: Action, bookletId: string): Promise<DeskBooklet[]> {
  return onBooklet(a, bookletId, "identification.booklet_unidentified", async (tx, booklet) => {
    if (booklet.status !== "IDENTIFIED" || !booklet.copyId) throw new ConflictError("Cette liasse n'est pas identifiée.", "NOT_IDENTIFIED");
    // The copy keeps its anonymous code and goes back to STAGING until it has a student again.
    await tx.copy.update({ where: { id: booklet.copyId }, data: { studentId: null, status: "STAGING" } });
    await tx.gradingEvent.create({ data: { schoolId: booklet.schoolId, copyId: booklet.copyId, actorId: a.actor.id, type: "unidentified", fromStatus: "READY", toStatus: "STAGING" } });
    const siblings = await tx.booklet.findMany({ where: { copyId: booklet.copyId, status: "IDENTIFIED" }, select: { id: true } });
    await tx.booklet.updateMany({ where: { id: { in: siblings.map((s) => s.id) } }, data: { status: "PENDING", method: null, identifiedById: null, identifiedAt: null } });
    return { ids: siblings.map((s) => s.id) };
  });
}

export function setAside(a: Action, bookletId: string, reason: "ABSENT" | "UNREADABLE"): Promise<DeskBooklet[]> {
  return onBooklet(a, bookletId, "identification.booklet_set_aside", async (tx, booklet) => {
    if (booklet.status === "IDENTIFIED") throw new ConflictError("Cette liasse est identifiée : retirez d'abord son élève.", "IDENTIFIED");
    await tx.booklet.update({ where: { id: bookletId }, data: { status: "SET_ASIDE", setAsideReason: reason } });
    return { ids: [bookletId], data: { reason } };
  });
}

export function restoreBooklet(a: Action, bookletId: string): Promise<DeskBooklet[]> {
  return onBooklet(a, bookletId, "identification.booklet_restored", async (tx, booklet) => {
    if (booklet.status !== "SET_ASIDE") throw new ConflictError("Cette liasse n'est pas mise de côté.", "NOT_SET_ASIDE");
    await tx.booklet.update({ where: { id: bookletId }, data: { status: "PENDING", setAsideReason: null } });
    return { ids: [bookletId] };
  });
}

/** The other booklet's pages go after this one's (e.g. a student's extra sheet). */
export function merge(a: Action, bookletId: string, otherId: string): Promise<DeskBooklet[]> {
  if (otherId === bookletId) return Promise.reject(new InvalidError("Choisissez une autre liasse à fusionner."));
  return onBooklet(a, bookletId, "identification.booklets_merged", async (tx, booklet) => {
    const other = await editableBooklet(tx, a.actor.schoolId, otherId);
    if (other.examId !== booklet.examId) throw new NotFoundError("Liasse introuvable.");
    if (other.copyId && other.copyId !== booklet.copyId && other.status === "IDENTIFIED") {
      throw new ConflictError(`La liasse ${other.index} est identifiée : retirez d'abord son élève.`, "IDENTIFIED");
    }
    if (booklet.copyId) await checkConverted(tx, { bookletId: otherId, discardedAt: null });
    await appendPages(tx, otherId, bookletId);
    // Its discarded pages follow, so that they can still be restored from the merged booklet.
    await tx.page.updateMany({ where: { bookletId: otherId, discardedAt: { not: null } }, data: { bookletId } });
    await tx.booklet.update({ where: { id: otherId }, data: { status: "MERGED", mergedIntoId: bookletId } });
    return { ids: [bookletId, otherId], data: { merged: otherId } };
  });
}

/** Pages from `position` on become a new booklet, read again so it gets its own suggestions. */
export async function split(a: Action, bookletId: string, position: number): Promise<DeskBooklet[]> {
  let created = "";
  const result = await onBooklet(a, bookletId, "identification.booklet_split", async (tx, booklet) => {
    const pages = await tx.page.findMany({ where: { bookletId, discardedAt: null, coverToken: null, position: { gte: position } }, select: { id: true } });
    if (pages.length === 0) throw new InvalidError(`La liasse n'a pas de page ${position} : choisissez où la couper.`);
    const last = await tx.booklet.aggregate({ where: { batchId: booklet.batchId }, _max: { index: true } });
    const fresh = await tx.booklet.create({
      data: { schoolId: booklet.schoolId, examId: booklet.examId, batchId: booklet.batchId, index: (last._max.index ?? 0) + 1, status: "READING", warnings: [`Détachée de la liasse ${booklet.index}.`] },
    });
    await tx.page.updateMany({ where: { id: { in: pages.map((p) => p.id) } }, data: { bookletId: fresh.id } });
    await renumber(tx, fresh.id);
    created = fresh.id;
    return { ids: [bookletId, fresh.id], data: { position, newBooklet: fresh.id } };
  });
  // The split is committed: Redis out of reach, the worker's recovery sweep has the new booklet read.
  await enqueueAfterCommit(a.ctx, "booklet.identify", [{ payload: { bookletId: created }, jobId: jobId.identifyBooklet(created) }]);
  return result;
}

async function pageOf(tx: Tx, schoolId: string, pageId: string) {
  const page = await tx.page.findFirst({ where: { id: pageId, schoolId }, select: { id: true, bookletId: true, coverToken: true, discardedAt: true } });
  if (!page?.bookletId) throw new NotFoundError("Page introuvable.");
  return { ...page, bookletId: page.bookletId };
}

/** Runs `work` on a page: its booklet (and the target's) must still be editable. */
async function onPage(a: Action, pageId: string, action: string, work: (tx: Tx, page: Awaited<ReturnType<typeof pageOf>>, booklet: EditableBooklet) => Promise<{ ids: string[]; data?: Prisma.InputJsonObject }>) {
  const page = await pageOf(a.ctx.db, a.actor.schoolId, pageId);
  return onBooklet(a, page.bookletId, action, async (tx, booklet) => {
    const fresh = await pageOf(tx, a.actor.schoolId, pageId);
    if (fresh.bookletId !== booklet.id) throw new ConflictError("Cette page vient d'être déplacée : rechargez le bureau.", "PAGE_MOVED");
    const result = await work(tx, fresh, booklet);
    return { ids: result.ids, data: { pageId, ...result.data } };
  });
}

export function movePage(a: Action, pageId: string, to: { bookletId: string; position: number }) {
  return onPage(a, pageId, "identification.page_moved", async (tx, page, booklet) => {
    if (page.coverToken) throw new ConflictError("Une page de garde ne se déplace pas.", "COVER_PAGE");
    if (page.discardedAt) throw new ConflictError("Cette page est écartée : restaurez-la.", "PAGE_DISCARDED");
    const target = to.bookletId === booklet.id ? booklet : await editableBooklet(tx, a.actor.schoolId, to.bookletId);
    if (target.examId !== booklet.examId) throw new NotFoundError("Liasse introuvable.");
    if (target.copyId) await checkConverted(tx, { id: pageId });
    await tx.page.update({ where: { id: pageId }, data: { bookletId: target.id } });
    await renumber(tx, target.id, { pageId, position: to.position });
    if (target.id !== booklet.id) await renumber(tx, booklet.id);
    return { ids: [...new Set([booklet.id, target.id])], data: { to: target.id, position: to.position } };
  });
}

export function rotatePage(a: Action, pageId: string, rotation: number) {
  return onPage(a, pageId, "identification.page_rotated", async (tx, _page, booklet) => {
    await tx.page.update({ where: { id: pageId }, data: { rotation } });
    return { ids: [booklet.id], data: { rotation } };
  });
}

export function discardPage(a: Action, pageId: string) {
  return onPage(a, pageId, "identification.page_discarded", async (tx, page, booklet) => {
    if (page.coverToken) throw new ConflictError("Une page de garde ne s'écarte pas.", "COVER_PAGE");
    if (page.discardedAt) return { ids: [booklet.id] };
    await tx.page.update({ where: { id: pageId }, data: { discardedAt: new Date() } });
    await renumber(tx, booklet.id);
    return { ids: [booklet.id] };
  });
}

/** Brings a discarded page back, into its booklet (or another) at a position (default: last). */
export function restorePage(a: Action, pageId: string, to: { bookletId?: string; position?: number }) {
  return onPage(a, pageId, "identification.page_restored", async (tx, page, booklet) => {
    if (!page.discardedAt) throw new ConflictError("Cette page n'est pas écartée.", "PAGE_NOT_DISCARDED");
    const target = to.bookletId && to.bookletId !== booklet.id ? await editableBooklet(tx, a.actor.schoolId, to.bookletId) : booklet;
    if (target.examId !== booklet.examId) throw new NotFoundError("Liasse introuvable.");
    if (target.copyId) await checkConverted(tx, { id: pageId });
    await tx.page.update({ where: { id: pageId }, data: { discardedAt: null, bookletId: target.id, position: 10_000 } });
    await renumber(tx, target.id, to.position ? { pageId, position: to.position } : undefined);
    return { ids: [...new Set([booklet.id, target.id])], data: { to: target.id } };
  });
}

export interface AcceptPlan {
  bookletId: string;
  index: number;
  batchName: string;
  studentId: string;
  confidence: number;
}

/**
 * "Accept every suggestion above X %": the pending booklets whose best suggestion reaches X, for
 * students without a copy and claimed by no other such booklet. The dry run shows the plan.
 */
export async function acceptAbove(a: Action, examId: string, minConfidence: number, dryRun: boolean): Promise<{ plan: AcceptPlan[]; applied: number }> {
  await findExam(a.ctx.db, a.actor.schoolId, examId);
  return a.ctx.db.$transaction(async (tx) => {
    await lockExam(tx, examId);
    const pending = await tx.booklet.findMany({ where: { examId, status: "PENDING" }, include: { batch: { select: { originalName: true, createdAt: true } } }, orderBy: [{ batch: { createdAt: "asc" } }, { index: "asc" }] });
    const withCopy = new Set((await tx.copy.findMany({ where: { examId, studentId: { not: null } }, select: { studentId: true } })).map((c) => c.studentId!));
    const candidates = pending
      .map((b) => ({ b, best: asSuggestions(b.suggestions)[0] }))
      .filter((c): c is typeof c & { best: NonNullable<typeof c.best> } => !!c.best && c.best.confidence >= minConfidence && !withCopy.has(c.best.studentId));
    const claims = new Map<string, number>();
    for (const c of candidates) claims.set(c.best.studentId, (claims.get(c.best.studentId) ?? 0) + 1);
    const plan = candidates
      .filter((c) => claims.get(c.best.studentId) === 1)
      .map(({ b, best }) => ({ bookletId: b.id, index: b.index, batchName: b.batch.originalName, studentId: best.studentId, confidence: best.confidence }));
    if (dryRun) return { plan, applied: 0 };
    const byId = new Map(pending.map((b) => [b.id, b]));
    for (const p of plan) {
      const booklet = await editableBooklet(tx, a.actor.schoolId, p.bookletId);
      await identifyBooklet(tx, booklet, p.studentId, asReading(byId.get(p.bookletId)!.reading)?.coverToken ? "QR" : "OCR", a.actor.id);
    }
    await audit(tx, { schoolId: a.actor.schoolId, actorType: "staff", actorId: a.actor.id, action: "identification.suggestions_accepted", targetType: "exam", targetId: examId, data: { minConfidence, booklets: plan.map((p) => p.bookletId) } }, a.meta);
    return { plan, applied: plan.length };
  }, { timeout: 120_000 });
}

/** Matches the unconfirmed booklets again from their stored readings (after a roster fix). */
export async function rerun(a: Action, examId: string) {
  await findExam(a.ctx.db, a.actor.schoolId, examId);
  const result = await decide(a.ctx, { examId });
  await audit(a.ctx.db, { schoolId: a.actor.schoolId, actorType: "staff", actorId: a.actor.id, action: "identification.rerun", targetType: "exam", targetId: examId, data: { ...result } }, a.meta);
  return result;
}

/**
 * The cover sheets of the exam's students (of the chosen classes). A student keeps the token
 * first printed for them, so reprinting never invalidates a sheet already handed out.
 */
export async function coverSheets(a: Action, examId: string, classes?: string[]): Promise<Uint8Array> {
  const exam = await findExam(a.ctx.db, a.actor.schoolId, examId);
  const unknown = classes?.filter((c) => !exam.classNames.includes(c)) ?? [];
  if (unknown.length) throw new InvalidError(`Classe(s) hors de cet examen : ${unknown.join(", ")}.`);
  const students = (await examRoster(a.ctx.db, exam)).filter((s) => !classes || classes.includes(s.className));
  if (students.length === 0) throw new InvalidError("Aucun élève dans ces classes : importez d'abord la liste des élèves.");
  await a.ctx.db.coverSheet.createMany({
    data: students.map((s) => ({ token: randomBytes(15).toString("base64url"), schoolId: exam.schoolId, examId, studentId: s.id })),
    skipDuplicates: true,
  });
  const tokens = new Map((await a.ctx.db.coverSheet.findMany({ where: { examId }, select: { studentId: true, token: true } })).map((c) => [c.studentId, c.token]));
  const school = await a.ctx.db.school.findUniqueOrThrow({ where: { id: exam.schoolId }, select: { name: true } });
  const sorted = [...students].sort((x, y) => x.className.localeCompare(y.className, "fr") || x.lastName.localeCompare(y.lastName, "fr") || x.firstName.localeCompare(y.firstName, "fr"));
  await audit(a.ctx.db, { schoolId: exam.schoolId, actorType: "staff", actorId: a.actor.id, action: "identification.cover_sheets_printed", targetType: "exam", targetId: examId, data: { students: sorted.length } }, a.meta);
  return coverSheetsPdf({
    schoolName: school.name,
    examTitle: exam.title,
    examSubject: exam.subject,
    examDate: exam.date.toISOString().slice(0, 10),
    sheets: sorted.map((s) => ({ token: tokens.get(s.id)!, lastName: s.lastName, firstName: s.firstName, className: s.className })),
  });
}

/** Checks the target of a late sheet before the upload is stored. */
export async function lateSheetTarget(a: Action, bookletId: string): Promise<{ examId: string }> {
  const booklet = await a.ctx.db.booklet.findFirst({ where: { id: bookletId, schoolId: a.actor.schoolId }, include: { copy: { select: { status: true } } } });
  if (!booklet) throw new NotFoundError("Liasse introuvable.");
  if (booklet.status === "MERGED") throw new ConflictError("Cette liasse a été fusionnée dans une autre : rechargez la page.", "BOOKLET_MERGED");
  if (booklet.copy && booklet.copy.status !== "STAGING" && booklet.copy.status !== "READY") {
    throw new ConflictError("La correction de cette copie a commencé : on ne peut plus y ajouter de feuille.", "GRADING_STARTED");
  }
  return { examId: booklet.examId };
}
