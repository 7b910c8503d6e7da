// Crash safety: a worker killed with SIGKILL in the middle of a 200-page batch, then started
// again, still yields exactly one booklet per copy and one image per page, and no orphan file.
// Also: a split job lost from Redis is found again by the worker's start-up sweep.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Queue } from "bullmq";
import { createSchool, createStaff, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { makeA4Batch } from "../../test/scan-factory.js";
import { jobId } from "../../lib/jobs.js";
import { cleanupStorage } from "./cleanup.js";

let env: TestEnv;
let dataDir: string;
let admin: Client;
const children: ChildProcess[] = [];

function startWorkerProcess(): ChildProcess {
  const { DATABASE_URL, REDIS_URL, REDIS_PREFIX } = env.config;
  const child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], {
    env: { PATH: process.env.PATH, NODE_ENV: "test", DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATA_DIR: dataDir, LOG_LEVEL: "silent", WORKER_LOCK_SECONDS: "2", WORKER_HEARTBEAT_SECONDS: "1", WORKER_CONCURRENCY: "2" },
    stdio: "inherit",
  });
  children.push(child);
  return child;
}

const pagesDone = (batchId: string) => env.ctx.db.page.count({ where: { batchId, status: "DONE" } });
const batchStatus = async (batchId: string) => (await env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId } })).status;

async function createExam() {
  const res = await admin.agent
    .post("/api/exams")
    .set("X-CSRF-Token", admin.csrf)
    .send({ title: "Bac blanc", subject: "Maths", date: "2026-11-20", classNames: ["Tle 3"], pagesPerCopy: 4, layout: "A4_BATCH" })
    .expect(201);
  return res.body.exam.id as string;
}

async function upload(examId: string, pdf: Uint8Array): Promise<string> {
  const res = await admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf).attach("file", Buffer.from(pdf), "lot.pdf").expect(201);
  return res.body.batch.id as string;
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-crash-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  const school = await createSchool(env.ctx);
  admin = await staffClient(env.app, (await createStaff(env.ctx, school.id, "ADMIN")).email);
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("crash safety", () => {
  it("completes a 200-page batch exactly once after the worker is killed mid-way", async () => {
    const examId = await createExam();
    const batchId = await upload(examId, await makeA4Batch({ pages: 200 }));

    const first = startWorkerProcess();
    const progress = await waitFor(() => pagesDone(batchId), (n) => n >= 20, 120_000);
    expect(progress).toBeGreaterThanOrEqual(20);
    first.kill("SIGKILL");
    await new Promise((resolve) => first.once("exit", resolve));
    expect(await pagesDone(batchId)).toBeLessThan(200);

    startWorkerProcess();
    expect(await waitFor(() => batchStatus(batchId), (s) => s === "DONE" || s === "FAILED", 180_000)).toBe("DONE");

    const booklets = await env.ctx.db.booklet.findMany({ where: { batchId }, include: { pages: { orderBy: { position: "asc" } } } });
    expect(booklets).toHaveLength(50);
    expect(booklets.every((b) => b.pages.map((p) => p.position).join() === "1,2,3,4")).toBe(true);
    expect(await env.ctx.db.page.count({ where: { batchId } })).toBe(200);
    const files = (await readdir(path.join(dataDir, "pages"), { recursive: true })).map(String).filter((f) => f.endsWith(".jpg"));
    expect(files.filter((f) => f.endsWith(".thumb.jpg"))).toHaveLength(200);
    expect(files.filter((f) => !f.endsWith(".thumb.jpg"))).toHaveLength(200);
    expect(await cleanupStorage(env.ctx, { dryRun: true })).toEqual([]);
  }, 300_000);

  it("finds a batch whose split job Redis lost, when a worker starts", async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    await waitFor(async () => children.every((c) => c.exitCode !== null || c.signalCode !== null), (v) => v, 20_000);
    const examId = await createExam();
    const batchId = await upload(examId, await makeA4Batch({ pages: 8 }));
    const queue = new Queue("scans", { connection: env.ctx.redis, prefix: env.config.REDIS_PREFIX });
    await (await queue.getJob(jobId.split(batchId)))?.remove();
    await queue.close();
    expect(await batchStatus(batchId)).toBe("UPLOADED");

    startWorkerProcess();
    expect(await waitFor(() => batchStatus(batchId), (s) => s === "DONE", 60_000)).toBe("DONE");
    expect(await pagesDone(batchId)).toBe(8);
  }, 90_000);
});
