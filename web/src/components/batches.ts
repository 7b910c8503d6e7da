// What the exam page shows of scan batches: progress, labels, the sample page.
import type { Batch, CopyStatus, Exam, ScanPage } from "../api/types";
import { i18n } from "../i18n";

const { t } = i18n.global;

/** The worker is still on it: the page polls the batch. */
export function isActive(batch: Batch): boolean {
  return batch.status === "UPLOADED" || batch.status === "PROCESSING";
}

/** Share of the pages converted, 0–100, rounded down so that 100 means all are done. */
export function progressPercent(batch: Batch): number {
  if (batch.pagesTotal === 0) return batch.status === "DONE" ? 100 : 0;
  return Math.floor((batch.pagesDone / batch.pagesTotal) * 100);
}

export function progressText(batch: Batch): string {
  if (batch.pagesTotal === 0) return batch.status === "FAILED" ? "" : t("batches.waitingSplit");
  return t("batches.progress", { done: batch.pagesDone, total: batch.pagesTotal, percent: progressPercent(batch) });
}

/** The batch can be retried: pages failed, or the whole file was refused at the split. */
export function canRetry(batch: Batch): boolean {
  return batch.status === "FAILED" || (!isActive(batch) && batch.pagesFailed > 0);
}

/**
 * The first converted page of the first booklet of the most recent batch (batches come newest
 * first). A cover sheet is not a sample of the copy.
 */
export function samplePage(batches: readonly Batch[]): ScanPage | null {
  const booklet = batches.find((b) => b.booklets.length > 0)?.booklets[0];
  return booklet?.pages.find((p) => p.status === "DONE" && !p.cover) ?? null;
}

const COPY_STATUSES: readonly CopyStatus[] = ["STAGING", "READY", "LOCKED", "FINALIZING", "GRADED", "FAILED"];

/** "À identifier : 3"…, for the statuses that have copies, in workflow order. */
export function copyCountTags(exam: Pick<Exam, "copyCounts">): string[] {
  return COPY_STATUSES.filter((s) => (exam.copyCounts?.[s] ?? 0) > 0).map((s) =>
    t("exams.copyCount", { status: t(`exams.copyStatuses.${s}`), count: exam.copyCounts[s] }),
  );
}

/** Copies are being graded: the marking scheme can no longer change. */
export function gradingStarted(exam: Pick<Exam, "copyCounts">): boolean {
  const c = exam.copyCounts;
  return (c?.LOCKED ?? 0) + (c?.FINALIZING ?? 0) + (c?.GRADED ?? 0) + (c?.FAILED ?? 0) > 0;
}
