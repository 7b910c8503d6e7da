// Prometheus metrics (prom-client): one registry per process, labelled process="api" or
// "worker"; HTTP request durations by route pattern; job counts and durations; the access rule
// both the API's /metrics and the worker's own endpoint apply.
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import { BlockList, isIP } from "node:net";
import type { Request, RequestHandler } from "express";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { requestIdFor } from "./http/request-id.js";

export function createMetricsRegistry(processName: "api" | "worker"): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** METRICS_ALLOW ("10.0.0.0/8,::1/128,192.0.2.7") as a BlockList; throws on an entry that is not an address. */
export function allowList(cidrs: string): BlockList {
  const list = new BlockList();
  for (const entry of cidrs.split(",").map((e) => e.trim()).filter(Boolean)) {
    const [address = "", prefix] = entry.split("/");
    const family = isIP(address);
    if (family === 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) throw new Error(`METRICS_ALLOW: "${entry}" is not an address or a CIDR range`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

const digest = (value: string) => createHash("sha256").update(value).digest();

/**
 * Who may read metrics: a caller with `Authorization: Bearer <METRICS_TOKEN>`, or one connected
 * from an address in METRICS_ALLOW whose request was not forwarded by a proxy. The socket's
 * peer is used, never X-Forwarded-For or req.ip: a request nginx forwards from outside comes
 * from nginx's (internal) address and carries X-Forwarded-For, so it is never "internal".
 */
export function metricsAccess(config: Pick<Config, "METRICS_TOKEN" | "METRICS_ALLOW">): (req: IncomingMessage) => boolean {
  const internal = allowList(config.METRICS_ALLOW);
  // Equal-length digests make the comparison constant-time whatever the token's length.
  const expected = config.METRICS_TOKEN === undefined ? undefined : digest(`Bearer ${config.METRICS_TOKEN}`);
  return (req) => {
    const authorization = req.headers.authorization;
    if (expected && authorization && timingSafeEqual(digest(authorization), expected)) return true;
    const forwarded = req.headers["x-forwarded-for"] !== undefined || req.headers.forwarded !== undefined;
    const peer = req.socket.remoteAddress;
    return !forwarded && peer !== undefined && internal.check(peer, isIP(peer) === 4 ? "ipv4" : "ipv6");
  };
}

export const METRICS_DENIED = { code: "METRICS_TOKEN_REQUIRED", message: "Jeton d'accès aux métriques absent ou invalide." };
export const METRICS_CHALLENGE = 'Bearer realm="metrics"';

/**
 * The Express route pattern that answered (/api/copies/:id/draft), never the raw URL, whose ids
 * would make one series per copy. It is read when the router matches the route: by the time
 * the response is sent after an error, Express has already reset req.baseUrl.
 */
function routePattern(req: Request): () => string {
  let pattern = "unmatched";
  let route: unknown;
  Object.defineProperty(req, "route", {
    configurable: true,
    enumerable: true,
    get: () => route,
    set: (value: { path: unknown }) => {
      route = value;
      pattern = `${req.baseUrl}${String(value.path)}`;
    },
  });
  return () => pattern;
}

/** Request durations up to two minutes: scan uploads are long, autosaves are tens of ms. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120];

export function httpDurations(registry: Registry): RequestHandler {
  const histogram = new Histogram({
    name: "http_request_duration_seconds",
    help: "Time from a request's arrival to its response, by method, route pattern and status.",
    labelNames: ["method", "route", "status"] as const,
    buckets: HTTP_BUCKETS,
    registers: [registry],
  });
  return (req, res, next) => {
    const end = histogram.startTimer({ method: req.method });
    const pattern = routePattern(req);
    res.on("finish", () => end({ route: pattern(), status: String(res.statusCode) }));
    next();
  };
}

/** Jobs run from a few ms (a page render) to minutes (a big batch's split, a heavy graded PDF). */
const JOB_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export interface JobMetrics {
  /** Runs one attempt of a job, counting it as completed or failed and timing it. */
  time<T>(jobName: string, run: () => Promise<T>): Promise<T>;
}

export function jobMetrics(registry: Registry): JobMetrics {
  const total = new Counter({
    name: "korrigo_jobs_total",
    help: "Job attempts run by this worker, by job name and outcome (completed, failed).",
    labelNames: ["name", "outcome"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "korrigo_job_duration_seconds",
    help: "Duration of job attempts run by this worker, by job name.",
    labelNames: ["name"] as const,
    buckets: JOB_BUCKETS,
    registers: [registry],
  });
  return {
    async time(jobName, run) {
      const end = duration.startTimer({ name: jobName });
      try {
        const result = await run();
        total.inc({ name: jobName, outcome: "completed" });
        return result;
      } catch (error) {
        total.inc({ name: jobName, outcome: "failed" });
        throw error;
      } finally {
        end();
      }
    },
  };
}

export interface MetricsEndpoint {
  close(): Promise<void>;
}

/**
 * The worker's own GET /metrics on WORKER_METRICS_PORT (0: none) — each worker of
 * `--scale worker=N` is scraped on its own — under the same access rule as the API's. Metrics
 * are not worth a worker: when the port is taken, that is logged and the worker runs without.
 */
export async function serveWorkerMetrics(registry: Registry, config: Pick<Config, "METRICS_TOKEN" | "METRICS_ALLOW" | "HOST" | "WORKER_METRICS_PORT">, logger: Logger): Promise<MetricsEndpoint | null> {
  const port = config.WORKER_METRICS_PORT;
  if (port === 0) return null;
  const allowed = metricsAccess(config);
  const server = createServer((req, res) => {
    const json = (status: number, code: string, message: string) => {
      res.writeHead(status, { "Content-Type": "application/json; charset=utf-8" });
      res.end(JSON.stringify({ error: { code, message, requestId: requestIdFor(req) } }));
    };
    if (req.method !== "GET" || req.url?.split("?")[0] !== "/metrics") return json(404, "NOT_FOUND", "Cette adresse n'existe pas.");
    if (!allowed(req)) {
      res.setHeader("WWW-Authenticate", METRICS_CHALLENGE);
      return json(401, METRICS_DENIED.code, METRICS_DENIED.message);
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { "Content-Type": registry.contentType }).end(text),
      (err: unknown) => {
        logger.error({ err }, "metrics collection failed");
        json(500, "INTERNAL", "Erreur interne du serveur.");
      },
    );
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, config.HOST, resolve);
    });
  } catch (err) {
    logger.error({ err, port }, "the worker's metrics endpoint could not listen: running without it");
    return null;
  }
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
