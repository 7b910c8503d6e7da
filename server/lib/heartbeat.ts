// Workers announce themselves in a Redis sorted set (member = worker id, score = last beat),
// so readiness can tell whether any worker has been alive in the last 30 seconds.
import type { Redis } from "./redis.js";

export const HEARTBEAT_FRESH_MS = 30_000;

const key = (prefix: string) => `${prefix}:workers:heartbeat`;

export async function beat(redis: Redis, prefix: string, workerId: string, now = Date.now()): Promise<void> {
  await redis
    .multi()
    .zadd(key(prefix), now, workerId)
    .zremrangebyscore(key(prefix), "-inf", now - 24 * 3600_000)
    .exec();
}

export async function forget(redis: Redis, prefix: string, workerId: string): Promise<void> {
  await redis.zrem(key(prefix), workerId);
}

/** Ids of the workers seen within the freshness window. */
export async function liveWorkers(redis: Redis, prefix: string, now = Date.now()): Promise<string[]> {
  return redis.zrangebyscore(key(prefix), now - HEARTBEAT_FRESH_MS, "+inf");
}
