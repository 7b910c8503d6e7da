// The one job registry: every job's name, queue, payload and result, shared by the API
// (which enqueues) and the worker (which must provide a handler for each name).

export interface JobTypes {
  "system.ping": { payload: { sentAt: number }; result: { workerId: string; receivedAt: number } };
  /** Split an uploaded batch into single pages, plan its booklets, enqueue one render per page. */
  "scan.split": { payload: { batchId: string }; result: { scanPages: number } };
  /** Turn one scanned page into the web image(s) and thumbnail(s) teachers see. */
  "page.render": { payload: { batchId: string; scanPageIndex: number }; result: { source: string } };
}

export type JobName = keyof JobTypes;
export type JobPayload<N extends JobName> = JobTypes[N]["payload"];
export type JobResult<N extends JobName> = JobTypes[N]["result"];

export const QUEUES = ["system", "scans"] as const;
export type QueueName = (typeof QUEUES)[number];

export const JOB_QUEUE: { [N in JobName]: QueueName } = {
  "system.ping": "system",
  "scan.split": "scans",
  "page.render": "scans",
};

/** Deterministic job ids: enqueueing the same work twice is a no-op while the first is kept. */
export const jobId = {
  split: (batchId: string) => `split-${batchId}`,
  render: (batchId: string, scanPageIndex: number) => `render-${batchId}-${scanPageIndex}`,
};
