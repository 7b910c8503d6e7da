// Turning booklets into copies. Every function here runs inside a transaction that holds the
// exam's identification lock (lockExam), so two admins, or an admin and the worker, never
// give the same booklet or the same student twice, and anonymous codes never collide.
import { randomInt } from "node:crypto";
import type { Prisma } from "../../lib/db.js";
import { ConflictError } from "../../lib/errors.js";

type Tx = Prisma.TransactionClient;

/** Serialises identification changes of one exam until the transaction ends. */
export async function lockExam(tx: Tx, examId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`identify:${examId}`}))`;
}

// No 0/O, 1/I/L: graders read the code aloud and type it.
const CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
const CODE_LENGTH = 6;

async function newAnonymousCode(tx: Tx, examId: string): Promise<string> {
  const taken = new Set((await tx.copy.findMany({ where: { examId }, select: { anonymousCode: true } })).map((c) => c.anonymousCode));
  for (;;) {
    const code = Array.from({ length: CODE_LENGTH }, () => CODE_ALPHABET[randomInt(CODE_ALPHABET.length)]).join("");
    if (!taken.has(code)) return code;
  }
}

/** The copy a student already has in the exam, as a sentence naming it; null when none. */
export async function existingCopyOf(tx: Tx, examId: string, studentId: string, exceptCopyId?: string | null): Promise<string | null> {
  const copy = await tx.copy.findFirst({
    where: { examId, studentId, ...(exceptCopyId ? { id: { not: exceptCopyId } } : {}) },
    select: { anonymousCode: true, student: { select: { firstName: true, lastName: true } }, booklets: { select: { index: true, batch: { select: { originalName: true } } }, take: 1 } },
  });
  if (!copy) return null;
  const booklet = copy.booklets[0];
  const where = booklet ? ` (liasse ${booklet.index} de « ${booklet.batch.originalName} »)` : "";
  return `${copy.student!.firstName} ${copy.student!.lastName} a déjà une copie dans cet examen : la copie ${copy.anonymousCode}${where}.`;
}

export type Method = "QR" | "OCR" | "MANUAL";

/**
 * Gives the booklet (and so its copy) to the student: a booklet without a copy gets a new one
 * in READY; a copy put back to STAGING by "unidentify" is reused with its anonymous code.
 */
export async function identifyBooklet(tx: Tx, booklet: { id: string; schoolId: string; examId: string; copyId: string | null }, studentId: string, method: Method, actorId: string | null): Promise<string> {
  const clash = await existingCopyOf(tx, booklet.examId, studentId, booklet.copyId);
  if (clash) throw new ConflictError(clash, "STUDENT_HAS_COPY");
  let copyId = booklet.copyId;
  if (copyId) {
    const copy = await tx.copy.findUniqueOrThrow({ where: { id: copyId }, select: { status: true, studentId: true } });
    if (copy.status !== "STAGING" && copy.status !== "READY") throw new ConflictError("La correction de cette copie a commencé : son élève ne peut plus changer.", "GRADING_STARTED");
    await tx.copy.update({ where: { id: copyId }, data: { studentId, status: "READY" } });
    await gradingEvent(tx, booklet.schoolId, copyId, actorId, copy.status, { studentId, method });
  } else {
    const copy = await tx.copy.create({ data: { schoolId: booklet.schoolId, examId: booklet.examId, studentId, status: "READY", anonymousCode: await newAnonymousCode(tx, booklet.examId) } });
    copyId = copy.id;
    await gradingEvent(tx, booklet.schoolId, copyId, actorId, null, { studentId, method });
  }
  await tx.booklet.updateMany({
    where: { copyId, status: { not: "MERGED" } },
    data: { status: "IDENTIFIED", method, setAsideReason: null, identifiedById: actorId, identifiedAt: new Date() },
  });
  await tx.booklet.update({ where: { id: booklet.id }, data: { copyId, status: "IDENTIFIED", method, setAsideReason: null, identifiedById: actorId, identifiedAt: new Date() } });
  return copyId;
}

function gradingEvent(tx: Tx, schoolId: string, copyId: string, actorId: string | null, fromStatus: "STAGING" | "READY" | null, data: Prisma.InputJsonObject) {
  return tx.gradingEvent.create({ data: { schoolId, copyId, actorId, type: "identified", fromStatus, toStatus: "READY", data } });
}
