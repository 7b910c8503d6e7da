// DATA_DIR full (a small tmpfs, filled to the byte; where mounting is refused, an imitation in
// this process). An upload that does not fit is refused with 507 and a message saying why,
// leaving no batch row and no file, not even a partial one; with room again the same upload
// passes. 507 rather than 503: a full disk does not pass by itself, someone must make room. The
// disk filling up while the worker writes page images, or full when it splits a batch, ends the
// batch FAILED with a reason (after the job's retries), never half done in silence; with room
// again, "retry" finishes it.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../harness.js";
import { filesUnder } from "../files.js";
import { makeA4Batch } from "../scan-factory.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";
import { cleanupStorage } from "../../modules/scans/cleanup.js";
import { fillableDisk, type FillableDisk } from "./small-disk.js";

// Pass-through unless no tmpfs could be mounted: then they imitate the full disk (disk-quota.ts).
vi.mock("node:fs", async (importOriginal) => (await import("./disk-quota.js")).countedFs(await importOriginal()));
vi.mock("node:fs/promises", async (importOriginal) => (await import("./disk-quota.js")).countedFsPromises(await importOriginal()));

let disk: FillableDisk;
let env: TestEnv;
let admin: Client;
let examId: string;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  disk = await fillableDisk(8);
  env = await createTestEnv({ DATA_DIR: disk.dir });
  const schoolId = (await createSchool(env.ctx)).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  const exam = await admin.agent.post("/api/exams").set("X-CSRF-Token", admin.csrf).send({ title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201);
  examId = exam.body.exam.id as string;
});
afterAll(async () => {
  await worker?.close();
  await env?.close();
  await disk?.dispose();
});

const upload = (pdf: Uint8Array, name: string) => admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf).attach("file", Buffer.from(pdf), name);

/** Once converted, a batch's booklets are read (header crops stored): the files are final once none is left reading. */
const read = (batchId: string) => waitFor(() => env.ctx.db.booklet.count({ where: { batchId, status: "READING" } }), (n) => n === 0, 60_000);

/** Every file under DATA_DIR but the filler, relative to it. */
async function files(): Promise<string[]> {
  return (await filesUnder(disk.dir)).filter((file) => path.basename(file) !== "filler");
}

describe("DATA_DIR full", () => {
  it("refuses an upload that does not fit with 507, writes nothing, and takes it once there is room", async () => {
    const pdf = await makeA4Batch({ pages: 10, dpi: 100 });
    await disk.fill(Math.floor(pdf.byteLength / 4));
    const before = await files();

    const refused = await upload(pdf, "trop-gros.pdf");
    expect(refused.status).toBe(507);
    expect(refused.body.error).toMatchObject({ code: "STORAGE_FULL", message: expect.stringContaining("espace disque") });
    expect(await env.ctx.db.scanBatch.count({ where: { examId } })).toBe(0);
    expect(await files()).toEqual(before);

    await disk.free();
    const batch = (await upload(pdf, "trop-gros.pdf").expect(201)).body.batch;
    expect(batch).toMatchObject({ status: "UPLOADED", scanPageCount: 10 });
    expect(await files()).toEqual([`scans/${(await env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batch.id } })).schoolId}/${batch.id}.pdf`]);
  });

  it("fails the batch with a reason when the disk fills up while the worker writes page images, and finishes it on retry once there is room", async () => {
    const { id: batchId, sizeBytes } = await env.ctx.db.scanBatch.findFirstOrThrow({ where: { examId } });
    const done = () => env.ctx.db.page.count({ where: { batchId, status: "DONE" } });
    // Room for the split pages (about the batch's size) and half the page images (as much again):
    // the disk fills up while the worker writes them.
    await disk.fill(Math.floor(Number(sizeBytes) * 1.5));
    worker = await startWorker(env.ctx);

    const settled = await waitFor(() => env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId } }), (b) => b.status === "DONE" || b.status === "FAILED", 60_000);
    const pages = await env.ctx.db.page.findMany({ where: { batchId }, select: { status: true, error: true, imagePath: true, thumbPath: true } });
    expect(settled.status).toBe("FAILED");
    // Out of room for its images, or for the rest of its split pages (the split and the renders overlap).
    expect(settled.error).toMatch(/page\(s\) n'ont pas pu être converties|découpage de ce lot a échoué/);
    // Some pages were converted before the disk was full: it filled up on the way.
    expect(pages.filter((p) => p.status === "DONE").length).toBeGreaterThan(0);
    // Each page is either done with its files, or failed with a reason: none left pending.
    for (const page of pages) {
      if (page.status === "DONE") expect(await files()).toEqual(expect.arrayContaining([page.imagePath, page.thumbPath]));
      else expect(page).toMatchObject({ status: "FAILED", error: expect.any(String), imagePath: null });
    }
    // Nothing half-written: every image is one a DONE page names.
    const named = new Set(pages.flatMap((p) => [p.imagePath, p.thumbPath]));
    expect((await files()).filter((f) => f.startsWith("pages/") && !named.has(f))).toEqual([]);

    await disk.free();
    await admin.agent.post(`/api/scans/${batchId}/retry`).set("X-CSRF-Token", admin.csrf).expect(202);
    expect((await waitFor(() => env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId } }), (b) => b.status === "DONE" || b.status === "FAILED", 60_000)).status).toBe("DONE");
    expect(await done()).toBe(10);
    expect(await read(batchId)).toBe(0);
    expect(await cleanupStorage(env.ctx, { dryRun: true })).toEqual([]);
  }, 120_000);

  it("fails the batch with a reason when the disk is full when the worker splits it, and finishes it on retry once there is room", async () => {
    await worker?.close();
    worker = undefined;
    await disk.free();
    const batchId = (await upload(await makeA4Batch({ pages: 6, dpi: 100 }), "coupe.pdf").expect(201)).body.batch.id as string;
    await disk.fill();
    worker = await startWorker(env.ctx);

    const settled = await waitFor(() => env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId } }), (b) => b.status === "DONE" || b.status === "FAILED", 60_000);
    expect({ status: settled.status, stage: settled.stage }).toEqual({ status: "FAILED", stage: null });
    expect(settled.error).toEqual(expect.any(String));
    expect(await env.ctx.db.page.count({ where: { batchId, status: { notIn: ["FAILED"] } } })).toBe(0);

    await disk.free();
    await admin.agent.post(`/api/scans/${batchId}/retry`).set("X-CSRF-Token", admin.csrf).expect(202);
    expect((await waitFor(() => env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId } }), (b) => b.status === "DONE" || b.status === "FAILED", 60_000)).status).toBe("DONE");
    expect(await env.ctx.db.page.count({ where: { batchId, status: "DONE" } })).toBe(6);
    expect(await read(batchId)).toBe(0);
    expect(await cleanupStorage(env.ctx, { dryRun: true })).toEqual([]);
  }, 120_000);
});
