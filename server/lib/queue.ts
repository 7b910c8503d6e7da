// Enqueueing side of the job registry (BullMQ). The worker side lives in server/worker/.
import { Queue, QueueEvents, type JobsOptions } from "bullmq";
import type { Logger } from "./logger.js";
import { redisDown, type Redis } from "./redis.js";
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

const CONNECTION_ERROR_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN"]);

/**
 * Redis could not be reached (refused, reset, timed out, a command given up after the client's
 * reconnection attempts), as opposed to an error Redis answered or a bug.
 */
export function isRedisConnectionError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && CONNECTION_ERROR_CODES.has(code)) return true;
  return error.name === "MaxRetriesPerRequestError" || /Connection is closed|max retries per request|ECONNREFUSED|ECONNRESET|ETIMEDOUT/.test(error.message);
}

/**
 * What a Redis outage writes to the log: one warn line when the connection is lost and one info
 * line when it is back. Every BullMQ object reports each failed reconnection attempt as an
 * `error` (several a second, one per queue); with no listener BullMQ prints each one's stack
 * trace to stderr. Other errors are logged as they come.
 */
export class RedisOutageLog {
  private down = false;

  constructor(
    private readonly logger: Logger,
    private readonly connection: Redis,
  ) {
    connection.on("ready", this.onReady);
  }

  /** An `error` listener for BullMQ objects (queues, queue events, workers). */
  readonly onError = (error: Error): void => {
    if (!isRedisConnectionError(error)) {
      this.logger.error({ err: error }, "job queue error");
      return;
    }
    if (this.down) return;
    this.down = true;
    this.logger.warn({ err: error.message }, "Redis is out of reach: jobs wait until it is back (the worker's recovery sweep then queues what could not be)");
  };

  private readonly onReady = (): void => {
    if (!this.down) return;
    this.down = false;
    this.logger.info("Redis is back: jobs are queued and run again");
  };

  close(): void {
    this.connection.off("ready", this.onReady);
  }
}

export class JobQueues {
  private readonly queues: Map<QueueName, Queue>;
  private readonly events = new Map<QueueName, QueueEvents>();
  private readonly blockingConnections: Redis[] = [];
  /** The listener every BullMQ object of this process reports its errors to (the worker's too). */
  readonly outages: RedisOutageLog;

  /** `blockingConnection` makes the dedicated connections QueueEvents needs (BullMQ requires maxRetriesPerRequest: null). */
  constructor(
    connection: Redis,
    private readonly prefix: string,
    private readonly blockingConnection: () => Redis,
    logger: Logger,
  ) {
    this.outages = new RedisOutageLog(logger, connection);
    this.queues = new Map(QUEUES.map((name) => [name, new Queue(name, { connection, prefix })]));
    for (const queue of this.queues.values()) queue.on("error", this.outages.onError);
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
    this.outages.close();
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
      // QueueEvents works on a duplicate of it: this one stays idle, reconnecting in an outage,
      // and an ioredis client with no error listener prints every failed attempt to stderr.
      connection.on("error", this.outages.onError);
      this.blockingConnections.push(connection);
      events = new QueueEvents(name, { connection, prefix: this.prefix });
      events.on("error", this.outages.onError);
      this.events.set(name, events);
      await events.waitUntilReady();
    }
    return events;
  }
}

/** A job to queue: its payload and its deterministic id (server/lib/jobs.ts). */
export interface QueuedJob<N extends JobName> {
  payload: JobPayload<N>;
  jobId: string;
}

/**
 * Queues the work a committed change calls for (`ensure`: once per id). The change stands
 * whatever Redis does: should Redis be out of reach, the failure is logged and the request
 * still succeeds (a 500 would tell the user it failed), and the worker's recovery sweep, at its
 * start and when Redis comes back, queues what is missing. Any other error is thrown. Returns
 * whether every job was queued.
 */
export async function enqueueAfterCommit<N extends JobName>(ctx: { redis: Redis; queues: JobQueues; logger: Logger }, name: N, jobs: QueuedJob<N>[]): Promise<boolean> {
  let queued = 0;
  try {
    for (const job of jobs) {
      // Known to be down: not worth the client's reconnection attempts before answering.
      if (redisDown(ctx.redis)) throw new Error("Redis is out of reach");
      await ctx.queues.ensure(name, job.payload, job.jobId);
      queued += 1;
    }
    return true;
  } catch (error) {
    if (!redisDown(ctx.redis) && !isRedisConnectionError(error)) throw error;
    const left = jobs.slice(queued);
    ctx.logger.warn({ err: error instanceof Error ? error.message : String(error), job: name, notQueued: left.length, firstJobId: left[0]?.jobId }, `could not queue ${name}: the worker's recovery sweep will`);
    return false;
  }
}
