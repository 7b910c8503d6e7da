// Exams and their marking schemes. Every query is scoped to the caller's school; changes
// that would pull the rug from under scans or grades are refused with 409.
import type { Db, Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, InvalidError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import type { CopyStatus } from "../../generated/prisma/enums.js";
import type { ExamInput, MarkingSchemeInput, NameBox } from "./schemas.js";
import { DEFAULT_NAME_BOX } from "./schemas.js";

const COPY_STATUSES: CopyStatus[] = ["STAGING", "READY", "LOCKED", "FINALIZING", "GRADED", "FAILED"];
const GRADING_STARTED: CopyStatus[] = ["LOCKED", "FINALIZING", "GRADED", "FAILED"];

const examInclude = { questions: { orderBy: { position: "asc" } } } satisfies Prisma.ExamInclude;
type ExamRow = Prisma.ExamGetPayload<{ include: typeof examInclude }>;

export const questionDto = (q: ExamRow["questions"][number]) => ({ id: q.id, position: q.position, label: q.label, maxPoints: q.maxPoints.toNumber(), step: q.step.toNumber(), rubricMode: q.rubricMode });

function toDto(exam: ExamRow, copyCounts: Record<CopyStatus, number>) {
  const questions = exam.questions.map(questionDto);
  return {
    id: exam.id,
    title: exam.title,
    subject: exam.subject,
    date: exam.date.toISOString().slice(0, 10),
    classNames: exam.classNames,
    pagesPerCopy: exam.pagesPerCopy,
    layout: exam.layout,
    nameBox: (exam.nameBox as NameBox | null) ?? DEFAULT_NAME_BOX,
    headerKind: exam.headerKind,
    anonymousGrading: exam.anonymousGrading,
    status: exam.status,
    reportScale: exam.reportScale.toNumber(),
    questions,
    questionCount: questions.length,
    totalPoints: questions.reduce((sum, q) => sum + q.maxPoints, 0),
    copyCounts,
  };
}
export type ExamDto = ReturnType<typeof toDto>;

async function copyCounts(db: Db | Prisma.TransactionClient, schoolId: string, examIds: string[]) {
  const rows = await db.copy.groupBy({ by: ["examId", "status"], where: { schoolId, examId: { in: examIds } }, _count: { _all: true } });
  const counts = new Map(examIds.map((id) => [id, Object.fromEntries(COPY_STATUSES.map((s) => [s, 0])) as Record<CopyStatus, number>]));
  for (const row of rows) counts.get(row.examId)![row.status] = row._count._all;
  return (examId: string) => counts.get(examId)!;
}

function checkLayout(layout: ExamInput["layout"], pagesPerCopy: number): void {
  if (layout === "A3_DOUBLE" && pagesPerCopy % 4 !== 0) {
    throw new InvalidError("Une copie double compte 4 pages : le nombre de pages par copie doit être un multiple de 4.");
  }
}

/** The exam if it belongs to the school, else 404 (never 403: existence is not revealed). */
export async function findExam(db: Db | Prisma.TransactionClient, schoolId: string, examId: string): Promise<ExamRow> {
  const exam = await db.exam.findFirst({ where: { id: examId, schoolId }, include: examInclude });
  if (!exam) throw new NotFoundError("Examen introuvable.");
  return exam;
}

export async function listExams(db: Db, schoolId: string) {
  const exams = await db.exam.findMany({ where: { schoolId }, orderBy: [{ date: "desc" }, { title: "asc" }], include: examInclude });
  const counts = await copyCounts(db, schoolId, exams.map((e) => e.id));
  return exams.map((exam) => toDto(exam, counts(exam.id)));
}

export async function getExam(db: Db, schoolId: string, examId: string): Promise<ExamDto> {
  const exam = await findExam(db, schoolId, examId);
  return toDto(exam, (await copyCounts(db, schoolId, [exam.id]))(exam.id));
}

export async function createExam(db: Db, actor: StaffPrincipal, input: ExamInput, meta: RequestMeta): Promise<ExamDto> {
  checkLayout(input.layout, input.pagesPerCopy);
  const exam = await db.$transaction(async (tx) => {
    const created = await tx.exam.create({
      data: { ...input, date: new Date(input.date), schoolId: actor.schoolId, createdById: actor.id },
      include: examInclude,
    });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.created", targetType: "exam", targetId: created.id }, meta);
    return created;
  });
  return toDto(exam, (await copyCounts(db, actor.schoolId, [exam.id]))(exam.id));
}

export async function updateExam(db: Db, actor: StaffPrincipal, examId: string, patch: Partial<ExamInput>, meta: RequestMeta): Promise<ExamDto> {
  await db.$transaction(async (tx) => {
    const exam = await findExam(tx, actor.schoolId, examId);
    if (exam.status === "ARCHIVED") throw new ConflictError("Cet examen est archivé : il ne peut plus être modifié.", "EXAM_ARCHIVED");
    const layout = patch.layout ?? exam.layout;
    const pagesPerCopy = patch.pagesPerCopy ?? exam.pagesPerCopy;
    checkLayout(layout, pagesPerCopy);
    if ((layout !== exam.layout || pagesPerCopy !== exam.pagesPerCopy) && (await tx.page.count({ where: { batch: { examId } } })) > 0) {
      throw new ConflictError("Des copies ont déjà été numérisées avec cette mise en page : elle ne peut plus changer.", "EXAM_HAS_SCANS");
    }
    await tx.exam.update({ where: { id: examId }, data: { ...patch, ...(patch.date ? { date: new Date(patch.date) } : {}) } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.updated", targetType: "exam", targetId: examId, data: { fields: Object.keys(patch) } }, meta);
  });
  return getExam(db, actor.schoolId, examId);
}

/**
 * Questions are updated in place by position, so the rubric items graders prepared for a
 * question stay with it; questions past the new end go, with their rubric items (grading has
 * not started, so no copy uses them).
 */
async function replaceQuestions(tx: Prisma.TransactionClient, examId: string, questions: MarkingSchemeInput["questions"]): Promise<void> {
  const dropped = { examId, position: { gt: questions.length } };
  await tx.rubricItem.deleteMany({ where: { question: dropped } });
  await tx.question.deleteMany({ where: dropped });
  for (const [i, q] of questions.entries()) {
    await tx.question.upsert({ where: { examId_position: { examId, position: i + 1 } }, create: { examId, position: i + 1, ...q }, update: q });
  }
}

export async function setMarkingScheme(db: Db, actor: StaffPrincipal, examId: string, input: MarkingSchemeInput, meta: RequestMeta): Promise<ExamDto> {
  await db.$transaction(async (tx) => {
    const exam = await findExam(tx, actor.schoolId, examId);
    if (exam.status === "ARCHIVED") throw new ConflictError("Cet examen est archivé : il ne peut plus être modifié.", "EXAM_ARCHIVED");
    // A copy given back (READY) may already carry scores in its drafts: that is grading too.
    if ((await tx.copy.count({ where: { examId, OR: [{ status: { in: GRADING_STARTED } }, { drafts: { some: {} } }] } })) > 0) {
      throw new ConflictError("La correction a commencé : le barème ne peut plus être modifié.", "GRADING_STARTED");
    }
    await replaceQuestions(tx, examId, input.questions);
    await tx.exam.update({ where: { id: examId }, data: { reportScale: input.reportScale } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.marking_scheme.set", targetType: "exam", targetId: examId, data: { questions: input.questions.length } }, meta);
  });
  return getExam(db, actor.schoolId, examId);
}

export async function archiveExam(db: Db, actor: StaffPrincipal, examId: string, meta: RequestMeta): Promise<ExamDto> {
  await db.$transaction(async (tx) => {
    const exam = await findExam(tx, actor.schoolId, examId);
    if (exam.status === "ARCHIVED") return;
    await tx.exam.update({ where: { id: examId }, data: { status: "ARCHIVED" } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.archived", targetType: "exam", targetId: examId, data: { from: exam.status } }, meta);
  });
  return getExam(db, actor.schoolId, examId);
}

/** Only an exam with nothing scanned can be deleted; one with graded copies never. */
export async function deleteExam(db: Db, actor: StaffPrincipal, examId: string, meta: RequestMeta): Promise<void> {
  await db.$transaction(async (tx) => {
    await findExam(tx, actor.schoolId, examId);
    if ((await tx.copy.count({ where: { examId, status: { in: ["GRADED", "FINALIZING"] } } })) > 0) {
      throw new ConflictError("Cet examen a des copies corrigées : il ne peut pas être supprimé, seulement archivé.", "EXAM_HAS_GRADES");
    }
    if ((await tx.scanBatch.count({ where: { examId } })) + (await tx.copy.count({ where: { examId } })) > 0) {
      throw new ConflictError("Des copies de cet examen ont déjà été numérisées : archivez-le plutôt que de le supprimer.", "EXAM_HAS_SCANS");
    }
    await tx.question.deleteMany({ where: { examId } });
    await tx.exam.delete({ where: { id: examId } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.deleted", targetType: "exam", targetId: examId }, meta);
  });
}
