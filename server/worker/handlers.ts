// One handler per registered job name: the mapped type makes a missing handler a type error.
import type { Job } from "bullmq";
import type { JobName, JobPayload, JobResult } from "../lib/jobs.js";
import { handlePing } from "../modules/system/jobs.js";
import { renderPage, splitBatch, type PipelineEnv } from "../modules/scans/pipeline.js";
import { identifyBatch, identifyBookletJob, type IdentifyEnv } from "../modules/identification/pipeline.js";
import { flattenCopy, type FlattenEnv } from "../modules/grading/flatten/job.js";

export type WorkerEnv = PipelineEnv & IdentifyEnv & FlattenEnv;

type Handlers = {
  [N in JobName]: (env: WorkerEnv, payload: JobPayload<N>, job: Job) => Promise<JobResult<N>> | JobResult<N>;
};

export const handlers: Handlers = {
  "system.ping": (env, payload) => handlePing(env.workerId, payload),
  "scan.split": (env, payload, job) => splitBatch(env, payload.batchId, job),
  "page.render": (env, payload, job) => renderPage(env, payload.batchId, payload.scanPageIndex, job),
  "batch.identify": (env, payload) => identifyBatch(env, payload.batchId),
  "booklet.identify": (env, payload) => identifyBookletJob(env, payload.bookletId),
  "copy.flatten": (env, payload, job) => flattenCopy(env, payload.copyId, payload.version, job),
};
