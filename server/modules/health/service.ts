// Liveness, readiness and the health report. Readiness needs the database, every migration
// applied, Redis, and a worker heartbeat seen in the last 30 seconds.
import type { AppContext } from "../../lib/context.js";
import { committedMigrations, compareMigrations, MIGRATION_ROWS_SQL, type MigrationRow } from "../../lib/migrations.js";
import { liveWorkers } from "../../lib/heartbeat.js";

export interface Check {
  ok: boolean;
  message?: string;
}
export type Checks = Record<"database" | "migrations" | "redis" | "worker", Check>;

const CHECK_TIMEOUT_MS = 2000;

async function timed(run: () => Promise<Check>): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Check>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, message: `no answer within ${CHECK_TIMEOUT_MS} ms` }), CHECK_TIMEOUT_MS);
  });
  try {
    return await Promise.race([run().catch((e: Error) => ({ ok: false, message: e.message })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function migrationsCheck(ctx: AppContext): Promise<Check> {
  const rows = await ctx.db.$queryRawUnsafe<MigrationRow[]>(MIGRATION_ROWS_SQL);
  const { pending } = compareMigrations(await committedMigrations(ctx.config.MIGRATIONS_DIR), rows);
  return pending.length === 0 ? { ok: true } : { ok: false, message: `not applied: ${pending.join(", ")}` };
}

export async function runChecks(ctx: AppContext): Promise<Checks> {
  const [database, migrations, redis, worker] = await Promise.all([
    timed(async () => (await ctx.db.$queryRaw`SELECT 1`, { ok: true })),
    timed(() => migrationsCheck(ctx)),
    timed(async () => ((await ctx.redis.ping()) === "PONG" ? { ok: true } : { ok: false, message: "unexpected PING reply" })),
    timed(async () => {
      const workers = await liveWorkers(ctx.redis, ctx.config.REDIS_PREFIX);
      return workers.length > 0 ? { ok: true, message: `${workers.length} live` } : { ok: false, message: "no heartbeat in the last 30 s" };
    }),
  ]);
  return { database, migrations, redis, worker };
}

export const failing = (checks: Checks): string[] =>
  Object.entries(checks)
    .filter(([, check]) => !check.ok)
    .map(([name]) => name);
