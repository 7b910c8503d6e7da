// Rubrics: per question, a shared list of comments with a point value that any grader of the
// exam applies to copies. Changing an item's points or wording (or a question's mode) re-scores
// every copy using it in one transaction: a new draft version per copy whose score changed, and
// graded copies go back through the worker so that their PDF shows the new score and wording.
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, InvalidError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { enqueueAfterCommit } from "../../lib/queue.js";
import { gradableExam } from "./copies.js";
import { prismaSql } from "../../lib/sql.js";
import { addDraftVersion } from "./drafts.js";
import { flattenJob } from "./finalize.js";
import { lockCopyRow } from "./locks.js";
import { contentOf, sameScores, withRubricScores, type Scores } from "./scoring.js";

type Tx = Prisma.TransactionClient;

export interface RubricItemDto {
  id: string;
  questionId: string;
  label: string;
  points: number;
  shortcut: string | null;
  position: number;
  usage: number;
}

export interface Rescored {
  /** Copies whose scores changed. */
  copies: number;
  /** Graded copies sent back to the worker for a new PDF. */
  regenerated: number;
}

const toDto = (item: { id: string; questionId: string; label: string; points: Prisma.Decimal; shortcut: string | null; position: number }, usage: number): RubricItemDto => ({
  id: item.id, questionId: item.questionId, label: item.label, points: item.points.toNumber(), shortcut: item.shortcut, position: item.position, usage,
});

/**
 * The latest draft of each copy of the exam that applies one of `itemIds`. Only the latest
 * versions are opened (each draft keeps up to 20 versions of tens of kilobytes), and only their
 * `rubric` part is read: the editor asks for usage counts every time it opens a copy.
 */
async function draftsUsing(tx: Tx | AppContext["db"], examId: string, itemIds: string[]) {
  if (itemIds.length === 0) return [];
  return tx.$queryRaw<{ copyId: string; itemId: string }[]>`
    SELECT DISTINCT d."copyId", item AS "itemId"
    FROM "Draft" d
    JOIN (SELECT l."copyId", max(l."version") AS "version" FROM "Draft" l JOIN "Copy" c ON c."id" = l."copyId"
          WHERE c."examId" = ${examId}::uuid GROUP BY l."copyId") latest ON latest."copyId" = d."copyId" AND latest."version" = d."version",
         json_each(COALESCE(d."content"->'rubric', '{}'::json)) AS q,
         json_array_elements_text(q.value) AS item
    WHERE item = ANY(${itemIds}::text[])`;
}

export async function listRubric(ctx: AppContext, actor: StaffPrincipal, examId: string) {
  const exam = await gradableExam(ctx, actor, examId);
  const items = await ctx.db.rubricItem.findMany({ where: { examId, archivedAt: null }, orderBy: [{ position: "asc" }] });
  const usage = new Map<string, number>();
  for (const row of await draftsUsing(ctx.db, examId, items.map((i) => i.id))) usage.set(row.itemId, (usage.get(row.itemId) ?? 0) + 1);
  return exam.questions.map((q) => ({
    questionId: q.id,
    mode: q.rubricMode,
    items: items.filter((i) => i.questionId === q.id).map((i) => toDto(i, usage.get(i.id) ?? 0)),
  }));
}

function checkPoints(question: { label: string; maxPoints: Prisma.Decimal; step: Prisma.Decimal }, points: number): void {
  const step = question.step.toNumber();
  if (points > question.maxPoints.toNumber()) throw new InvalidError(`${question.label} : un commentaire ne peut pas valoir plus que la question (${question.maxPoints.toNumber()} point(s)).`);
  if (!Number.isInteger(Math.round((points / step) * 1e6) / 1e6)) throw new InvalidError(`${question.label} : les points d'un commentaire suivent le pas de la question (${step}).`);
}

async function checkShortcut(tx: Tx, examId: string, shortcut: string | null | undefined, itemId?: string): Promise<void> {
  if (!shortcut) return;
  const taken = await tx.rubricItem.findFirst({ where: { examId, shortcut, archivedAt: null, ...(itemId ? { id: { not: itemId } } : {}) }, select: { label: true } });
  if (taken) throw new ConflictError(`Le raccourci ${shortcut} est déjà pris par « ${taken.label} ».`, "SHORTCUT_TAKEN");
}

/** Serialises rubric changes of one exam: two re-scorings never interleave. */
/** The exam's rubric lock, exclusive: autosaves applying items take it shared (drafts.ts). */
const lockRubric = (tx: Tx, examId: string) => tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`rubric:${examId}`}))`;

export async function createRubricItem(ctx: AppContext, actor: StaffPrincipal, examId: string, input: { questionId: string; label: string; points: number; shortcut: string | null }, meta: RequestMeta): Promise<RubricItemDto> {
  await gradableExam(ctx, actor, examId);
  return ctx.db.$transaction(async (tx) => {
    await lockRubric(tx, examId);
    const question = await tx.question.findFirst({ where: { id: input.questionId, examId } });
    if (!question) throw new NotFoundError("Question introuvable dans cet examen.");
    checkPoints(question, input.points);
    await checkShortcut(tx, examId, input.shortcut);
    const last = await tx.rubricItem.aggregate({ where: { questionId: question.id }, _max: { position: true } });
    const item = await tx.rubricItem.create({ data: { schoolId: actor.schoolId, examId, questionId: question.id, position: (last._max.position ?? 0) + 1, label: input.label, points: input.points, shortcut: input.shortcut, createdById: actor.id } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "rubric.item.created", targetType: "rubric_item", targetId: item.id, data: { examId, points: input.points } }, meta);
    return toDto(item, 0);
  });
}

async function itemForChange(ctx: AppContext, tx: Tx, actor: StaffPrincipal, itemId: string) {
  const item = await tx.rubricItem.findFirst({ where: { id: itemId, schoolId: actor.schoolId }, include: { question: true } });
  if (!item) throw new NotFoundError("Commentaire introuvable.");
  await gradableExam(ctx, actor, item.examId);
  await lockRubric(tx, item.examId);
  return item;
}

/**
 * Re-scores the copies whose latest draft applies one of `itemIds`. Each changed copy gets a new
 * draft version by the actor (and a "rescored" event). Copies graded or being finalized also get
 * one when only the wording changed (`wordingChanged`), and go to FINALIZING for a new PDF.
 */
async function rescore(tx: Tx, actor: StaffPrincipal, examId: string, itemIds: string[], wordingChanged: boolean, cause: Prisma.InputJsonObject): Promise<Rescored & { flatten: { copyId: string; version: number }[] }> {
  const copyIds = [...new Set((await draftsUsing(tx, examId, itemIds)).map((r) => r.copyId))].sort();
  const questions = await tx.question.findMany({ where: { examId } });
  const items = new Map((await tx.rubricItem.findMany({ where: { examId } })).map((i) => [i.id, i]));
  const result = { copies: 0, regenerated: 0, flatten: [] as { copyId: string; version: number }[] };
  for (const copyId of copyIds) {
    await lockCopyRow(tx, copyId);
    const copy = await tx.copy.findUniqueOrThrow({ where: { id: copyId } });
    const draft = await tx.draft.findFirstOrThrow({ where: { copyId }, orderBy: { version: "desc" } });
    const content = contentOf(draft.content);
    const before = draft.scores as Scores;
    const after = withRubricScores(questions, items, content, before);
    const graded = copy.status === "GRADED" || copy.status === "FINALIZING";
    const changed = !sameScores(before, after);
    if (!changed && !(graded && wordingChanged)) continue;
    const version = draft.version + 1;
    await addDraftVersion(prismaSql(tx), copy, actor.id, version, content, after, { type: "rescored", toStatus: graded ? "FINALIZING" : copy.status, data: { ...cause, before, after } });
    if (changed) result.copies += 1;
    if (graded) {
      await tx.copy.update({ where: { id: copyId }, data: { status: "FINALIZING", finalVersion: version } });
      result.regenerated += 1;
      result.flatten.push({ copyId, version });
    }
  }
  return result;
}

/** The re-scoring is committed: Redis out of reach, the worker's recovery sweep queues the new PDFs. */
async function afterRescore(ctx: AppContext, flatten: { copyId: string; version: number }[]): Promise<void> {
  await enqueueAfterCommit(ctx, "copy.flatten", flatten.map((f) => flattenJob(f.copyId, f.version)));
}

export async function updateRubricItem(ctx: AppContext, actor: StaffPrincipal, itemId: string, patch: { label?: string; points?: number; shortcut?: string | null }, meta: RequestMeta) {
  const { dto, flatten, ...rescored } = await ctx.db.$transaction(async (tx) => {
    const item = await itemForChange(ctx, tx, actor, itemId);
    if (item.archivedAt) throw new ConflictError("Ce commentaire a été retiré de la liste.", "RUBRIC_ITEM_ARCHIVED");
    if (patch.points !== undefined) checkPoints(item.question, patch.points);
    await checkShortcut(tx, item.examId, patch.shortcut, item.id);
    const updated = await tx.rubricItem.update({ where: { id: itemId }, data: patch });
    const pointsChanged = !updated.points.equals(item.points);
    const wordingChanged = updated.label !== item.label;
    const cause = { itemId, label: { from: item.label, to: updated.label }, points: { from: item.points.toNumber(), to: updated.points.toNumber() } };
    const result = pointsChanged || wordingChanged ? await rescore(tx, actor, item.examId, [itemId], wordingChanged, cause) : { copies: 0, regenerated: 0, flatten: [] };
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "rubric.item.updated", targetType: "rubric_item", targetId: itemId, data: { ...cause, rescored: result.copies, regenerated: result.regenerated } }, meta);
    const usage = new Set((await draftsUsing(tx, item.examId, [itemId])).map((r) => r.copyId)).size;
    return { ...result, dto: toDto(updated, usage) };
  });
  await afterRescore(ctx, flatten);
  return { item: dto, rescored };
}

/** Hides an item from the list; copies that applied it keep it and their score. */
export async function archiveRubricItem(ctx: AppContext, actor: StaffPrincipal, itemId: string, meta: RequestMeta): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const item = await itemForChange(ctx, tx, actor, itemId);
    if (item.archivedAt) return;
    await tx.rubricItem.update({ where: { id: itemId }, data: { archivedAt: new Date(), shortcut: null } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "rubric.item.archived", targetType: "rubric_item", targetId: itemId }, meta);
  });
}

export async function setRubricMode(ctx: AppContext, actor: StaffPrincipal, questionId: string, mode: "ADD" | "SUBTRACT", meta: RequestMeta): Promise<Rescored> {
  const { flatten, ...rescored } = await ctx.db.$transaction(async (tx) => {
    const question = await tx.question.findFirst({ where: { id: questionId, exam: { schoolId: actor.schoolId } } });
    if (!question) throw new NotFoundError("Question introuvable.");
    await gradableExam(ctx, actor, question.examId);
    await lockRubric(tx, question.examId);
    if (question.rubricMode === mode) return { copies: 0, regenerated: 0, flatten: [] };
    await tx.question.update({ where: { id: questionId }, data: { rubricMode: mode } });
    const itemIds = (await tx.rubricItem.findMany({ where: { questionId }, select: { id: true } })).map((i) => i.id);
    const result = await rescore(tx, actor, question.examId, itemIds, false, { questionId, mode: { from: question.rubricMode, to: mode } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "rubric.mode.changed", targetType: "question", targetId: questionId, data: { from: question.rubricMode, to: mode, rescored: result.copies } }, meta);
    return result;
  });
  await afterRescore(ctx, flatten);
  return rescored;
}
