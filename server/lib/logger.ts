// JSON logs to stdout, one object a line: `level` (pino's number: 30 info, 40 warn, 50 error),
// `time` (ISO 8601, UTC), `process` (api, worker, cli), the request id or job id and name of
// the work being done (server/lib/log-context.ts), `msg`. Anything that could identify a
// person or a session is redacted.
import { pino, stdTimeFunctions, type DestinationStream, type Logger } from "pino";
import type { Config } from "./config.js";
import { currentLogContext } from "./log-context.js";

export const REDACTED_PATHS = [
  "req.headers.cookie",
  "req.headers.authorization",
  "req.headers['x-csrf-token']",
  'res.headers["set-cookie"]',
  "*.password",
  "*.currentPassword",
  "*.newPassword",
  "*.accessCode",
  "*.passwordHash",
  "*.accessCodeHash",
  "*.sessionId",
];

export function createLogger(config: Pick<Config, "LOG_LEVEL">, name: string, destination?: DestinationStream): Logger {
  const options = {
    name,
    level: config.LOG_LEVEL,
    redact: { paths: REDACTED_PATHS, censor: "[redacted]" },
    base: { process: name },
    timestamp: stdTimeFunctions.isoTime,
    // pino mutates what mixin returns: a fresh object each time.
    mixin: () => ({ ...currentLogContext() }),
  };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
