import type { JobPayload, JobResult } from "../../lib/jobs.js";

export function handlePing(workerId: string, _payload: JobPayload<"system.ping">): JobResult<"system.ping"> {
  return { workerId, receivedAt: Date.now() };
}
