// A teacher's annotations and scores for a copy, saved every couple of seconds by the editor.
// Each save is a new version; a save must name the version it started from (If-Match) and
// hold the copy's lock, so two tabs or a lost lock never overwrite anyone's work silently.
import { randomUUID } from "node:crypto";
import type { AppContext } from "../../lib/context.js";
import type { Db } from "../../lib/db.js";
import { ConflictError, InvalidError, NotFoundError, PreconditionFailedError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { pgTransaction, poolSql, type Sql } from "../../lib/sql.js";
import type { DraftInput } from "./schemas.js";
import { gradableExam } from "./copies.js";
import { contentOf, withRubricScores, type DraftContent, type RubricPoints, type ScoredQuestion, type Scores } from "./scoring.js";

/**
 * Versions kept per copy: enough to look back, without one row per autosave forever. A version a
 * graded PDF was drawn from, or being finalized, is never dropped: its scores are the grade.
 */
const KEPT_VERSIONS = 20;

export interface DraftDto extends DraftContent {
  copyId: string;
  version: number;
  scores: Scores;
  savedAt: string | null;
}

/** A save's answer: what the server made of it, without the annotations the editor just sent. */
export type SavedDraftDto = Pick<DraftDto, "copyId" | "version" | "scores" | "savedAt">;

export function toDraftDto(copyId: string, draft: { version: number; content: unknown; scores: unknown; createdAt: Date } | null): DraftDto {
  return { copyId, version: draft?.version ?? 0, ...contentOf(draft?.content), scores: (draft?.scores ?? {}) as Scores, savedAt: draft?.createdAt.toISOString() ?? null };
}

interface DraftRow {
  version: number;
  content: unknown;
  scores: unknown;
  createdAt: Date;
}

// Drafts are read and written with SQL of our own (lib/sql.ts): Prisma 6's query compiler
// spends milliseconds of CPU on a draft's JSON, and autosave is the hottest path of an exam week.

/** The createdAt of a draft, read as UTC (see lib/sql.ts). */
const DRAFT_COLUMNS = `"version", "content", "scores", "createdAt" AT TIME ZONE 'UTC' AS "createdAt"`;

export async function latestDraft(sql: Sql, copyId: string): Promise<DraftRow | null> {
  const rows = await sql.rows<DraftRow>(`SELECT ${DRAFT_COLUMNS} FROM "Draft" WHERE "copyId" = $1::uuid ORDER BY "version" DESC LIMIT 1`, [copyId]);
  return rows[0] ?? null;
}

/**
 * The scores of the versions these copies' latest graded PDFs were drawn from (what the PDF the
 * student holds shows), by copy. Such a version is never pruned (addDraftVersion).
 */
export async function gradedScores(db: Db, graded: readonly { copyId: string; draftVersion: number }[]): Promise<Map<string, Scores>> {
  if (graded.length === 0) return new Map();
  const drafts = await db.draft.findMany({ where: { OR: graded.map((g) => ({ copyId: g.copyId, version: g.draftVersion })) }, select: { copyId: true, scores: true } });
  return new Map(drafts.map((d) => [d.copyId, d.scores as Scores]));
}

/** A copy's draft is for the exam's graders (to work) and the school's admins (to follow). */
export async function getDraft(ctx: AppContext, actor: StaffPrincipal, copyId: string): Promise<DraftDto> {
  const copy = await ctx.db.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, select: { examId: true } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  await gradableExam(ctx, actor, copy.examId);
  return toDraftDto(copyId, await latestDraft(poolSql(ctx.pool), copyId));
}

/** Rubric items applied must be live items of their question; overrides name questions of the exam. */
async function checkRubric(sql: Sql, examId: string, questions: ReadonlyMap<string, ScoredQuestion>, content: DraftContent) {
  const ids = Object.values(content.rubric).flat();
  const found = ids.length === 0 ? [] : await sql.rows<RubricPoints>(`SELECT "id", "questionId", "points" FROM "RubricItem" WHERE "examId" = $1::uuid AND "id" = ANY($2::uuid[])`, [examId, ids]);
  const items = new Map(found.map((item) => [item.id, item]));
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
    const max = Number(question.maxPoints);
    const step = Number(question.step);
    if (points > max) throw new InvalidError(`${question.label} : au plus ${max} point(s).`);
    if (Math.abs(points / step - Math.round(points / step)) > 1e-9) throw new InvalidError(`${question.label} : la note se donne par pas de ${step}.`);
  }
}

/** The scores the draft stands for: rubric-driven questions recomputed, all of them checked. */
export async function scoresOf(sql: Sql, examId: string, content: DraftContent, scores: Scores): Promise<Scores> {
  const rows = await sql.rows<ScoredQuestion>(`SELECT "id", "label", "maxPoints", "step", "rubricMode"::text AS "rubricMode" FROM "Question" WHERE "examId" = $1::uuid`, [examId]);
  const questions = new Map(rows.map((q) => [q.id, q]));
  const items = await checkRubric(sql, examId, questions, content);
  const derived = withRubricScores([...questions.values()], items, content, scores);
  checkScores(questions, derived);
  return derived;
}

interface CopyForWrite {
  id: string;
  schoolId: string;
  examId: string;
  status: string;
  lockUserId: string | null;
  lockToken: string | null;
  version: number | null;
}

/**
 * The copy for a write by its grader: row-locked for the transaction, held by the caller with
 * this lock token, and its latest draft still the one the caller's edits started from.
 */
export async function copyForWrite(sql: Sql, actor: StaffPrincipal, copyId: string, lockToken: string, baseVersion: number) {
  const [copy] = await sql.rows<CopyForWrite>(`
    SELECT c."id", c."schoolId", c."examId", c."status"::text AS "status", l."userId" AS "lockUserId", l."token" AS "lockToken",
           (SELECT max(d."version") FROM "Draft" d WHERE d."copyId" = c."id") AS "version"
    FROM "Copy" c LEFT JOIN "CopyLock" l ON l."copyId" = c."id"
    WHERE c."id" = $1::uuid AND c."schoolId" = $2::uuid
    FOR UPDATE OF c`, [copyId, actor.schoolId]);
  if (!copy) throw new NotFoundError("Copie introuvable.");
  if (copy.status !== "LOCKED" || copy.lockUserId !== actor.id || copy.lockToken !== lockToken) {
    throw new ConflictError("Vous ne tenez plus le verrou de cette copie : vos modifications sont gardées dans le navigateur ; rouvrez la copie pour les enregistrer.", "LOCK_REQUIRED");
  }
  if ((copy.version ?? 0) !== baseVersion) {
    throw new PreconditionFailedError("La copie a été modifiée ailleurs depuis votre dernière sauvegarde.", "STALE_VERSION", toDraftDto(copyId, await latestDraft(sql, copyId)));
  }
  return copy;
}

/**
 * A new version of the draft, older ones beyond the last KEPT_VERSIONS dropped, its grading
 * event, and (for the lock holder's save) the lock's expiry pushed, in one statement. Answers
 * when it was saved.
 */
export async function addDraftVersion(sql: Sql, copy: { id: string; schoolId: string; status: string }, authorId: string, version: number, content: DraftContent, scores: Scores, event: { type: string; toStatus?: string; data?: object; lockUntil?: Date }): Promise<Date> {
  const data = JSON.stringify({ version, ...event.data });
  // Timestamps are stored in UTC without a zone (as Prisma writes them): sent as UTC text.
  const until = event.lockUntil?.toISOString() ?? null;
  // The content is not read back: it is what was just written, and reading a draft's JSON costs.
  const [saved] = await sql.rows<{ createdAt: Date }>(`
    WITH saved AS (
      INSERT INTO "Draft" ("id", "copyId", "version", "content", "scores", "authorId")
      VALUES ($1::uuid, $2::uuid, $3, $4::json, $5::jsonb, $6::uuid)
      RETURNING "createdAt" AT TIME ZONE 'UTC' AS "createdAt"
    ), pruned AS (
      DELETE FROM "Draft" d WHERE d."copyId" = $2::uuid AND d."version" <= $3 - ${KEPT_VERSIONS}
        AND NOT EXISTS (SELECT 1 FROM "GradedPdf" g WHERE g."copyId" = d."copyId" AND g."draftVersion" = d."version")
        AND d."version" IS DISTINCT FROM (SELECT c."finalVersion" FROM "Copy" c WHERE c."id" = d."copyId")
    ), logged AS (
      INSERT INTO "GradingEvent" ("schoolId", "copyId", "actorId", "type", "fromStatus", "toStatus", "data")
      VALUES ($7::uuid, $2::uuid, $6::uuid, $8, $9::"CopyStatus", $10::"CopyStatus", $11::jsonb)
    ), extended AS (
      UPDATE "CopyLock" SET "expiresAt" = $12::timestamp WHERE "copyId" = $2::uuid AND $12::timestamp IS NOT NULL
    )
    SELECT * FROM saved`,
  [randomUUID(), copy.id, version, JSON.stringify(content), JSON.stringify(scores), authorId, copy.schoolId, event.type, copy.status, event.toStatus ?? copy.status, data, until]);
  return saved!.createdAt;
}

/**
 * A save that applies rubric items waits while an item of the exam is being changed and its
 * copies re-scored (rubric.ts holds this lock exclusively meanwhile): else it could derive its
 * scores from the old points after the re-score had already passed this copy by. Taken before
 * the copy's row lock, in the order re-scoring takes them.
 */
async function shareRubricLock(sql: Sql, copyId: string): Promise<void> {
  await sql.rows(`SELECT pg_advisory_xact_lock_shared(hashtext('rubric:' || "examId"::text)) FROM "Copy" WHERE "id" = $1::uuid`, [copyId]);
}

export async function saveDraft(ctx: AppContext, actor: StaffPrincipal, copyId: string, baseVersion: number, input: DraftInput): Promise<SavedDraftDto> {
  return pgTransaction(ctx.pool, async (sql) => {
    if (Object.values(input.rubric).some((items) => items.length > 0)) await shareRubricLock(sql, copyId);
    const copy = await copyForWrite(sql, actor, copyId, input.lockToken, baseVersion);
    const content: DraftContent = { annotations: input.annotations, comment: input.comment, rubric: input.rubric, overrides: input.overrides };
    const scores = await scoresOf(sql, copy.examId, content, input.scores);
    // Saving is activity: the lock lives on without waiting for the next heartbeat.
    const lockUntil = new Date(Date.now() + ctx.config.LOCK_TTL_MINUTES * 60_000);
    const version = baseVersion + 1;
    const savedAt = await addDraftVersion(sql, copy, actor.id, version, content, scores, { type: "draft_saved", lockUntil });
    return { copyId, version, scores, savedAt: savedAt.toISOString() };
  });
}
