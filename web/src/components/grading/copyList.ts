// The copies of an exam as a teacher's list shows them: filtered by state, each with who holds it.
import type { CopyLockHolder, CopyStatus, CopyStudent, CopySummary } from "../../api/types";
import { formatNumber } from "../../format";
import { i18n } from "../../i18n";
import { hourOf } from "./lock";

const { t } = i18n.global;

/** Workflow order, for the state filter (STAGING copies are not listed: they are on the desk). */
export const LISTED_STATUSES: readonly CopyStatus[] = ["READY", "LOCKED", "FINALIZING", "GRADED", "FAILED"];

/** ALL: copies in every state. */
export type StatusFilter = CopyStatus | "ALL";

export function visibleCopies(copies: readonly CopySummary[], status: StatusFilter): CopySummary[] {
  return status === "ALL" ? [...copies] : copies.filter((c) => c.status === status);
}

export function lockText(lock: CopyLockHolder | null): string {
  if (!lock) return t("grading.copies.none");
  const time = hourOf(lock.expiresAt);
  return lock.mine ? t("grading.copies.lockedByYou", { time }) : t("grading.copies.lockedBy", { holder: lock.holder, time });
}

export function studentText(student: CopyStudent): string {
  return t("grading.editor.student", { ...student });
}

export function scoreOf(copy: Pick<CopySummary, "status" | "totalScore">): string {
  return copy.status === "GRADED" && copy.totalScore !== null ? formatNumber(copy.totalScore) : t("grading.copies.none");
}

export const copyPath = (copyId: string) => `/enseignant/copies/${copyId}`;
