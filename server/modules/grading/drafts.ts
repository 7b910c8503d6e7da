// A teacher's annotations and scores for a copy, saved every couple of seconds by the editor.
// Each save is a new version; a save must name the version it started from (If-Match) and
// hold the copy's lock, so two tabs or a lost lock never overwrite anyone's work silently.
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import { ConflictError, InvalidError, NotFoundError, PreconditionFailedError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import type { DraftInput } from "./schemas.js";
import { gradableExam } from "./copies.js";
import { contentOf, withRubricScores, type DraftContent, type ScoredQuestion, type Scores } from "./scoring.js";

type Tx = Prisma.TransactionClient;

/** Versions kept per copy: enough to look back, without one row per autosave forever. */
const KEPT_VERSIONS = 20;

export interface DraftDto extends DraftContent {
  copyId: string;
  version: number;
  scores: Scores;
  savedAt: string | null;
}

export function toDraftDto(copyId: string, draft: { version: number; content: unknown; scores: unknown; createdAt: Date } | null): DraftDto {
  return { copyId, version: draft?.version ?? 0, ...contentOf(draft?.content), scores: (draft?.scores ?? {}) as Scores, savedAt: draft?.createdAt.toISOString() ?? null };
}

export const latestDraft = (db: Tx | AppContext["db"], copyId: string) => db.draft.findFirst({ where: { copyId }, orderBy: { version: "desc" } });

/** A copy's draft is for the exam's graders (to work) and the school's admins (to follow). */
export async function getDraft(ctx: AppContext, actor: StaffPrincipal, copyId: string): Promise<DraftDto> {
  const copy = await ctx.db.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, select: { examId: true } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  await gradableExam(ctx, actor, copy.examId);
  return toDraftDto(copyId, await latestDraft(ctx.db, copyId));
}

/** Rubric items applied must be live items of their question; overrides name questions of the exam. */
async function checkRubric(tx: Tx, examId: string, questions: ReadonlyMap<string, ScoredQuestion>, content: DraftContent) {
  const ids = Object.values(content.rubric).flat();
  const items = new Map((await tx.rubricItem.findMany({ where: { examId, id: { in: ids } } })).map((item) => [item.id, item]));
  for (const [questionId, applied] of Object.entries(content.rubric)) {
    if (!questions.has(questionId)) throw new InvalidError("Un commentaire barémé porte sur une question qui n'est pas dans le barème de cet examen.");
    if (applied.some((id) => items.get(id)?.questionId !== questionId)) throw new InvalidError("Un commentaire barémé appliqué n'existe pas (ou plus) pour cette question.");
  }
  if (content.overrides.some((id) => !questions.has(id))) throw new InvalidError("Une note saisie porte sur une question qui n'est pas dans le barème de cet examen.");
  return items;
}

/** Each score must be a question of the exam, within its points and on its step. */
function checkScores(questions: ReadonlyMap<string, ScoredQuestion>, scores: Scores): void {
  for (const [questionId, points] of Object.entries(scores)) {
    const question = questions.get(questionId);
    if (!question) throw new InvalidError("Une note porte sur une question qui n'est pas dans le barème de cet examen.");
    if (points === null) continue;
    const max = question.maxPoints.toNumber();
    const step = question.step.toNumber();
    if (points > max) throw new InvalidError(`${question.label} : au plus ${max} point(s).`);
    if (Math.abs(points / step - Math.round(points / step)) > 1e-9) throw new InvalidError(`${question.label} : la note se donne par pas de ${step}.`);
  }
}

/** The scores the draft stands for: rubric-driven questions recomputed, all of them checked. */
export async function scoresOf(tx: Tx, examId: string, content: DraftContent, scores: Scores): Promise<Scores> {
  const questions = new Map((await tx.question.findMany({ where: { examId } })).map((q) => [q.id, q]));
  const items = await checkRubric(tx, examId, questions, content);
  const derived = withRubricScores([...questions.values()], items, content, scores);
  checkScores(questions, derived);
  return derived;
}

/**
 * The copy for a write by its grader: row-locked for the transaction, held by the caller with
 * this lock token, and its latest draft still the one the caller's edits started from.
 */
export async function copyForWrite(tx: Tx, actor: StaffPrincipal, copyId: string, lockToken: string, baseVersion: number) {
  await tx.$queryRaw`SELECT 1 FROM "Copy" WHERE "id" = ${copyId}::uuid FOR UPDATE`;
  const copy = await tx.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, include: { lock: true } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  const lock = copy.lock;
  if (copy.status !== "LOCKED" || !lock || lock.userId !== actor.id || lock.token !== lockToken) {
    throw new ConflictError("Vous ne tenez plus le verrou de cette copie : vos modifications sont gardées dans le navigateur ; rouvrez la copie pour les enregistrer.", "LOCK_REQUIRED");
  }
  const current = await latestDraft(tx, copyId);
  if ((current?.version ?? 0) !== baseVersion) {
    throw new PreconditionFailedError("La copie a été modifiée ailleurs depuis votre dernière sauvegarde.", "STALE_VERSION", toDraftDto(copyId, current));
  }
  return { copy, current };
}

/** A new version of the draft (older ones beyond the last KEPT_VERSIONS are dropped). */
export async function addDraftVersion(tx: Tx, copyId: string, authorId: string, version: number, content: DraftContent, scores: Scores) {
  const saved = await tx.draft.create({ data: { copyId, version, authorId, content: content as unknown as Prisma.InputJsonObject, scores: scores as Prisma.InputJsonObject } });
  await tx.draft.deleteMany({ where: { copyId, version: { lte: version - KEPT_VERSIONS } } });
  return saved;
}

export async function saveDraft(ctx: AppContext, actor: StaffPrincipal, copyId: string, baseVersion: number, input: DraftInput): Promise<DraftDto> {
  return ctx.db.$transaction(async (tx) => {
    const { copy } = await copyForWrite(tx, actor, copyId, input.lockToken, baseVersion);
    const content: DraftContent = { annotations: input.annotations, comment: input.comment, rubric: input.rubric, overrides: input.overrides };
    const version = baseVersion + 1;
    const saved = await addDraftVersion(tx, copyId, actor.id, version, content, await scoresOf(tx, copy.examId, content, input.scores));
    await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId, actorId: actor.id, type: "draft_saved", fromStatus: "LOCKED", toStatus: "LOCKED", data: { version } } });
    // Saving is activity: the lock lives on without waiting for the next heartbeat.
    await tx.copyLock.update({ where: { copyId }, data: { expiresAt: new Date(Date.now() + ctx.config.LOCK_TTL_MINUTES * 60_000) } });
    return toDraftDto(copyId, saved);
  });
}
