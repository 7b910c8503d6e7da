// Login throttling, counted in Redis so that it holds across API processes and restarts:
// failures per account (default 5 / 15 min) and, more loosely, per IP (a whole school may
// share one address).
//
// Only failures count, and only once they have failed: express-rate-limit on its own counts
// every request as it arrives and takes successful ones back when they finish, so a burst of
// correct logins from one school network (300 students told at once that their grades are out)
// went over the per-IP limit while in flight, and the 429s it then answered counted as failures,
// locking the whole school out for the window. Here the limiter's store only reads the count
// (FailureCounts.increment), and the login records a failure when credentials are wrong.
import { ipKeyGenerator, rateLimit, type ClientRateLimitInfo, type IncrementResponse, type Options, type Store } from "express-rate-limit";
import { RedisStore, type RedisReply } from "rate-limit-redis";
import type { Request, RequestHandler } from "express";
import type { Config } from "../config.js";
import { redisDown, type Redis } from "../redis.js";
import { DomainError, RedisUnavailableError, TooManyRequestsError } from "../errors.js";

/**
 * A store whose increment only reads: the hits it answers are the failures so far plus the
 * attempt being made, so that the attempt after the limit-th failure is refused. Concurrent
 * attempts may each pass before any of them fails: the overshoot is bounded by what is in flight.
 */
class FailureCounts implements Store {
  constructor(private readonly redis: RedisStore) {}

  get prefix(): string {
    return this.redis.prefix;
  }

  private windowMs = 0;

  init(options: Options): Promise<void> {
    this.windowMs = options.windowMs;
    return this.redis.init(options);
  }

  async increment(key: string): Promise<IncrementResponse> {
    const counted: ClientRateLimitInfo | undefined = await this.redis.get(key);
    // No failure yet: the key does not exist (its count reads as NaN); a failure now would open a window.
    const failures = Number.isFinite(counted?.totalHits) ? counted!.totalHits : 0;
    return { totalHits: failures + 1, resetTime: failures > 0 ? counted?.resetTime : new Date(Date.now() + this.windowMs) };
  }

  async decrement(): Promise<void> {}

  resetKey(key: string): Promise<void> {
    return this.redis.resetKey(key);
  }

  async failed(key: string): Promise<void> {
    await this.redis.increment(key);
  }
}

function retryAfterSeconds(req: Request, windowMs: number): number {
  const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
  const ms = reset ? reset.getTime() - Date.now() : windowMs;
  return Math.max(1, Math.ceil(ms / 1000));
}

interface Counter {
  check: RequestHandler;
  failed(req: Request): Promise<void>;
}

function counter(redis: Redis, prefix: string, windowMs: number, limit: number, keyOf: (req: Request) => string): Counter {
  const store = new FailureCounts(new RedisStore({ prefix, sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply> }));
  const check = rateLimit({
    windowMs,
    limit,
    store,
    keyGenerator: keyOf,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    handler: (req, _res, next) => {
      const seconds = retryAfterSeconds(req, windowMs);
      const minutes = Math.ceil(seconds / 60);
      next(new TooManyRequestsError(`Trop de tentatives de connexion. Réessayez dans ${minutes} minute${minutes > 1 ? "s" : ""}.`, seconds));
    },
  });
  return { check, failed: (req) => store.failed(keyOf(req)) };
}

const loginUnavailable = () => new RedisUnavailableError("La connexion est momentanément indisponible : réessayez dans quelques secondes.", "LOGIN_UNAVAILABLE");

/**
 * Redis out of reach, the counters cannot be read: the login is refused with 503 and a time to
 * try again (not let through uncounted, which would lift the limits for as long as an outage
 * lasts; not a 500 either). Sessions live in PostgreSQL: whoever is logged in keeps working.
 */
function failClosed(redis: Redis, check: RequestHandler): RequestHandler {
  return (req, res, next) => {
    // Known to be down: answered at once, not after the client's reconnection attempts.
    if (redisDown(redis)) return next(loginUnavailable());
    void check(req, res, (error?: unknown) => {
      if (error === undefined || error instanceof DomainError) return next(error);
      req.log.warn({ err: error instanceof Error ? error.message : String(error) }, "login counters unavailable: login refused");
      next(loginUnavailable());
    });
  };
}

export interface LoginThrottle {
  /** Middleware refusing a login once its account or its address has failed too often. */
  guards: RequestHandler[];
  /** Counts a failed login (wrong credentials) against its account and its address. */
  failed(req: Request): Promise<void>;
}

/** The throttle of one login endpoint; `accountField` names the body field that identifies the account. */
export function loginThrottle(config: Config, redis: Redis, endpoint: string, accountField: string): LoginThrottle {
  const windowMs = config.LOGIN_WINDOW_MINUTES * 60_000;
  const base = `${config.REDIS_PREFIX}:rl:${endpoint}`;
  const counters = [
    counter(redis, `${base}:ip:`, windowMs, config.LOGIN_MAX_FAILURES_PER_IP, (req) => ipKeyGenerator(req.ip ?? "")),
    counter(redis, `${base}:account:`, windowMs, config.LOGIN_MAX_FAILURES, (req) => String((req.body as Record<string, unknown> | undefined)?.[accountField] ?? "").trim().toLowerCase()),
  ];
  return {
    guards: counters.map((c) => failClosed(redis, c.check)),
    async failed(req) {
      await Promise.all(counters.map((c) => c.failed(req))).catch((error: unknown) => {
        throw error instanceof DomainError ? error : loginUnavailable();
      });
    },
  };
}
