// Publishing an exam to its classes: from then on the GRADED copies of those classes' students
// are visible to them (the rule itself lives in portal/visibility.ts). Publishing warns first
// when copies are not graded or booklets not identified; the admin may confirm and go on.
// The exam is PUBLISHED while at least one class is, OPEN again when none is. Audited.
import type { Db, Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, InvalidError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";

type Reader = Db | Prisma.TransactionClient;
type Tx = Prisma.TransactionClient;

export interface PublicationWarnings {
  ungradedCopies: { copyId: string; anonymousCode: string; studentName: string | null; className: string | null; status: string }[];
  unidentifiedBooklets: number;
}

const examSelect = { id: true, schoolId: true, classNames: true, status: true, reviewDeadline: true } satisfies Prisma.ExamSelect;
type ExamRow = Prisma.ExamGetPayload<{ select: typeof examSelect }>;

/** The exam of the admin's school, row-locked so that concurrent (un)publishing settle one after the other. */
async function lockedExam(tx: Tx, schoolId: string, examId: string): Promise<ExamRow> {
  await tx.$queryRaw`SELECT "id" FROM "Exam" WHERE "id" = ${examId}::uuid AND "schoolId" = ${schoolId}::uuid FOR UPDATE`;
  return examOf(tx, schoolId, examId);
}

async function examOf(db: Reader, schoolId: string, examId: string): Promise<ExamRow> {
  const exam = await db.exam.findFirst({ where: { id: examId, schoolId }, select: examSelect });
  if (!exam) throw new NotFoundError("Examen introuvable.");
  return exam;
}

/**
 * Copies not GRADED yet (of these classes' students, and those without a student, whose class
 * nobody knows), and booklets still waiting to be identified.
 */
async function warningsFor(db: Reader, examId: string, classNames?: string[]): Promise<PublicationWarnings> {
  const ofClasses: Prisma.CopyWhereInput = classNames ? { OR: [{ studentId: null }, { student: { className: { in: classNames } } }] } : {};
  const copies = await db.copy.findMany({
    where: { examId, status: { not: "GRADED" }, ...ofClasses },
    select: { id: true, anonymousCode: true, status: true, student: { select: { firstName: true, lastName: true, className: true } } },
    orderBy: { anonymousCode: "asc" },
  });
  const unidentifiedBooklets = await db.booklet.count({ where: { examId, status: { in: ["READING", "PENDING"] } } });
  return {
    ungradedCopies: copies.map((c) => ({
      copyId: c.id,
      anonymousCode: c.anonymousCode,
      studentName: c.student ? `${c.student.firstName} ${c.student.lastName}` : null,
      className: c.student?.className ?? null,
      status: c.status,
    })),
    unidentifiedBooklets,
  };
}

const plural = (n: number, one: string, many: string) => `${n} ${n > 1 ? many : one}`;

function warningMessage(w: PublicationWarnings): string {
  const parts = [
    w.ungradedCopies.length > 0 ? plural(w.ungradedCopies.length, "copie n'est pas encore corrigée", "copies ne sont pas encore corrigées") : null,
    w.unidentifiedBooklets > 0 ? plural(w.unidentifiedBooklets, "livret n'est pas identifié", "livrets ne sont pas identifiés") : null,
  ].filter((p) => p !== null);
  return `${parts.join(" et ")} : confirmez pour publier quand même.`;
}

/** The exam's classes, and any class published before it left the exam's list (so it can be unpublished). */
async function examClasses(db: Reader, exam: ExamRow) {
  const publications = await db.publication.findMany({ where: { examId: exam.id }, select: { className: true, publishedAt: true } });
  const names = [...new Set([...exam.classNames, ...publications.map((p) => p.className)])];
  return { names, publishedAt: new Map(publications.map((p) => [p.className, p.publishedAt])) };
}

function checkClasses(requested: string[] | undefined, known: string[]): string[] {
  if (!requested) return known;
  const unknown = requested.filter((name) => !known.includes(name));
  if (unknown.length > 0) throw new InvalidError(`${unknown.length > 1 ? "Ces classes ne passent" : "Cette classe ne passe"} pas cet examen : ${unknown.join(", ")}.`);
  return [...new Set(requested)];
}

export async function getPublication(db: Reader, schoolId: string, examId: string) {
  const exam = await examOf(db, schoolId, examId);
  const { names, publishedAt } = await examClasses(db, exam);
  const students = await db.student.groupBy({ by: ["className"], where: { schoolId, disabled: false, className: { in: names } }, _count: { _all: true } });
  const graded = await db.copy.findMany({ where: { examId, status: "GRADED", student: { className: { in: names } } }, select: { student: { select: { className: true } } } });
  const count = (className: string) => students.find((s) => s.className === className)?._count._all ?? 0;
  return {
    examId,
    reviewDeadline: exam.reviewDeadline?.toISOString() ?? null,
    classes: names.map((className) => ({
      className,
      published: publishedAt.has(className),
      publishedAt: publishedAt.get(className)?.toISOString() ?? null,
      students: count(className),
      gradedCopies: graded.filter((c) => c.student?.className === className).length,
    })),
    warnings: await warningsFor(db, examId),
  };
}
export type PublicationDto = Awaited<ReturnType<typeof getPublication>>;

/** PUBLISHED while a class is published, OPEN when none is; an archived exam stays archived. */
async function settleStatus(tx: Tx, exam: ExamRow): Promise<void> {
  if (exam.status === "ARCHIVED") return;
  const published = (await tx.publication.count({ where: { examId: exam.id } })) > 0;
  const status = published ? "PUBLISHED" : exam.status === "PUBLISHED" ? "OPEN" : exam.status;
  if (status !== exam.status) await tx.exam.update({ where: { id: exam.id }, data: { status } });
}

export async function publishExam(db: Db, actor: StaffPrincipal, examId: string, input: { classNames?: string[]; confirm: boolean }, meta: RequestMeta): Promise<PublicationDto> {
  await db.$transaction(async (tx) => {
    const exam = await lockedExam(tx, actor.schoolId, examId);
    if (exam.status === "ARCHIVED") throw new ConflictError("Cet examen est archivé : il ne peut plus être publié.", "EXAM_ARCHIVED");
    const classNames = checkClasses(input.classNames, exam.classNames);
    const warnings = await warningsFor(tx, examId, classNames);
    const warned = warnings.ungradedCopies.length > 0 || warnings.unidentifiedBooklets > 0;
    if (warned && !input.confirm) throw new ConflictError(warningMessage(warnings), "PUBLISH_WARNINGS", warnings);
    // Publishing a class again keeps its first publication date.
    const added = await tx.publication.createManyAndReturn({
      data: classNames.map((className) => ({ schoolId: actor.schoolId, examId, className, publishedById: actor.id })),
      skipDuplicates: true,
    });
    if (added.length === 0) return;
    await settleStatus(tx, exam);
    const data = { classNames: added.map((p) => p.className), ungradedCopies: warnings.ungradedCopies.length, unidentifiedBooklets: warnings.unidentifiedBooklets };
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.published", targetType: "exam", targetId: examId, data }, meta);
  });
  return getPublication(db, actor.schoolId, examId);
}

export async function unpublishExam(db: Db, actor: StaffPrincipal, examId: string, input: { classNames?: string[] }, meta: RequestMeta): Promise<PublicationDto> {
  await db.$transaction(async (tx) => {
    const exam = await lockedExam(tx, actor.schoolId, examId);
    const { names, publishedAt } = await examClasses(tx, exam);
    const classNames = checkClasses(input.classNames, names).filter((name) => publishedAt.has(name));
    if (classNames.length === 0) return;
    await tx.publication.deleteMany({ where: { examId, className: { in: classNames } } });
    await settleStatus(tx, exam);
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.unpublished", targetType: "exam", targetId: examId, data: { classNames } }, meta);
  });
  return getPublication(db, actor.schoolId, examId);
}

export async function setReviewDeadline(db: Db, actor: StaffPrincipal, examId: string, reviewDeadline: string | null, meta: RequestMeta): Promise<PublicationDto> {
  await db.$transaction(async (tx) => {
    await lockedExam(tx, actor.schoolId, examId);
    const deadline = reviewDeadline === null ? null : new Date(reviewDeadline);
    await tx.exam.update({ where: { id: examId }, data: { reviewDeadline: deadline } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.review_deadline.set", targetType: "exam", targetId: examId, data: { reviewDeadline: deadline?.toISOString() ?? null } }, meta);
  });
  return getPublication(db, actor.schoolId, examId);
}
