// Everything a process needs to talk to the outside world, created once and passed down
// explicitly (tests build their own against their own database and Redis prefix).
import type pg from "pg";
import type { Config } from "./config.js";
import { createDb, createPool, type Db } from "./db.js";
import { createLogger, type Logger } from "./logger.js";
import { JobQueues } from "./queue.js";
import { createRedis, type Redis } from "./redis.js";

export interface AppContext {
  config: Config;
  pool: pg.Pool;
  db: Db;
  redis: Redis;
  queues: JobQueues;
  logger: Logger;
}

export function createContext(config: Config, processName: string, logger = createLogger(config, processName)): AppContext {
  const pool = createPool(config.DATABASE_URL);
  const redis = createRedis(config.REDIS_URL);
  return {
    config,
    pool,
    db: createDb(pool),
    redis,
    queues: new JobQueues(redis, config.REDIS_PREFIX, () => createRedis(config.REDIS_URL, { forWorker: true })),
    logger,
  };
}

export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.queues.close();
  await ctx.db.$disconnect();
  await ctx.pool.end();
  ctx.redis.disconnect();
}
