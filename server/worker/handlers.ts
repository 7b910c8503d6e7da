// One handler per registered job name: the mapped type makes a missing handler a type error.
import type { Job } from "bullmq";
import type { AppContext } from "../lib/context.js";
import type { JobName, JobPayload, JobResult } from "../lib/jobs.js";
import { handlePing } from "../modules/system/jobs.js";

export interface WorkerEnv {
  ctx: AppContext;
  workerId: string;
}

type Handlers = {
  [N in JobName]: (env: WorkerEnv, payload: JobPayload<N>, job: Job) => Promise<JobResult<N>> | JobResult<N>;
};

export const handlers: Handlers = {
  "system.ping": (env, payload) => handlePing(env.workerId, payload),
};
