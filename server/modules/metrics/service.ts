// What the API's /metrics reads at scrape time for the whole installation (every API instance
// reports the same figures): queue depths and the age of each queue's oldest waiting job
// (Redis), active copy locks and copies by status (PostgreSQL). Each source has a short time
// limit: a slow Redis or database makes a scrape report the source down, never hang it.
import { Gauge, type Registry } from "prom-client";
import type { AppContext } from "../../lib/context.js";
import { QUEUES } from "../../lib/jobs.js";
import { QUEUE_DEPTH_STATES } from "../../lib/queue.js";
import { CopyStatus } from "../../generated/prisma/enums.js";

const SOURCE_TIMEOUT_MS = 2000;

function withinTimeLimit<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${SOURCE_TIMEOUT_MS} ms`)), SOURCE_TIMEOUT_MS);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export type InstallationGauges = ReturnType<typeof installationGauges>;

export function installationGauges(registry: Registry) {
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) => new Gauge({ name, help, labelNames, registers: [registry] });
  return {
    sourceUp: gauge("korrigo_metrics_source_up", "1 when the source (redis, database) answered this scrape in time, else 0 and its figures are missing.", ["source"]),
    queueJobs: gauge("korrigo_queue_jobs", "Jobs in each queue by state (waiting, active, delayed, failed).", ["queue", "state"]),
    oldestWaiting: gauge("korrigo_queue_oldest_waiting_seconds", "Seconds since the oldest job still waiting in the queue was enqueued (0 when none waits).", ["queue"]),
    activeLocks: gauge("korrigo_copy_locks_active", "Copies a teacher holds a lock on that has not expired.", []),
    copies: gauge("korrigo_copies", "Copies by status.", ["status"]),
  };
}

async function readQueues(ctx: AppContext, gauges: InstallationGauges): Promise<void> {
  const depths = await withinTimeLimit(Promise.all(QUEUES.map(async (queue) => ({ queue, ...(await ctx.queues.depth(queue)) }))));
  const now = Date.now();
  for (const { queue, counts, oldestWaitingAt } of depths) {
    for (const state of QUEUE_DEPTH_STATES) gauges.queueJobs.set({ queue, state }, counts[state]);
    gauges.oldestWaiting.set({ queue }, oldestWaitingAt === null ? 0 : Math.max(0, (now - oldestWaitingAt) / 1000));
  }
}

async function readDatabase(ctx: AppContext, gauges: InstallationGauges): Promise<void> {
  const [locks, byStatus] = await withinTimeLimit(
    Promise.all([ctx.db.copyLock.count({ where: { expiresAt: { gt: new Date() } } }), ctx.db.copy.groupBy({ by: ["status"], _count: { _all: true } })]),
  );
  gauges.activeLocks.set(locks);
  const counts = new Map(byStatus.map((row) => [row.status, row._count._all]));
  for (const status of Object.values(CopyStatus)) gauges.copies.set({ status }, counts.get(status) ?? 0);
}

/** Refreshes the installation's figures; a source that fails is reported down and its figures dropped. */
export async function readInstallation(ctx: AppContext, gauges: InstallationGauges): Promise<void> {
  const sources = [
    { source: "redis", read: readQueues, figures: [gauges.queueJobs, gauges.oldestWaiting] },
    { source: "database", read: readDatabase, figures: [gauges.activeLocks, gauges.copies] },
  ];
  await Promise.all(
    sources.map(async ({ source, read, figures }) => {
      try {
        await read(ctx, gauges);
        gauges.sourceUp.set({ source }, 1);
      } catch (err) {
        ctx.logger.warn({ err, source }, "metrics: a source did not answer");
        figures.forEach((figure) => figure.reset());
        gauges.sourceUp.set({ source }, 0);
      }
    }),
  );
}
