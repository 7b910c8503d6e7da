// JSON logs to stdout. Anything that could identify a person or a session is redacted.
import { pino, type DestinationStream, type Logger } from "pino";
import type { Config } from "./config.js";

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
  const options = { name, level: config.LOG_LEVEL, redact: { paths: REDACTED_PATHS, censor: "[redacted]" }, base: { process: name } };
  return destination ? pino(options, destination) : pino(options);
}

export type { Logger };
