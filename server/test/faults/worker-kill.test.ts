// The worker killed with SIGKILL (no cleanup of any kind) in the middle of its work, then
// started again: during ingestion and then during the OCR of the same batch's headers, and while
// graded PDFs are drawn. Every copy ends in its final state exactly once: one booklet per copy,
// one reading and at most one identification each, one graded PDF and one `graded` event per
// copy; nothing stuck, no file left that no row names. (A 200-page batch killed mid-ingestion is
// scans/crash.test.ts; a worker stopped with SIGTERM while drawing, worker/restart.test.ts.)
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../harness.js";
import { filesUnder } from "../files.js";
import { frenchClass, makeHeaderBatch } from "../header-factory.js";
import { findOrphans } from "../../modules/scans/cleanup.js";
import { finalizeCopy, gradingWorld } from "../grading-world.js";
import { killWorkers, spawnWorker } from "./worker-process.js";
import { JOB_QUEUE, type JobName } from "../../lib/jobs.js";
import { Prisma } from "../../lib/db.js";

const COPIES = 6;

let env: TestEnv;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-worker-kill-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
});
afterAll(async () => {
  await killWorkers();
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

/**
 * Jobs of this kind a dead worker was running: they stay "active" in Redis until a live worker
 * finds their lock expired. At least one proves the kill cut a job short.
 */
async function cutShort(name: JobName): Promise<number> {
  const queue = new Queue(JOB_QUEUE[name], { connection: env.ctx.redis, prefix: env.config.REDIS_PREFIX });
  try {
    return (await queue.getActive()).filter((job) => job.name === name).length;
  } finally {
    await queue.close();
  }
}

/** Files of the store no row names (graded PDFs are never swept: checked on their own). */
const orphanFiles = async () => (await findOrphans(env.ctx)).files;

describe("worker killed with SIGKILL", () => {
  it("ingests and identifies a batch exactly once when killed during ingestion, then during OCR", async () => {
    const schoolId = (await createSchool(env.ctx)).id;
    const admin: Client = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
    const roster = frenchClass(31, COPIES, "2nde K");
    for (const [i, s] of roster.entries()) {
      await env.ctx.db.student.create({ data: { schoolId, login: `k-${i}-${s.lastName}`, lastName: s.lastName, firstName: s.firstName, birthDate: new Date(s.birthDate), className: s.className } });
    }
    const examId = (await admin.agent.post("/api/exams").set("X-CSRF-Token", admin.csrf).send({ title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde K"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201)).body.exam.id as string;
    const pdf = await makeHeaderBatch({ kind: "FREE_BOX", copies: roster.map((student) => ({ student })), pagesPerCopy: 2, seed: 5 });
    const batchId = (await admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf).attach("file", Buffer.from(pdf), "lot.pdf").expect(201)).body.batch.id as string;
    const batch = () => env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId } });
    const readings = () => env.ctx.db.booklet.count({ where: { batchId, NOT: { reading: { equals: Prisma.DbNull } } } });

    // Killed as soon as it is at work on the batch.
    const first = spawnWorker(env.config);
    expect((await waitFor(batch, (b) => b.status !== "UPLOADED", 30_000)).status).toBe("PROCESSING");
    await first.kill();
    expect((await batch()).status).not.toBe("DONE");
    expect((await cutShort("scan.split")) + (await cutShort("page.render"))).toBeGreaterThan(0);

    // Killed again while it reads the headers.
    const second = spawnWorker(env.config);
    expect(await waitFor(readings, (n) => n >= 1, 90_000)).toBeGreaterThanOrEqual(1);
    await second.kill();
    expect(await readings()).toBeLessThan(COPIES);
    expect(await cutShort("booklet.identify")).toBeGreaterThan(0);

    const third = spawnWorker(env.config);
    const booklets = await waitFor(
      () => env.ctx.db.booklet.findMany({ where: { batchId }, orderBy: { index: "asc" }, include: { pages: { orderBy: { position: "asc" } } } }),
      (all) => all.length === COPIES && all.every((b) => b.status !== "READING"),
      90_000,
    );
    await third.kill();

    // Ingestion: one booklet per copy, each page once.
    expect((await batch()).status).toBe("DONE");
    expect(booklets.map((b) => b.pages.map((p) => [p.position, p.status]))).toEqual(booklets.map(() => [[1, "DONE"], [2, "DONE"]]));
    expect(await env.ctx.db.page.count({ where: { batchId } })).toBe(2 * COPIES);
    // OCR: every booklet read and decided; each identified one has its copy, and only one.
    expect(booklets.every((b) => b.reading !== null && ["IDENTIFIED", "PENDING"].includes(b.status))).toBe(true);
    const identified = booklets.filter((b) => b.status === "IDENTIFIED");
    expect(identified.length).toBeGreaterThan(0);
    const copies = await env.ctx.db.copy.findMany({ where: { examId }, select: { id: true, studentId: true } });
    expect(copies.map((c) => c.id).sort()).toEqual(identified.map((b) => b.copyId).sort());
    expect(new Set(copies.map((c) => c.studentId)).size).toBe(copies.length);
    expect(await env.ctx.db.auditLog.count({ where: { action: "identification.booklet_identified_automatically", targetId: { in: booklets.map((b) => b.id) } } })).toBe(identified.length);
    // Every header crop stored is the one its booklet names.
    expect(await orphanFiles()).toEqual([]);
  }, 240_000);

  it("draws each graded PDF exactly once when killed while drawing them", async () => {
    // Enough copies that the worker is still drawing some when it is killed, one poll (100 ms)
    // after the first is GRADED: it draws these small copies at tens a second.
    const world = await gradingWorld(env, 40);
    for (const copyId of world.copyIds) await finalizeCopy(world, copyId);
    const statuses = () => env.ctx.db.copy.findMany({ where: { id: { in: world.copyIds } }, select: { id: true, status: true } });
    const graded = async () => (await statuses()).filter((c) => c.status === "GRADED").length;

    const first = spawnWorker(env.config);
    expect(await waitFor(graded, (n) => n >= 1, 60_000)).toBeGreaterThanOrEqual(1);
    await first.kill();
    expect(await graded()).toBeLessThan(world.copyIds.length);
    expect(await cutShort("copy.flatten")).toBeGreaterThan(0);

    const second = spawnWorker(env.config);
    const final = await waitFor(statuses, (all) => all.every((c) => c.status === "GRADED" || c.status === "FAILED"), 60_000);
    await second.kill();
    expect(final.map((c) => c.status)).toEqual(world.copyIds.map(() => "GRADED"));

    const pdfs = await env.ctx.db.gradedPdf.findMany({ where: { copyId: { in: world.copyIds } } });
    const events = await env.ctx.db.gradingEvent.findMany({ where: { copyId: { in: world.copyIds }, type: { in: ["graded", "failed"] } } });
    for (const copyId of world.copyIds) {
      const ofCopy = pdfs.filter((p) => p.copyId === copyId);
      expect(ofCopy.map((p) => p.draftVersion)).toEqual([1]);
      expect(events.filter((e) => e.copyId === copyId).map((e) => e.type)).toEqual(["graded"]);
      expect(createHash("sha256").update(await readFile(path.join(dataDir, ofCopy[0]!.storagePath))).digest("hex")).toBe(ofCopy[0]!.sha256);
    }
    // One file per graded PDF: nothing half-written or drawn twice beside it.
    const files = (await filesUnder(path.join(dataDir, "graded"))).map((file) => path.join("graded", file));
    expect(files).toEqual(pdfs.map((p) => p.storagePath).sort());
  }, 120_000);
});
