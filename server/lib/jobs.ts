// The one job registry: every job's name, queue, payload and result, shared by the API
// (which enqueues) and the worker (which must provide a handler for each name).

export interface JobTypes {
  "system.ping": { payload: { sentAt: number }; result: { workerId: string; receivedAt: number } };
}

export type JobName = keyof JobTypes;
export type JobPayload<N extends JobName> = JobTypes[N]["payload"];
export type JobResult<N extends JobName> = JobTypes[N]["result"];

export const QUEUES = ["system"] as const;
export type QueueName = (typeof QUEUES)[number];

export const JOB_QUEUE: { [N in JobName]: QueueName } = {
  "system.ping": "system",
};
