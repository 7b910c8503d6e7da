// The worker process.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { setPriority } from "node:os";
import { loadConfigOrExit } from "./lib/config.js";
import { closeContext, createContext } from "./lib/context.js";
import { onShutdown } from "./lib/shutdown.js";
import { initSentry } from "./lib/sentry.js";
import { startWorker } from "./worker/run.js";

/**
 * Runs the whole worker below the API's CPU priority. On Linux each thread has its own nice
 * value and scheduling class: the threads node already runs are lowered one by one (chrt -a
 * does the same), and the conversion and drawing threads and qpdf, started later from the main
 * thread, inherit both. Answers why the idle class could not be had, if it could not.
 */
function lowerPriority(nice: number, idleClass: boolean): string | null {
  const threads = existsSync("/proc/self/task") ? readdirSync("/proc/self/task").map(Number) : [0];
  for (const tid of threads) setPriority(tid, nice);
  if (!idleClass) return null;
  try {
    execFileSync("chrt", ["--idle", "--all-tasks", "--pid", "0", String(process.pid)], { stdio: ["ignore", "ignore", "pipe"] });
    return null;
  } catch (error) {
    return error instanceof Error ? error.message.split("\n")[0]! : String(error);
  }
}

const config = loadConfigOrExit();
await initSentry(config, "worker");
const notIdle = lowerPriority(config.WORKER_NICE, config.WORKER_IDLE_CLASS);
const ctx = createContext(config, "worker");
if (notIdle) ctx.logger.warn({ reason: notIdle }, `the worker could not enter the idle scheduling class: it runs at nice ${config.WORKER_NICE}`);
const worker = await startWorker(ctx);

// The current jobs finish, or go back to the queue past the grace period, before the
// database and Redis connections they use are closed.
onShutdown(ctx.logger, async () => {
  await worker.close(config.SHUTDOWN_GRACE_SECONDS * 1000);
  await closeContext(ctx);
});
