// Review requests (réclamations): a student asks, once per question of a copy they can see and
// before the exam's deadline, for a question to be looked at again; an admin or one of the
// exam's graders answers, and may reopen the copy to grade it again (with the one reopening
// rule of grading/finalize.ts: the earlier graded PDFs are kept). Every step is audited.
import type { AppContext } from "../../lib/context.js";
import type { Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal, StudentPrincipal } from "../../lib/auth/principal.js";
import { visibleCopy } from "../portal/visibility.js";
import { showsNames } from "../grading/copies.js";
import { lockCopyRow } from "../grading/locks.js";
import { reopenLockedCopy } from "../grading/finalize.js";
import { formatDateTime } from "../grading/flatten/text.js";
import type { AnswerInput, ReviewInput, ReviewListQuery } from "./schemas.js";

type ReviewRow = Prisma.ReviewRequestGetPayload<object>;

/** A review request as its student sees it (also what the portal lists under each copy). */
export function studentReviewDto(r: ReviewRow) {
  return {
    id: r.id,
    questionId: r.questionId,
    message: r.message,
    status: r.status,
    answer: r.answer,
    answeredAt: r.answeredAt?.toISOString() ?? null,
    reopened: r.reopened,
    createdAt: r.createdAt.toISOString(),
  };
}

const closed = (deadline: Date | null) =>
  new ForbiddenError(deadline ? `Les demandes de révision étaient possibles jusqu'au ${formatDateTime(deadline)}.` : "Les demandes de révision ne sont pas ouvertes pour cet examen.", "REVIEW_CLOSED");

export async function requestReview(ctx: AppContext, student: StudentPrincipal, copyId: string, input: ReviewInput, meta: RequestMeta) {
  // Read outside the transaction: Prisma loads the relations of one query in parallel, which a
  // transaction's single connection would have to queue (pg warns that it will refuse it).
  const copy = await visibleCopy(ctx.db, student, copyId);
  if (!copy.exam.questions.some((q) => q.id === input.questionId)) throw new NotFoundError("Question introuvable.");
  const deadline = copy.exam.reviewDeadline;
  if (!deadline || deadline <= new Date()) throw closed(deadline);
  return ctx.db.$transaction(async (tx) => {
    // ON CONFLICT DO NOTHING: two requests racing for the same question give one row and a 409.
    const [review] = await tx.reviewRequest.createManyAndReturn({
      data: [{ schoolId: copy.schoolId, copyId, questionId: input.questionId, studentId: student.id, message: input.message }],
      skipDuplicates: true,
    });
    if (!review) throw new ConflictError("Vous avez déjà demandé une révision de cette question.", "REVIEW_EXISTS");
    await audit(tx, { schoolId: copy.schoolId, actorType: "student", actorId: student.id, action: "review.requested", targetType: "review", targetId: review.id, data: { copyId, questionId: input.questionId } }, meta);
    return studentReviewDto(review);
  });
}

/** The exams whose requests `actor` handles: the whole school for an admin, the exams they grade for a teacher. */
function handledExams(actor: StaffPrincipal): Prisma.ExamWhereInput {
  return { schoolId: actor.schoolId, ...(actor.role === "ADMIN" ? {} : { graders: { some: { userId: actor.id } } }) };
}

const staffInclude = {
  copy: { select: { examId: true, anonymousCode: true, status: true, exam: { select: { title: true, anonymousGrading: true } } } },
  question: { select: { label: true } },
  student: { select: { firstName: true, lastName: true, className: true } },
  answeredBy: { select: { displayName: true } },
} satisfies Prisma.ReviewRequestInclude;

type StaffReviewRow = Prisma.ReviewRequestGetPayload<{ include: typeof staffInclude }>;

function staffReviewDto(actor: StaffPrincipal, r: StaffReviewRow) {
  const showName = showsNames(actor, r.copy.exam);
  return {
    ...studentReviewDto(r),
    copyId: r.copyId,
    examId: r.copy.examId,
    examTitle: r.copy.exam.title,
    questionLabel: r.question.label,
    student: showName ? { name: `${r.student.firstName} ${r.student.lastName}`, className: r.student.className } : null,
    anonymousCode: r.copy.anonymousCode,
    answeredBy: r.answeredBy?.displayName ?? null,
    copyStatus: r.copy.status,
  };
}

export async function listReviews(ctx: AppContext, actor: StaffPrincipal, query: ReviewListQuery) {
  // An exam the caller does not handle is "not found", like any object outside their reach.
  if (query.examId && !(await ctx.db.exam.findFirst({ where: { id: query.examId, ...handledExams(actor) }, select: { id: true } }))) {
    throw new NotFoundError("Examen introuvable.");
  }
  const rows = await ctx.db.reviewRequest.findMany({
    where: {
      schoolId: actor.schoolId,
      copy: { exam: handledExams(actor), ...(query.examId ? { examId: query.examId } : {}) },
      ...(query.status === "ALL" ? {} : { status: query.status }),
    },
    include: staffInclude,
    orderBy: [{ createdAt: "asc" }, { id: "asc" }],
  });
  return rows.map((r) => staffReviewDto(actor, r));
}

/** OPEN → ANSWERED; with `reopen`, the copy goes back to grading in the same transaction. */
export async function answerReview(ctx: AppContext, actor: StaffPrincipal, reviewId: string, input: AnswerInput, meta: RequestMeta) {
  await ctx.db.$transaction(async (tx) => {
    const review = await tx.reviewRequest.findFirst({ where: { id: reviewId, schoolId: actor.schoolId, copy: { exam: handledExams(actor) } }, select: { copyId: true } });
    if (!review) throw new NotFoundError("Demande de révision introuvable.");
    // Conditional update: of two answers racing, the second finds the request answered.
    const answered = await tx.reviewRequest.updateMany({
      where: { id: reviewId, status: "OPEN" },
      data: { status: "ANSWERED", answer: input.answer, answeredById: actor.id, answeredAt: new Date(), reopened: input.reopen },
    });
    if (answered.count === 0) throw new ConflictError("Cette demande de révision a déjà reçu une réponse.", "REVIEW_ANSWERED");
    if (input.reopen) {
      await lockCopyRow(tx, review.copyId);
      await reopenLockedCopy(tx, actor, await tx.copy.findUniqueOrThrow({ where: { id: review.copyId } }), meta, { reviewId });
    }
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "review.answered", targetType: "review", targetId: reviewId, data: { copyId: review.copyId, reopened: input.reopen } }, meta);
  });
  // Read after the commit, for the reason given in requestReview.
  return staffReviewDto(actor, await ctx.db.reviewRequest.findUniqueOrThrow({ where: { id: reviewId }, include: staffInclude }));
}
