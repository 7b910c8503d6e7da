// The worker process.
import { existsSync, readdirSync } from "node:fs";
import { setPriority } from "node:os";
import { loadConfigOrExit } from "./lib/config.js";
import { closeContext, createContext } from "./lib/context.js";
import { onShutdown } from "./lib/shutdown.js";
import { startWorker } from "./worker/run.js";

/**
 * Runs the whole worker below the API's CPU priority. On Linux each thread has its own nice
 * value: the threads node already runs are lowered one by one, and the conversion and drawing
 * threads and qpdf, started later from the main thread, inherit it.
 */
function lowerPriority(nice: number): void {
  const threads = existsSync("/proc/self/task") ? readdirSync("/proc/self/task").map(Number) : [0];
  for (const tid of threads) setPriority(tid, nice);
}

const config = loadConfigOrExit();
lowerPriority(config.WORKER_NICE);
const ctx = createContext(config, "worker");
const worker = await startWorker(ctx);

onShutdown(ctx.logger, async () => {
  await worker.close();
  await closeContext(ctx);
});
