// One grader at a time on a copy. A lock is a row keyed by the copy (so two can never exist),
// taken under the copy's row lock (so twenty simultaneous requests give one winner), with a
// token the editor sends back on every heartbeat and write, and an expiry the heartbeat pushes.
import { randomBytes } from "node:crypto";
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";

type Tx = Prisma.TransactionClient;

export interface LockDto {
  copyId: string;
  token: string;
  expiresAt: string;
}

const hour = (date: Date) => date.toLocaleTimeString("fr-FR", { timeZone: "Europe/Paris", hour: "2-digit", minute: "2-digit" });

/** Takes the copy's row lock for the transaction: every change of a copy's state goes through it. */
export async function lockCopyRow(tx: Tx, copyId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 FROM "Copy" WHERE "id" = ${copyId}::uuid FOR UPDATE`;
}

/** The copy, locked for this transaction, with its current lock; 404 outside the school. */
async function lockedCopy(tx: Tx, schoolId: string, copyId: string) {
  await lockCopyRow(tx, copyId);
  const copy = await tx.copy.findFirst({ where: { id: copyId, schoolId }, include: { lock: { include: { user: { select: { displayName: true } } } } } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  return copy;
}

const NOT_LOCKABLE: Record<string, string> = {
  STAGING: "Cette copie n'est pas encore identifiée : elle ne peut pas être corrigée.",
  FINALIZING: "Cette copie est en cours de finalisation.",
  GRADED: "Cette copie est déjà corrigée : un administrateur peut la rouvrir.",
  FAILED: "La finalisation de cette copie a échoué : relancez-la avant de la modifier.",
};

export async function acquireLock(ctx: AppContext, actor: StaffPrincipal, copyId: string, takeOver: boolean, meta: RequestMeta): Promise<LockDto> {
  return ctx.db.$transaction(async (tx) => {
    const copy = await lockedCopy(tx, actor.schoolId, copyId);
    if (!(await tx.examGrader.findUnique({ where: { examId_userId: { examId: copy.examId, userId: actor.id } } }))) {
      throw new ForbiddenError("Vous n'êtes pas correcteur de cet examen : demandez à un administrateur de vous l'attribuer.", "NOT_A_GRADER");
    }
    const refusal = NOT_LOCKABLE[copy.status];
    if (refusal) throw new ConflictError(refusal, "COPY_NOT_LOCKABLE");
    const now = new Date();
    const held = copy.lock && copy.lock.expiresAt > now ? copy.lock : null;
    if (held && held.userId !== actor.id) {
      throw new ConflictError(`Cette copie est en cours de correction par ${held.user.displayName} jusqu'à ${hour(held.expiresAt)}.`, "LOCKED_BY_OTHER", { holder: held.user.displayName, expiresAt: held.expiresAt.toISOString() });
    }
    if (held && !takeOver) {
      throw new ConflictError("Vous corrigez déjà cette copie dans un autre onglet ou sur un autre appareil : reprenez-la ici pour continuer.", "LOCK_HELD_BY_YOU", { expiresAt: held.expiresAt.toISOString() });
    }
    const lock = { userId: actor.id, token: randomBytes(24).toString("base64url"), acquiredAt: now, expiresAt: new Date(now.getTime() + ctx.config.LOCK_TTL_MINUTES * 60_000) };
    await tx.copyLock.upsert({ where: { copyId }, create: { copyId, ...lock }, update: lock });
    await tx.copy.update({ where: { id: copyId }, data: { status: "LOCKED" } });
    const reclaimed = copy.lock && !held ? { reclaimedFrom: copy.lock.userId } : {};
    await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId, actorId: actor.id, type: "locked", fromStatus: copy.status, toStatus: "LOCKED", data: { takeOver: Boolean(held), ...reclaimed } } });
    await audit(tx, { schoolId: copy.schoolId, actorType: "staff", actorId: actor.id, action: "copy.locked", targetType: "copy", targetId: copyId }, meta);
    return { copyId, token: lock.token, expiresAt: lock.expiresAt.toISOString() };
  });
}

/**
 * The editor's heartbeat: pushes the expiry of the caller's lock. A lock that expired but that
 * nobody took since is still the caller's; one taken over (new token) is lost: 409.
 */
export async function renewLock(ctx: AppContext, actor: StaffPrincipal, copyId: string, token: string): Promise<LockDto> {
  const expiresAt = new Date(Date.now() + ctx.config.LOCK_TTL_MINUTES * 60_000);
  const renewed = await ctx.db.copyLock.updateMany({ where: { copyId, token, userId: actor.id, copy: { schoolId: actor.schoolId, status: "LOCKED" } }, data: { expiresAt } });
  if (renewed.count === 0) {
    // Another school's copy (or none) is "not found", as on every other route: only then is it looked up.
    if (!(await ctx.db.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, select: { id: true } }))) throw new NotFoundError("Copie introuvable.");
    throw lockLost();
  }
  return { copyId, token, expiresAt: expiresAt.toISOString() };
}

function lockLost(): ConflictError {
  return new ConflictError("Vous ne tenez plus le verrou de cette copie (repris dans un autre onglet, ou cassé par un administrateur) : rouvrez-la.", "LOCK_LOST");
}

/** Releases the caller's lock; releasing a lock one no longer holds changes nothing. */
export async function releaseLock(ctx: AppContext, actor: StaffPrincipal, copyId: string, token: string, meta: RequestMeta): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const copy = await lockedCopy(tx, actor.schoolId, copyId);
    if (copy.lock?.token !== token || copy.lock.userId !== actor.id) return;
    await endLock(tx, copy, actor.id, "unlocked");
    await audit(tx, { schoolId: copy.schoolId, actorType: "staff", actorId: actor.id, action: "copy.unlocked", targetType: "copy", targetId: copyId }, meta);
  });
}

/** An admin frees a copy a teacher left locked (audited, and the teacher's editor loses its lock). */
export async function breakLock(ctx: AppContext, actor: StaffPrincipal, copyId: string, meta: RequestMeta): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const copy = await lockedCopy(tx, actor.schoolId, copyId);
    if (!copy.lock) throw new ConflictError("Cette copie n'est pas verrouillée.", "NOT_LOCKED");
    await endLock(tx, copy, actor.id, "lock_broken", { holder: copy.lock.userId });
    await audit(tx, { schoolId: copy.schoolId, actorType: "staff", actorId: actor.id, action: "copy.lock_broken", targetType: "copy", targetId: copyId, data: { holder: copy.lock.userId } }, meta);
  });
}

/**
 * A lock expired for a whole TTL: its teacher left without releasing it. Until then the editor's
 * heartbeat may still renew it (renewLock keeps an expired lock nobody took).
 */
const staleBefore = (ctx: AppContext) => new Date(Date.now() - ctx.config.LOCK_TTL_MINUTES * 60_000);

/** The copies whose lock is stale (`korrigo cleanup` ends them). */
export async function findStaleLocks(ctx: AppContext): Promise<string[]> {
  const locks = await ctx.db.copyLock.findMany({ where: { expiresAt: { lt: staleBefore(ctx) } }, select: { copyId: true }, orderBy: { expiresAt: "asc" } });
  return locks.map((l) => l.copyId);
}

/** Ends a stale lock (the copy goes back to READY), audited; false when it was renewed or ended meanwhile. */
export async function endStaleLock(ctx: AppContext, copyId: string): Promise<boolean> {
  return ctx.db.$transaction(async (tx) => {
    await lockCopyRow(tx, copyId);
    const copy = await tx.copy.findUnique({ where: { id: copyId }, include: { lock: true } });
    if (!copy?.lock || copy.lock.expiresAt >= staleBefore(ctx)) return false;
    await endLock(tx, copy, null, "lock_expired", { holder: copy.lock.userId });
    await audit(tx, { schoolId: copy.schoolId, actorType: "system", action: "copy.lock_expired", targetType: "copy", targetId: copyId, data: { holder: copy.lock.userId } });
    return true;
  });
}

async function endLock(tx: Tx, copy: { id: string; schoolId: string; status: "STAGING" | "READY" | "LOCKED" | "FINALIZING" | "GRADED" | "FAILED" }, actorId: string | null, type: string, data?: Prisma.InputJsonObject) {
  await tx.copyLock.delete({ where: { copyId: copy.id } });
  // Only a copy still being edited goes back to READY; one finalizing keeps its state.
  const toStatus = copy.status === "LOCKED" ? "READY" : copy.status;
  if (toStatus !== copy.status) await tx.copy.update({ where: { id: copy.id }, data: { status: toStatus } });
  await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId: copy.id, actorId, type, fromStatus: copy.status, toStatus, ...(data ? { data } : {}) } });
}
