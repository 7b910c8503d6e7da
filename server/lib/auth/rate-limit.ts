// Login throttling, counted in Redis so that it holds across API processes and restarts:
// failures per account (default 5 / 15 min) and, more loosely, per IP (a whole school may
// share one address). Successful logins are not counted.
import { rateLimit, type Options } from "express-rate-limit";
import { RedisStore, type RedisReply } from "rate-limit-redis";
import type { Request, RequestHandler } from "express";
import type { Config } from "../config.js";
import type { Redis } from "../redis.js";
import { TooManyRequestsError } from "../errors.js";

function retryAfterSeconds(req: Request, windowMs: number): number {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const ms = reset ? reset.getTime() - Date.now() : windowMs;
  return Math.max(1, Math.ceil(ms / 1000));
}

function limiter(redis: Redis, prefix: string, options: Partial<Options> & { windowMs: number }): RequestHandler {
  return rateLimit({
    skipSuccessfulRequests: true,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    store: new RedisStore({
      prefix,
      sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
    }),
    handler: (req, _res, next) => {
      const seconds = retryAfterSeconds(req, options.windowMs);
      const minutes = Math.ceil(seconds / 60);
      next(new TooManyRequestsError(`Trop de tentatives de connexion. Réessayez dans ${minutes} minute${minutes > 1 ? "s" : ""}.`, seconds));
    },
    ...options,
  });
}

/** Limiters for one login endpoint; `accountField` names the body field that identifies the account. */
export function loginLimiters(config: Config, redis: Redis, endpoint: string, accountField: string): RequestHandler[] {
  const windowMs = config.LOGIN_WINDOW_MINUTES * 60_000;
  const base = `${config.REDIS_PREFIX}:rl:${endpoint}`;
  return [
    limiter(redis, `${base}:ip:`, { windowMs, limit: config.LOGIN_MAX_FAILURES_PER_IP }),
    limiter(redis, `${base}:account:`, {
      windowMs,
      limit: config.LOGIN_MAX_FAILURES,
      keyGenerator: (req) => String((req.body as Record<string, unknown> | undefined)?.[accountField] ?? "").trim().toLowerCase(),
    }),
  ];
}
