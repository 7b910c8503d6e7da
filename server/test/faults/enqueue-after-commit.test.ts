// Requests that commit a change and then queue its job, made while Redis is out of reach: the
// change is committed, so the request answers as a success (a 500 would tell the user it failed,
// and a retry would find nothing to do or do it twice); the failure to queue is logged, and once
// Redis is back (empty: no persistence) the worker's recovery sweep queues the work and a worker
// does it. One test per route: a booklet split at the desk, a rubric item re-scoring a graded
// copy, a failed batch retried. A private redis-server is stopped: the shared one never is.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedLogger, createTestEnv, waitFor, type TestEnv } from "../harness.js";
import { redisDown } from "../../lib/redis.js";
import { makeA4Batch } from "../scan-factory.js";
import { PrivateRedis } from "./private-redis.js";
import { killWorkers, spawnWorker, type WorkerProcess } from "./worker-process.js";
import { gradingWorld, post, type GradingWorld } from "../grading-world.js";

let env: TestEnv;
let redis: PrivateRedis;
let dataDir: string;
let world: GradingWorld;
let worker: WorkerProcess;
const { logger, lines } = capturedLogger();

beforeAll(async () => {
  redis = await PrivateRedis.start();
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-enqueue-after-commit-"));
  env = await createTestEnv({ REDIS_URL: redis.url, DATA_DIR: dataDir }, logger);
  world = await gradingWorld(env, 2);
  // At info level: the test waits for its recovery sweeps.
  worker = spawnWorker(env.config, { LOG_LEVEL: "info" });
  expect(await ready()).toBe(200);
  // The start-up sweep is over: what the worker does from now on, the outages made it do.
  expect(await waitFor(async () => sweeps("recovery sweep done"), (n) => n === 1)).toBe(1);
}, 60_000);
afterAll(async () => {
  await killWorkers();
  // Its keys are deleted through it.
  if (redis && !redis.running) await redis.start();
  await env?.close();
  await redis?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** Readiness: the database, Redis and a worker's heartbeat. */
const ready = async () => waitFor(async () => (await request(env.app).get("/api/health/ready")).status, (s) => s === 200, 30_000);

/** How many of the worker's log lines have this message (its lines are JSON, one a line). */
const sweeps = (msg: string) => worker.lines.filter((line) => line.includes(`"msg":"${msg}"`)).length;

/**
 * Stops Redis, waits for the API to know it, runs `during`, then starts Redis again (empty) and
 * waits for the API to be ready and the worker's sweep after Redis's return to be done. Returns
 * what `during` returned.
 */
async function duringOutage<T>(during: () => Promise<T>): Promise<T> {
  const before = sweeps("recovery sweep done after Redis came back");
  await redis.stop();
  expect(await waitFor(async () => redisDown(env.ctx.redis), (down) => down)).toBe(true);
  try {
    return await during();
  } finally {
    await redis.start();
    expect(await ready()).toBe(200);
    expect(await waitFor(async () => sweeps("recovery sweep done after Redis came back"), (n) => n > before)).toBe(before + 1);
  }
}

/** The API's log lines saying a job could not be queued after a commit. */
const notQueued = (job: string) =>
  lines.map((line) => JSON.parse(line) as { level: number; msg: string; job?: string; firstJobId?: string }).filter((l) => l.msg === `could not queue ${job}: the worker's recovery sweep will`);

describe("a job to queue after a committed change, Redis out of reach", () => {
  it("splits a booklet (200); once Redis is back the new booklet is read by the worker", async () => {
    const copyId = world.copyIds[0]!;
    const booklet = await env.ctx.db.booklet.findFirstOrThrow({ where: { copyId } });

    const res = await duringOutage(() => post(world.admin, `/api/booklets/${booklet.id}/split`, { position: 2 }));
    expect(res.status).toBe(200);
    const fresh = (res.body.booklets as { id: string; status: string }[]).find((b) => b.id !== booklet.id)!;
    expect(fresh.status).toBe("READING");
    expect(notQueued("booklet.identify").map((l) => [l.level, l.firstJobId])).toEqual([[40, `read-${fresh.id}`]]);

    // The worker's sweep queues the batch's identification, which reads the booklet left unread.
    // (The factory's pages have no web image: the reading says so, and the booklet waits on the desk.)
    const read = await waitFor(() => env.ctx.db.booklet.findUniqueOrThrow({ where: { id: fresh.id } }), (b) => b.status !== "READING", 30_000);
    expect(read.status).toBe("PENDING");
    expect(read.reading).toMatchObject({ error: expect.stringContaining("n'a pas d'image") });
    expect(await env.ctx.db.page.count({ where: { bookletId: fresh.id } })).toBe(1);
  }, 60_000);

  it("re-scores a graded copy when a rubric item changes (200); once Redis is back its new PDF is drawn", async () => {
    const copyId = world.copyIds[1]!;
    const [q1, q2] = world.questionIds as [string, string];
    const { grader } = world;
    const item = (await post(grader, `/api/exams/${world.examId}/rubric/items`, { questionId: q1, label: "Méthode", points: 1 }).expect(201)).body.item.id as string;
    const lockToken = (await post(grader, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
    await grader.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", grader.csrf).set("If-Match", `"0"`).send({ lockToken, annotations: [], comment: "", scores: { [q2]: 4 }, rubric: { [q1]: [item] } }).expect(200);
    await post(grader, `/api/copies/${copyId}/finalize`, { lockToken, version: 1 }).expect(202);
    const graded = await waitFor(() => env.ctx.db.copy.findUniqueOrThrow({ where: { id: copyId } }), (c) => c.status === "GRADED", 60_000);
    expect(graded.status).toBe("GRADED");

    const res = await duringOutage(() => grader.agent.patch(`/api/rubric-items/${item}`).set("X-CSRF-Token", grader.csrf).send({ points: 2 }));
    expect(res.status).toBe(200);
    expect(res.body.rescored).toEqual({ copies: 1, regenerated: 1 });
    expect(notQueued("copy.flatten").map((l) => [l.level, l.firstJobId])).toEqual([[40, `flatten-${copyId}-2`]]);

    const regraded = await waitFor(() => env.ctx.db.copy.findUniqueOrThrow({ where: { id: copyId } }), (c) => c.status === "GRADED" && c.finalVersion === 2, 60_000);
    expect({ status: regraded.status, finalVersion: regraded.finalVersion }).toEqual({ status: "GRADED", finalVersion: 2 });
    expect(regraded.totalScore?.toNumber()).toBeGreaterThan(graded.totalScore!.toNumber());
    const pdfs = await env.ctx.db.gradedPdf.findMany({ where: { copyId }, orderBy: { draftVersion: "asc" } });
    expect(pdfs.map((p) => p.draftVersion)).toEqual([1, 2]);
    expect(regraded.gradedPdfPath).toBe(pdfs[1]!.storagePath);
  }, 90_000);

  it("retries a batch refused at the split (202); once Redis is back the worker cuts and converts it", async () => {
    const { admin } = world;
    const examId = (await post(admin, "/api/exams", { title: "Bac blanc", subject: "Maths", date: "2026-11-21", classNames: ["2nde A"], pagesPerCopy: 4, layout: "A3_DOUBLE" }).expect(201)).body.exam.id as string;
    const uploaded = await admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf).attach("file", Buffer.from(await makeA4Batch({ pages: 8, dpi: 72 })), "a4.pdf").expect(201);
    const batchId = uploaded.body.batch.id as string;
    const batch = () => env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId } });
    // A4 portrait pages in an exam of A3 copies doubles: the split refuses the batch.
    expect((await waitFor(batch, (b) => b.status === "FAILED" || b.status === "DONE", 60_000)).status).toBe("FAILED");
    await admin.agent.patch(`/api/exams/${examId}`).set("X-CSRF-Token", admin.csrf).send({ layout: "A4_BATCH" }).expect(200);

    const res = await duringOutage(() => post(admin, `/api/scans/${batchId}/retry`));
    expect(res.status).toBe(202);
    expect(res.body.batch.status).toBe("PROCESSING");
    expect(notQueued("scan.split").map((l) => [l.level, l.firstJobId])).toEqual([[40, `split-${batchId}`]]);

    const done = await waitFor(batch, (b) => b.status === "DONE" || b.status === "FAILED", 60_000);
    expect({ status: done.status, layout: done.layout }).toEqual({ status: "DONE", layout: "A4_BATCH" });
    expect(await env.ctx.db.page.groupBy({ by: ["status"], where: { batchId }, _count: { _all: true } })).toEqual([{ status: "DONE", _count: { _all: 8 } }]);
    expect(await env.ctx.db.booklet.count({ where: { batchId } })).toBe(2);
  }, 90_000);
});
