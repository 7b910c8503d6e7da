// How an answered review request reads in the staff's list of an exam.
import type { StaffReviewDto } from "../../api/types";
import { formatDateTime } from "../../format";
import { i18n } from "../../i18n";

const { t } = i18n.global;

/** "Répondue le 3 déc. 2026, 14:05 par M. Curie", and whether the copy was reopened. */
export function answerLine(review: Pick<StaffReviewDto, "answeredAt" | "answeredBy" | "reopened">): string {
  const at = review.answeredAt ? formatDateTime(review.answeredAt) : "—";
  const line = review.answeredBy ? t("reviewsAdmin.answeredBy", { at, by: review.answeredBy }) : t("reviewsAdmin.answeredAt", { at });
  return review.reopened ? `${line} · ${t("reviewsAdmin.reopened")}` : line;
}
