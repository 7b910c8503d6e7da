// A worker restarted while graded PDFs are being drawn: SIGTERM lets the job at hand finish
// or, past the grace period, puts it back in the queue; the next worker does the rest. Every
// copy ends GRADED with one graded PDF and one `graded` event: no job lost, none done twice.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, waitFor, type TestEnv } from "../test/harness.js";
import { finalizeCopy, gradingWorld } from "../test/grading-world.js";
import { JOB_QUEUE, jobId } from "../lib/jobs.js";

const COPIES = 12;

let env: TestEnv;
let dataDir: string;
let copyIds: string[];
let flattenQueue: Queue;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-restart-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  const world = await gradingWorld(env, COPIES);
  copyIds = world.copyIds;
  // Locked, scored and finalized as its grader would: one copy.flatten job each.
  for (const copyId of copyIds) await finalizeCopy(world, copyId);
  flattenQueue = new Queue(JOB_QUEUE["copy.flatten"], { connection: env.ctx.redis, prefix: env.config.REDIS_PREFIX });
}, 60_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
  await flattenQueue.close();
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** A worker process on the test's database and queues; its warnings and errors are kept in `lines`. */
function startWorker(extraEnv: Record<string, string>): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const { DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATA_DIR } = env.config;
  const child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], {
    env: { PATH: process.env.PATH, NODE_ENV: "test", DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATA_DIR, LOG_LEVEL: "warn", WORKER_METRICS_PORT: "0", WORKER_CONCURRENCY: "1", ...extraEnv },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const lines: string[] = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => lines.push(...chunk.split("\n").filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, lines, exited };
}

const statuses = () => env.ctx.db.copy.findMany({ where: { id: { in: copyIds } }, select: { id: true, status: true } });
const graded = async () => (await statuses()).filter((c) => c.status === "GRADED").length;

describe("worker restart", () => {
  it("loses no job and runs none twice when the worker is stopped mid-way and started again", async () => {
    // The first copy's row is held elsewhere: its job, taken first, waits on it when it comes
    // to mark the copy GRADED, and is still running when the grace period ends.
    const held = copyIds[0]!;
    const holder = new pg.Client({ connectionString: env.config.DATABASE_URL });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query(`SELECT 1 FROM "Copy" WHERE "id" = $1 FOR UPDATE`, [held]);
    const heldJob = jobId.flatten(held, 1);

    const first = startWorker({ SHUTDOWN_GRACE_SECONDS: "1", DB_LOCK_TIMEOUT_MS: "60000" });
    expect(await waitFor(graded, (n) => n >= 3, 40_000)).toBeGreaterThanOrEqual(3);
    expect(await (await flattenQueue.getJob(heldJob))!.getState()).toBe("active");
    first.child.kill("SIGTERM");

    // Past the grace period the job still waits on the row: the worker hands it back. Its
    // statement is then cancelled, as a statement timeout would, and the job stops.
    const handedBack = await waitFor(async () => first.lines.some((l) => l.includes("grace period over")), Boolean, 20_000);
    expect(handedBack).toBe(true);
    await env.ctx.pool.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    expect(await first.exited).toBe(0);

    const afterFirst = await graded();
    expect(afterFirst).toBeLessThan(COPIES);
    // Back in the queue, not failed: no attempt spent, the copy still waiting for its PDF.
    const job = (await flattenQueue.getJob(heldJob))!;
    expect({ state: await job.getState(), attemptsMade: job.attemptsMade }).toEqual({ state: "waiting", attemptsMade: 0 });
    expect((await env.ctx.db.copy.findUniqueOrThrow({ where: { id: held } })).status).toBe("FINALIZING");
    await holder.query("ROLLBACK");
    await holder.end();

    const second = startWorker({});
    const final = await waitFor(statuses, (all) => all.every((c) => c.status === "GRADED"), 45_000);
    expect(final.map((c) => c.status)).toEqual(copyIds.map(() => "GRADED"));
    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);

    const pdfs = await env.ctx.db.gradedPdf.findMany({ where: { copyId: { in: copyIds } } });
    const events = await env.ctx.db.gradingEvent.findMany({ where: { copyId: { in: copyIds }, type: { in: ["graded", "failed"] } } });
    for (const copyId of copyIds) {
      const ofCopy = pdfs.filter((p) => p.copyId === copyId);
      expect(ofCopy.map((p) => p.draftVersion)).toEqual([1]);
      expect(events.filter((e) => e.copyId === copyId).map((e) => e.type)).toEqual(["graded"]);
      // The file on disk is the one the row describes.
      expect(createHash("sha256").update(await readFile(path.join(dataDir, ofCopy[0]!.storagePath))).digest("hex")).toBe(ofCopy[0]!.sha256);
    }
    expect(first.lines.concat(second.lines).filter((l) => l.includes('"job failed"'))).toEqual([]);
  }, 120_000);
});
