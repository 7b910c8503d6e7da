// A teacher's annotations and scores for a copy, saved every couple of seconds by the editor.
// Each save is a new version; a save must name the version it started from (If-Match) and
// hold the copy's lock, so two tabs or a lost lock never overwrite anyone's work silently.
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import { ConflictError, InvalidError, NotFoundError, PreconditionFailedError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import type { DraftInput } from "./schemas.js";
import { gradableExam } from "./copies.js";

type Tx = Prisma.TransactionClient;

/** Versions kept per copy: enough to look back, without one row per autosave forever. */
const KEPT_VERSIONS = 20;

export interface DraftDto {
  copyId: string;
  version: number;
  annotations: unknown[];
  scores: Record<string, number | null>;
  comment: string;
  savedAt: string | null;
}

const EMPTY = { annotations: [], comment: "" };

function toDto(copyId: string, draft: { version: number; content: unknown; scores: unknown; createdAt: Date } | null): DraftDto {
  const content = (draft?.content ?? EMPTY) as { annotations: unknown[]; comment: string };
  return { copyId, version: draft?.version ?? 0, annotations: content.annotations, comment: content.comment, scores: (draft?.scores ?? {}) as Record<string, number | null>, savedAt: draft?.createdAt.toISOString() ?? null };
}

const latest = (db: Tx | AppContext["db"], copyId: string) => db.draft.findFirst({ where: { copyId }, orderBy: { version: "desc" } });

/** A copy's draft is for the exam's graders (to work) and the school's admins (to follow). */
export async function getDraft(ctx: AppContext, actor: StaffPrincipal, copyId: string): Promise<DraftDto> {
  const copy = await ctx.db.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, select: { examId: true } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  await gradableExam(ctx, actor, copy.examId);
  return toDto(copyId, await latest(ctx.db, copyId));
}

/** Each score must be a question of the exam, within its points and on its step. */
async function checkScores(tx: Tx, examId: string, scores: Record<string, number | null>): Promise<void> {
  const questions = new Map((await tx.question.findMany({ where: { examId } })).map((q) => [q.id, q]));
  for (const [questionId, points] of Object.entries(scores)) {
    const question = questions.get(questionId);
    if (!question) throw new InvalidError("Une note porte sur une question qui n'est pas dans le barème de cet examen.");
    if (points === null) continue;
    const max = question.maxPoints.toNumber();
    const step = question.allowHalf ? 0.5 : 1;
    if (points > max) throw new InvalidError(`${question.label} : au plus ${max} point(s).`);
    if (Math.abs(points / step - Math.round(points / step)) > 1e-9) throw new InvalidError(`${question.label} : la note se donne par pas de ${step}.`);
  }
}

export async function saveDraft(ctx: AppContext, actor: StaffPrincipal, copyId: string, baseVersion: number, input: DraftInput): Promise<DraftDto> {
  return ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Copy" WHERE "id" = ${copyId}::uuid FOR UPDATE`;
    const copy = await tx.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, include: { lock: true } });
    if (!copy) throw new NotFoundError("Copie introuvable.");
    const lock = copy.lock;
    if (copy.status !== "LOCKED" || !lock || lock.userId !== actor.id || lock.token !== input.lockToken) {
      throw new ConflictError("Vous ne tenez plus le verrou de cette copie : vos modifications sont gardées dans le navigateur ; rouvrez la copie pour les enregistrer.", "LOCK_REQUIRED");
    }
    const current = await latest(tx, copyId);
    if ((current?.version ?? 0) !== baseVersion) {
      throw new PreconditionFailedError("La copie a été modifiée ailleurs depuis votre dernière sauvegarde.", "STALE_VERSION", toDto(copyId, current));
    }
    await checkScores(tx, copy.examId, input.scores);
    const version = baseVersion + 1;
    const saved = await tx.draft.create({
      data: { copyId, version, authorId: actor.id, content: { annotations: input.annotations, comment: input.comment } as Prisma.InputJsonObject, scores: input.scores as Prisma.InputJsonObject },
    });
    await tx.draft.deleteMany({ where: { copyId, version: { lte: version - KEPT_VERSIONS } } });
    await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId, actorId: actor.id, type: "draft_saved", fromStatus: "LOCKED", toStatus: "LOCKED", data: { version } } });
    // Saving is activity: the lock lives on without waiting for the next heartbeat.
    await tx.copyLock.update({ where: { copyId }, data: { expiresAt: new Date(Date.now() + ctx.config.LOCK_TTL_MINUTES * 60_000) } });
    return toDto(copyId, saved);
  });
}
