// Redis connections. BullMQ workers need `maxRetriesPerRequest: null`; request paths keep
// the default so that a Redis outage fails a request instead of hanging it.
import { Redis } from "ioredis";

export function createRedis(url: string, options: { forWorker?: boolean } = {}): Redis {
  return new Redis(url, {
    lazyConnect: false,
    enableOfflineQueue: true,
    maxRetriesPerRequest: options.forWorker ? null : 2,
  });
}

export type { Redis };

/**
 * The connection was lost and is not back: ioredis is between reconnection attempts (or gave
 * up). A client still making its first connection is not "down": its commands wait for it.
 */
export function redisDown(redis: Redis): boolean {
  return redis.status === "reconnecting" || redis.status === "close" || redis.status === "end";
}
