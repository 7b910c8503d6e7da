// A request id on every request, response and log line. One set by the reverse proxy is
// kept when it looks like an id (so nginx and Node logs line up); anything else is replaced.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";

const SAFE_ID = /^[A-Za-z0-9-]{8,64}$/;

export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers["x-request-id"];
  return typeof incoming === "string" && SAFE_ID.test(incoming) ? incoming : randomUUID();
}
