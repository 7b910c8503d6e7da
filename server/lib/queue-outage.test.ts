// A Redis outage as the API's queues and an in-process worker live it. Every BullMQ object (four
// queues, their queue events, four workers) reports each failed reconnection attempt as an
// `error`; unheard, BullMQ prints each one's stack trace to stderr, and the worker used to log
// each at error level. The log must say it once (warn) and once more when Redis is back (info),
// stderr nothing, and jobs must run again afterwards. A worker told to stop during an outage
// must stop (BullMQ's own close waits for ever then). A private redis-server is stopped: the
// machine's shared one is never touched.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { format } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { capturedLogger, createTestEnv, waitFor, type TestEnv } from "../test/harness.js";
import { PrivateRedis } from "../test/faults/private-redis.js";
import { startWorker, type RunningWorker } from "../worker/run.js";
import { enqueueAfterCommit } from "./queue.js";
import { redisDown } from "./redis.js";

const OUTAGE_MS = 4_000;
const OUTAGE_MSG = /^Redis is out of reach/;
const BACK_MSG = /^Redis is back/;

let env: TestEnv;
let redis: PrivateRedis;
let dataDir: string;
let worker: RunningWorker;
let workerClosed = false;
const { logger, lines } = capturedLogger();

beforeAll(async () => {
  redis = await PrivateRedis.start();
  // The worker's sweep removes scratch folders under DATA_DIR: one of this file's own.
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-queue-outage-"));
  env = await createTestEnv({ REDIS_URL: redis.url, DATA_DIR: dataDir }, logger);
  worker = await startWorker(env.ctx);
}, 60_000);
afterAll(async () => {
  // With a grace period: BullMQ's close() may never settle just after an outage (taskforcesh/bullmq#4656).
  if (!workerClosed) await worker?.close(5_000);
  // Its keys are deleted through it.
  if (redis && !redis.running) await redis.start();
  await env?.close();
  await redis?.stop();
  await rm(dataDir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
});

interface LogLine {
  level: number;
  msg: string;
}

const parsed = (from: number): LogLine[] => lines.slice(from).map((line) => JSON.parse(line) as LogLine);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ping = () => env.ctx.queues.run("system.ping", { sentAt: Date.now() }, 20_000);

/** Whatever reaches stderr from here on: direct writes, and console.error / console.warn (vitest may route console elsewhere). */
function captureStderr(): string[] {
  const written: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString());
    return true;
  });
  for (const method of ["error", "warn"] as const) vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void written.push(format(...args)));
  return written;
}

describe("Redis stopped for a few seconds", () => {
  it("logs one warn line for the outage and one info line when Redis is back, writes nothing to stderr, and runs jobs again", async () => {
    expect((await ping()).workerId).toBe(worker.workerId);
    let attempts = 0;
    env.ctx.redis.on("reconnecting", () => (attempts += 1));
    const from = lines.length;
    const stderr = captureStderr();

    await redis.stop();
    await sleep(OUTAGE_MS);
    // Work committed during the outage: not queued, logged, and no error thrown to the caller.
    expect(await enqueueAfterCommit(env.ctx, "system.ping", [{ payload: { sentAt: Date.now() }, jobId: "after-commit-ping" }])).toBe(false);
    // Several reconnection attempts were made (each one an `error` from every BullMQ object).
    expect(attempts).toBeGreaterThanOrEqual(3);

    await redis.start();
    const back = await waitFor(async () => parsed(from).filter((l) => BACK_MSG.test(l.msg)), (found) => found.length > 0);
    expect(back).toHaveLength(1);
    expect((await ping()).workerId).toBe(worker.workerId);

    const log = parsed(from);
    expect(log.filter((l) => OUTAGE_MSG.test(l.msg)).map((l) => l.level)).toEqual([40]);
    expect(log.filter((l) => BACK_MSG.test(l.msg)).map((l) => l.level)).toEqual([30]);
    // Nothing else at warn or above: no "worker error" per attempt, no "heartbeat failed" per beat.
    expect(log.filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([expect.stringMatching(OUTAGE_MSG), "could not queue system.ping: the worker's recovery sweep will"]);
    expect(stderr).toEqual([]);
  }, 60_000);

  it("lets a worker told to stop while Redis is out of reach stop, its grace period over", async () => {
    await redis.stop();
    expect(await waitFor(async () => redisDown(env.ctx.redis), (down) => down)).toBe(true);
    // Long enough for the workers' blocking connections to be between two reconnection attempts.
    await sleep(3_000);
    const from = lines.length;
    await worker.close(1_000);
    workerClosed = true;
    expect(parsed(from).filter((l) => l.level >= 40).map((l) => l.msg)).toEqual([
      "grace period over: the jobs still running go back to the queue",
      expect.stringMatching(/^the job queues' connections did not close/),
      expect.stringMatching(/^the worker's heartbeat was not removed/),
    ]);
  }, 30_000);
});
