// The worker: one BullMQ Worker per queue dispatching on the job registry, plus a heartbeat
// so readiness knows a worker is alive. close() stops taking jobs and lets running ones end.
import { hostname } from "node:os";
import { randomUUID } from "node:crypto";
import { Worker, type Job } from "bullmq";
import type { AppContext } from "../lib/context.js";
import { QUEUES, type JobName } from "../lib/jobs.js";
import { beat, forget } from "../lib/heartbeat.js";
import { createRedis } from "../lib/redis.js";
import { isRedisConnectionError } from "../lib/queue.js";
import { handlers, type WorkerEnv } from "./handlers.js";
import { recoverScans } from "../modules/scans/pipeline.js";
import { ScanPagePool } from "../modules/scans/pdf/pool.js";
import { recoverIdentification } from "../modules/identification/pipeline.js";
import { HeaderReader } from "../modules/identification/ocr/reader.js";
import { FlattenPool } from "../modules/grading/flatten/pool.js";
import { recoverFinalizing } from "../modules/grading/finalize.js";
import type { QueueName } from "../lib/jobs.js";
import { createMetricsRegistry, jobMetrics, serveWorkerMetrics, type JobMetrics } from "../lib/metrics.js";
import { withLogContext } from "../lib/log-context.js";
import { reportError } from "../lib/sentry.js";
import { ReturnableJobs, settlesWithin } from "../lib/shutdown.js";

export interface RunningWorker {
  workerId: string;
  /** Stops taking jobs and lets the running ones end; past `graceMs` (default: no limit) they go back to the queue. */
  close(graceMs?: number): Promise<void>;
}

/** How long a stopping worker waits for BullMQ's connections to close once its jobs are done or handed back. */
const QUEUES_CLOSE_MS = 5_000;

/** Runs a job's handler, counted and timed, with its id and name on every log line it writes. */
function dispatch(env: WorkerEnv, metrics: JobMetrics) {
  return (job: Job) =>
    withLogContext({ jobId: String(job.id), jobName: job.name }, () =>
      metrics.time(job.name, async () => {
        const handler = handlers[job.name as JobName] as ((e: WorkerEnv, p: unknown, j: Job) => unknown) | undefined;
        if (!handler) throw new Error(`No handler for job "${job.name}"`);
        return handler(env, job.data, job);
      }),
    );
}

async function recoverAll(ctx: AppContext, workerId: string) {
  return { ...(await recoverScans(ctx, workerId)), identifying: await recoverIdentification(ctx), finalizing: await recoverFinalizing(ctx) };
}

/**
 * Redis lost and back may have come back empty (no persistence, a failover): the queued jobs are
 * gone, and the rows waiting for them would wait for ever. The start-up sweep runs again once
 * every live worker has had time to beat again (a sweep removes the scratch folders of workers
 * it does not see beating). Returns what stops listening.
 */
function sweepWhenRedisReturns(ctx: AppContext, workerId: string): () => void {
  let lost = false;
  let timer: NodeJS.Timeout | undefined;
  const onClose = () => {
    lost = true;
  };
  const onReady = () => {
    if (!lost) return;
    lost = false;
    clearTimeout(timer);
    timer = setTimeout(() => {
      recoverAll(ctx, workerId).then(
        (recovered) => ctx.logger.info(recovered, "recovery sweep done after Redis came back"),
        (err: unknown) => ctx.logger.error({ err }, "recovery sweep failed after Redis came back"),
      );
    }, 2 * ctx.config.WORKER_HEARTBEAT_SECONDS * 1000 + 1000);
  };
  ctx.redis.on("close", onClose);
  ctx.redis.on("ready", onReady);
  return () => {
    clearTimeout(timer);
    ctx.redis.off("close", onClose);
    ctx.redis.off("ready", onReady);
  };
}

export async function startWorker(ctx: AppContext): Promise<RunningWorker> {
  const workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const { REDIS_PREFIX: prefix, WORKER_CONCURRENCY: concurrency } = ctx.config;
  const env: WorkerEnv = {
    ctx,
    workerId,
    scanPages: new ScanPagePool({ threads: concurrency, pageTimeoutMs: ctx.config.SCAN_PAGE_SECONDS * 1000, threadHeapMb: 256 }),
    // Its tesseract workers start on the first header to read, not with the worker.
    headers: new HeaderReader({ threads: ctx.config.OCR_THREADS }),
    flatten: new FlattenPool({ threads: concurrency, timeoutMs: 120_000 }),
  };
  // More jobs in flight than threads, so that a thread never waits while jobs fetch, write
  // rows and report (bench: 1, 2 and 4 jobs per thread gave 33, 36 and 40 A4 pages/s here).
  const jobsInFlight: Record<QueueName, number> = { system: concurrency, scans: concurrency * 4, identify: ctx.config.OCR_THREADS * 2, grading: concurrency * 2 };
  const connection = createRedis(ctx.config.REDIS_URL, { forWorker: true });
  const metrics = createMetricsRegistry("worker");
  const jobs = jobMetrics(metrics);

  // A killed worker's jobs are retried once their lock expires; a job may be caught in a
  // few crashes before it is declared failed.
  const lockDuration = ctx.config.WORKER_LOCK_SECONDS * 1000;
  const running = new ReturnableJobs();
  const workers = QUEUES.map((queue) => {
    const worker = new Worker(queue, running.wrap(dispatch(env, jobs)), { connection, prefix, concurrency: jobsInFlight[queue], lockDuration, stalledInterval: lockDuration, maxStalledCount: 5 });
    worker.on("failed", (job, err) => {
      ctx.logger.warn({ job: job?.name, jobId: job?.id, err: err.message }, "job failed");
      reportError(err, { jobName: job?.name, jobId: job?.id });
    });
    // A Redis outage is one warn line, not one error per reconnection attempt (server/lib/queue.ts).
    worker.on("error", ctx.queues.outages.onError);
    return worker;
  });
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  const metricsEndpoint = await serveWorkerMetrics(metrics, ctx.config, ctx.logger);

  await beat(ctx.redis, prefix, workerId);
  const timer = setInterval(() => {
    beat(ctx.redis, prefix, workerId).catch((err: unknown) => {
      // Redis out of reach is said once, by the queues' outage log: not once a beat.
      if (!isRedisConnectionError(err)) ctx.logger.warn({ err }, "heartbeat failed");
    });
  }, ctx.config.WORKER_HEARTBEAT_SECONDS * 1000);
  ctx.logger.info({ workerId, queues: QUEUES, concurrency }, "worker started");
  recoverAll(ctx, workerId).then(
    (recovered) => ctx.logger.info(recovered, "recovery sweep done"),
    (err: unknown) => ctx.logger.error({ err }, "recovery sweep failed"),
  );
  const stopSweeping = sweepWhenRedisReturns(ctx, workerId);

  return {
    workerId,
    async close(graceMs = Infinity) {
      clearInterval(timer);
      stopSweeping();
      const closing = Promise.all(workers.map((w) => w.close()));
      if (!(await settlesWithin(closing, graceMs))) ctx.logger.warn({ jobs: running.handBack() }, "grace period over: the jobs still running go back to the queue");
      // Terminating the threads stops the conversions and renders still running: their jobs are handed back.
      await env.scanPages.close();
      await env.headers.close();
      await env.flatten.close();
      // BullMQ's close waits for ever on a blocking connection between two reconnection attempts
      // (Redis out of reach, or back for less than a reconnection delay: taskforcesh/bullmq#4656).
      if (!(await settlesWithin(closing, QUEUES_CLOSE_MS))) ctx.logger.warn("the job queues' connections did not close (Redis out of reach, or reconnecting): stopping anyway");
      await forget(ctx.redis, prefix, workerId).catch((err: unknown) => ctx.logger.warn({ err: err instanceof Error ? err.message : String(err) }, "the worker's heartbeat was not removed: it expires by itself"));
      connection.disconnect();
      await metricsEndpoint?.close();
    },
  };
}
