// The one job registry: every job's name, queue, payload and result, shared by the API
// (which enqueues) and the worker (which must provide a handler for each name).

export interface JobTypes {
  "system.ping": { payload: { sentAt: number }; result: { workerId: string; receivedAt: number } };
  /** Split an uploaded batch into single pages, plan its booklets, enqueue one render per page. */
  "scan.split": { payload: { batchId: string }; result: { scanPages: number } };
  /** Turn one scanned page into the web image(s) and thumbnail(s) teachers see. */
  "page.render": { payload: { batchId: string; scanPageIndex: number }; result: { source: string } };
  /** A converted batch: find cover sheets (and split at them), attach a late sheet, or enqueue each booklet's reading. */
  "batch.identify": { payload: { batchId: string }; result: { booklets: number } };
  /** Read one booklet's header (QR, then OCR), store the reading; the last one matches the batch against the roster. */
  "booklet.identify": { payload: { bookletId: string }; result: { method: "QR" | "OCR" | "NONE" } };
  /** Draw draft `version` of a FINALIZING copy onto its scanned pages: the graded PDF. */
  "copy.flatten": { payload: { copyId: string; version: number }; result: { outcome: "graded" | "skipped" } };
}

export type JobName = keyof JobTypes;
export type JobPayload<N extends JobName> = JobTypes[N]["payload"];
export type JobResult<N extends JobName> = JobTypes[N]["result"];

// Identification has its own queue so that a big batch's page renders never hold up the
// reading of another batch's headers.
// Graded PDFs have theirs too: a teacher waiting on "Finaliser" never waits behind a scan.
export const QUEUES = ["system", "scans", "identify", "grading"] as const;
export type QueueName = (typeof QUEUES)[number];

export const JOB_QUEUE: { [N in JobName]: QueueName } = {
  "system.ping": "system",
  "scan.split": "scans",
  "page.render": "scans",
  "batch.identify": "identify",
  "booklet.identify": "identify",
  "copy.flatten": "grading",
};

/** Deterministic job ids: enqueueing the same work twice is a no-op while the first is kept. */
export const jobId = {
  split: (batchId: string) => `split-${batchId}`,
  render: (batchId: string, scanPageIndex: number) => `render-${batchId}-${scanPageIndex}`,
  identifyBatch: (batchId: string) => `identify-${batchId}`,
  identifyBooklet: (bookletId: string) => `read-${bookletId}`,
  flatten: (copyId: string, version: number) => `flatten-${copyId}-${version}`,
};
