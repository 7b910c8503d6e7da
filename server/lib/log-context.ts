// What a log line is about — the API request or the worker job being served — without passing
// loggers around: kept in AsyncLocalStorage for everything that runs on its behalf, and added
// to every line by the logger's mixin (server/lib/logger.ts).
import { AsyncLocalStorage } from "node:async_hooks";
import type { RequestHandler } from "express";

export type LogContext = { requestId: string } | { jobId: string; jobName: string };

const storage = new AsyncLocalStorage<LogContext>();

export function withLogContext<T>(context: LogContext, run: () => T): T {
  return storage.run(context, run);
}

export function currentLogContext(): LogContext | undefined {
  return storage.getStore();
}

/** Put after pino-http, which gives the request its id (server/lib/http/request-id.ts). */
export const requestLogContext: RequestHandler = (req, _res, next) => {
  withLogContext({ requestId: String(req.id) }, next);
};
