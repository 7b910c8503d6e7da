// The worker process.
import { loadConfigOrExit } from "./lib/config.js";
import { closeContext, createContext } from "./lib/context.js";
import { onShutdown } from "./lib/shutdown.js";
import { startWorker } from "./worker/run.js";

const config = loadConfigOrExit();
const ctx = createContext(config, "worker");
const worker = await startWorker(ctx);

onShutdown(ctx.logger, async () => {
  await worker.close();
  await closeContext(ctx);
});
