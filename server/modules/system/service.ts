// A round trip through the job queue, to prove the worker is really processing jobs.
import type { AppContext } from "../../lib/context.js";
import { UnavailableError } from "../../lib/errors.js";

const PING_TIMEOUT_MS = 5000;

export async function pingWorker(ctx: AppContext) {
  const sentAt = Date.now();
  try {
    const result = await ctx.queues.run("system.ping", { sentAt }, PING_TIMEOUT_MS);
    return { ok: true as const, roundTripMs: Date.now() - sentAt, workerId: result.workerId };
  } catch (error) {
    ctx.logger.warn({ err: error }, "worker ping failed");
    throw new UnavailableError("Aucun worker n'a répondu : vérifiez que le processus worker est démarré.", "WORKER_UNAVAILABLE");
  }
}
