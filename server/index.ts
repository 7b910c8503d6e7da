// The API process.
import { loadConfigOrExit } from "./lib/config.js";
import { closeContext, createContext } from "./lib/context.js";
import { createApp } from "./app.js";
import { drainable, onShutdown } from "./lib/shutdown.js";
import { initSentry } from "./lib/sentry.js";

const config = loadConfigOrExit();
await initSentry(config, "api");
const ctx = createContext(config, "api");
const server = createApp(ctx).listen(config.PORT, config.HOST, () => {
  ctx.logger.info({ port: config.PORT, host: config.HOST }, "api listening");
});

const drain = drainable(server);

// In-flight requests finish (a teacher's autosave is not lost) before the database and Redis
// connections they use are closed.
onShutdown(ctx.logger, async () => {
  const graceSeconds = config.SHUTDOWN_GRACE_SECONDS;
  if (!(await drain(graceSeconds * 1000))) ctx.logger.warn({ graceSeconds }, "requests still running after the grace period were cut off");
  await closeContext(ctx);
});
