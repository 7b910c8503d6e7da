// The API process.
import { loadConfigOrExit } from "./lib/config.js";
import { closeContext, createContext } from "./lib/context.js";
import { createApp } from "./app.js";
import { onShutdown } from "./lib/shutdown.js";

const config = loadConfigOrExit();
const ctx = createContext(config, "api");
const server = createApp(ctx).listen(config.PORT, config.HOST, () => {
  ctx.logger.info({ port: config.PORT, host: config.HOST }, "api listening");
});

onShutdown(ctx.logger, async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await closeContext(ctx);
});
