// Everything a process needs to talk to the outside world, created once and passed down
// explicitly (tests build their own against their own database and Redis prefix).
import type pg from "pg";
import type { Config } from "./config.js";
import { createDb, createPool, poolSettings, type Db } from "./db.js";
import { createLogger, type Logger } from "./logger.js";
import { JobQueues } from "./queue.js";
import { createRedis, type Redis } from "./redis.js";
import { createFileStore, type FileStore } from "./storage.js";

export interface AppContext {
  config: Config;
  pool: pg.Pool;
  db: Db;
  redis: Redis;
  queues: JobQueues;
  logger: Logger;
  /** Durable files: the local DATA_DIR or S3-compatible storage (STORAGE_DRIVER). */
  files: FileStore;
}

export function createContext(config: Config, processName: string, logger = createLogger(config, processName)): AppContext {
  const pool = createPool(config.DATABASE_URL, poolSettings(config));
  // An idle connection the server closes (restart, failover, a dropped database) is reported on
  // the pool; without a listener that event would crash the process. The pool replaces it.
  pool.on("error", (err: Error & { code?: string }) => logger.warn({ err: err.message, code: err.code }, "an idle database connection was closed by the server"));
  const redis = createRedis(config.REDIS_URL);
  return {
    config,
    pool,
    db: createDb(pool),
    redis,
    queues: new JobQueues(redis, config.REDIS_PREFIX, () => createRedis(config.REDIS_URL, { forWorker: true }), logger),
    logger,
    files: createFileStore(config),
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.queues.close();
  await ctx.db.$disconnect();
  await ctx.pool.end();
  ctx.redis.disconnect();
}
