// Review requests: how staff see whose copy one is (only its anonymous code when the exam is
// anonymous for them), and the length rules of messages and answers.
import type { StaffReviewDto } from "../../api/types";
import { i18n } from "../../i18n";

const { t } = i18n.global;

export function reviewAuthor(review: Pick<StaffReviewDto, "student" | "anonymousCode">): string {
  return review.student ? t("reviews.staff.student", { ...review.student }) : t("reviews.staff.anonymous", { code: review.anonymousCode });
}

/** Longest answer the server accepts. */
export const ANSWER_MAX = 2000;

/** Review messages and answers as the server accepts them: trimmed, 1 to max characters. */
export function reviewTextError(text: string, max: number): string | null {
  const trimmed = text.trim();
  if (trimmed === "") return t("reviews.textEmpty");
  if (trimmed.length > max) return t("reviews.textTooLong", { max });
  return null;
}
