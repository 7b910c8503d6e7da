// Enqueueing side of the job registry (BullMQ). The worker side lives in server/worker/.
import { Queue, QueueEvents, type JobsOptions } from "bullmq";
import type { Redis } from "./redis.js";
import { JOB_QUEUE, QUEUES, type JobName, type JobPayload, type JobResult, type QueueName } from "./jobs.js";

const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 3,
  backoff: { type: "exponential", delay: 2000 },
  removeOnComplete: { age: 24 * 3600, count: 1000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

const isPending = (state: string) => state !== "completed" && state !== "failed" && state !== "unknown";

export const QUEUE_DEPTH_STATES = ["waiting", "active", "delayed", "failed"] as const;
export type QueueDepthState = (typeof QUEUE_DEPTH_STATES)[number];

export class JobQueues {
  private readonly queues: Map<QueueName, Queue>;
  private readonly events = new Map<QueueName, QueueEvents>();
  private readonly blockingConnections: Redis[] = [];

  /** `blockingConnection` makes the dedicated connections QueueEvents needs (BullMQ requires maxRetriesPerRequest: null). */
  constructor(
    connection: Redis,
    private readonly prefix: string,
    private readonly blockingConnection: () => Redis,
  ) {
    this.queues = new Map(QUEUES.map((name) => [name, new Queue(name, { connection, prefix })]));
  }

  async enqueue<N extends JobName>(name: N, payload: JobPayload<N>, options: JobsOptions = {}) {
    return this.queue(JOB_QUEUE[name]).add(name, payload, { ...DEFAULT_JOB_OPTIONS, ...options });
  }

  /** Enqueues jobs with deterministic ids: ids already queued or kept are left as they are. */
  async enqueueMany<N extends JobName>(name: N, jobs: { payload: JobPayload<N>; jobId: string }[]): Promise<void> {
    const queue = this.queue(JOB_QUEUE[name]);
    for (let i = 0; i < jobs.length; i += 500) {
      await queue.addBulk(jobs.slice(i, i + 500).map((j) => ({ name, data: j.payload, opts: { ...DEFAULT_JOB_OPTIONS, jobId: j.jobId } })));
    }
  }

  /**
   * Makes sure the work with this id will run: a job still waiting, delayed or running is
   * left alone (false); a finished or failed one (kept for inspection) is replaced by a fresh
   * one, as is a missing one (true).
   */
  async ensure<N extends JobName>(name: N, payload: JobPayload<N>, jobId: string): Promise<boolean> {
    const queue = this.queue(JOB_QUEUE[name]);
    const existing = await queue.getJob(jobId);
    if (existing && isPending(await existing.getState())) return false;
    await existing?.remove();
    await queue.add(name, payload, { ...DEFAULT_JOB_OPTIONS, jobId });
    return true;
  }

  /** Whether the job with this id is still waiting, delayed or running (what `ensure` leaves alone). */
  async pending(name: JobName, jobId: string): Promise<boolean> {
    const job = await this.queue(JOB_QUEUE[name]).getJob(jobId);
    return job ? isPending(await job.getState()) : false;
  }

  /** Enqueues a job and waits for its result; rejects after `timeoutMs`. */
  async run<N extends JobName>(name: N, payload: JobPayload<N>, timeoutMs: number): Promise<JobResult<N>> {
    const queueName = JOB_QUEUE[name];
    const events = await this.queueEvents(queueName);
    // Kept a minute, not removed at once: a job done before waitUntilFinished looks at it would
    // otherwise be gone ("Missing key … isFinished"), a race a fast worker wins.
    const job = await this.enqueue(name, payload, { attempts: 1, removeOnComplete: { age: 60 }, removeOnFail: { age: 60 } });
    return (await job.waitUntilFinished(events, timeoutMs)) as JobResult<N>;
  }

  /** A queue's jobs by state and when its oldest waiting job was enqueued (ms), for /metrics. */
  async depth(name: QueueName): Promise<{ counts: Record<QueueDepthState, number>; oldestWaitingAt: number | null }> {
    const queue = this.queue(name);
    const [counts, [oldest]] = await Promise.all([queue.getJobCounts(...QUEUE_DEPTH_STATES), queue.getWaiting(0, 0)]);
    return { counts: counts as Record<QueueDepthState, number>, oldestWaitingAt: oldest?.timestamp ?? null };
  }

  async close(): Promise<void> {
    await Promise.all([...this.events.values()].map((e) => e.close()));
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.blockingConnections.forEach((c) => c.disconnect());
  }

  private queue(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`Unknown queue ${name}`);
    return queue;
  }

  private async queueEvents(name: QueueName): Promise<QueueEvents> {
    let events = this.events.get(name);
    if (!events) {
      const connection = this.blockingConnection();
      this.blockingConnections.push(connection);
      events = new QueueEvents(name, { connection, prefix: this.prefix });
      this.events.set(name, events);
      await events.waitUntilReady();
    }
    return events;
  }
}
