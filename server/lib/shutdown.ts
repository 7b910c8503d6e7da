// Graceful shutdown. A signal (SIGTERM from Docker or systemd, Ctrl-C) runs the process's
// cleanup once, then exits 0; a second signal forces the exit (1). The API drains its HTTP
// server (drainable); the worker hands back the jobs it cannot finish in time (ReturnableJobs).
import type { Server, ServerResponse } from "node:http";
import { WaitingError, type Job } from "bullmq";
import type { Logger } from "./logger.js";

export function onShutdown(logger: Logger, cleanup: () => Promise<void>): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, "second signal: exiting now");
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, "shutting down");
    cleanup().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

/** Whether `work` settles within `ms` (Infinity: waits for it); it goes on either way. */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  if (!Number.isFinite(ms)) {
    await work;
    return true;
  }
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([work.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** A response still to be sent closes its connection afterwards rather than keeping it alive. */
function closeWhenSent(res: ServerResponse): void {
  if (!res.headersSent) {
    res.setHeader("Connection", "close");
    return;
  }
  const socket = res.socket;
  if (res.writableFinished) socket?.end();
  else res.once("finish", () => socket?.end());
}

/**
 * Stopping an HTTP server without cutting anyone off. From drain() on, the listening socket is
 * closed (new connections are refused, so load balancers and health probes see the instance
 * go), idle keep-alive connections are closed (Node's server.close does it), and every response
 * still to be sent ends its connection: a keep-alive client would otherwise keep the server
 * open with new requests. Requests in flight get `graceMs` to finish; then the connections
 * left are closed. drain() answers whether everything finished in time.
 */
export function drainable(server: Server): (graceMs: number) => Promise<boolean> {
  let draining = false;
  const inFlight = new Set<ServerResponse>();
  // Before the app's own listener, so that a response the app sends at once is still seen.
  server.prependListener("request", (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once("close", () => inFlight.delete(res));
    if (draining) closeWhenSent(res);
  });
  return async (graceMs) => {
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    inFlight.forEach(closeWhenSent);
    const inTime = await settlesWithin(closed, graceMs);
    if (!inTime) {
      server.closeAllConnections();
      await closed;
    }
    return inTime;
  };
}

/**
 * The jobs a worker is running, with the lock token BullMQ gave each. Once handBack() is
 * called (the grace period is over), a job whose handler stops — its thread terminated as the
 * worker closes its pools, a statement cancelled — goes back to the waiting list at once, for
 * another worker, instead of counting as a failed attempt. A handler that does not stop keeps
 * its job's lock until the process exits and the lock expires: BullMQ then hands the job to
 * another worker as stalled. Jobs are idempotent, so a job begun twice has one visible effect.
 */
export class ReturnableJobs {
  private readonly running = new Set<Job>();
  private handingBack = false;

  wrap(processor: (job: Job) => unknown): (job: Job, token?: string) => Promise<unknown> {
    return async (job, token) => {
      this.running.add(job);
      try {
        return await processor(job);
      } catch (error) {
        if (!this.handingBack || token === undefined) throw error;
        await job.moveToWait(token);
        // BullMQ's way of saying "moved back by the processor": not a failure, no retry counted.
        throw new WaitingError();
      } finally {
        this.running.delete(job);
      }
    };
  }

  /** From now on, jobs that stop go back to the queue. Answers how many are still running. */
  handBack(): number {
    this.handingBack = true;
    return this.running.size;
  }
}
