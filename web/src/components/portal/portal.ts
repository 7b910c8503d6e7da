// How the student portal shows a copy: its mark on the report scale, each question's score,
// and where each question stands with review requests (one per question).
import type { PortalCopyDto, PortalCopyQuestion, StudentReviewDto } from "../../api/types";
import { formatNumber } from "../../format";
import { i18n } from "../../i18n";

const { t } = i18n.global;

/** "14,5 / 20". */
export function markText(copy: Pick<PortalCopyDto, "mark" | "reportScale">): string {
  return t("portal.outOf", { value: formatNumber(copy.mark), max: formatNumber(copy.reportScale) });
}

/** "3,5 / 4"; a question left blank by the grader shows a dash. */
export function questionScoreText(question: Pick<PortalCopyQuestion, "score" | "maxPoints">): string {
  const value = question.score === null ? t("portal.noScore") : formatNumber(question.score);
  return t("portal.outOf", { value, max: formatNumber(question.maxPoints) });
}

/** The student's request on this question, if they made one (the server allows only one). */
export function reviewOf(copy: Pick<PortalCopyDto, "reviews">, questionId: string): StudentReviewDto | null {
  return copy.reviews.find((review) => review.questionId === questionId) ?? null;
}

/**
 * What a question row offers: the request already made (to read, with its answer), a form to
 * make one while the deadline has not passed, or nothing.
 */
export type ReviewSlot = { kind: "request"; review: StudentReviewDto } | { kind: "form" } | { kind: "none" };

export function reviewSlot(copy: Pick<PortalCopyDto, "reviews" | "canRequestReview">, questionId: string): ReviewSlot {
  const review = reviewOf(copy, questionId);
  if (review) return { kind: "request", review };
  return copy.canRequestReview ? { kind: "form" } : { kind: "none" };
}

/** The copy with a new request added, as the server would now list it. */
export function withReview<T extends Pick<PortalCopyDto, "copyId" | "reviews">>(copies: readonly T[], copyId: string, review: StudentReviewDto): T[] {
  return copies.map((copy) => (copy.copyId === copyId ? { ...copy, reviews: [...copy.reviews.filter((r) => r.id !== review.id), review] } : copy));
}

/** Longest review message the server accepts. */
export const REVIEW_MESSAGE_MAX = 1000;
