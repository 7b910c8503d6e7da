// STORAGE_DRIVER=s3 end to end, against a real S3 server (s3rver): a scan batch uploaded through
// the API and converted by a worker in this process, its page images and header crops served
// from the bucket; a copy finalized, its graded PDF drawn into the bucket and downloaded. The
// durable files are in the bucket only: DATA_DIR keeps nothing but scratch space.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { makeGradableCopies } from "../../test/copy-factory.js";
import { frenchClass, makeHeaderBatch } from "../../test/header-factory.js";
import { startS3Server, type S3Server } from "../../test/s3-server.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";
import { createApp } from "../../app.js";
import { S3FileStore } from "./s3.js";
import { storedPath } from "../storage.js";

let s3: S3Server;
let dataDir: string;
let env: TestEnv;
let worker: RunningWorker;
let schoolId: string;
let adminId: string;
let adminEmail: string;
let admin: Client;

beforeAll(async () => {
  s3 = await startS3Server();
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-s3-e2e-"));
  env = await createTestEnv({ DATA_DIR: dataDir, OCR_THREADS: "1", ...s3.env });
  schoolId = (await createSchool(env.ctx)).id;
  const a = await createStaff(env.ctx, schoolId, "ADMIN");
  adminId = a.id;
  adminEmail = a.email;
  admin = await staffClient(env.app, a.email);
  worker = await startWorker(env.ctx);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await env?.close();
  await s3?.close();
  await rm(dataDir, { recursive: true, force: true });
});

const post = (c: Client, url: string) => c.agent.post(url).set("X-CSRF-Token", c.csrf);
const bodyOf = (res: { body: unknown }) => res.body as Buffer;

async function createExam(body: Record<string, unknown>): Promise<string> {
  const res = await post(admin, "/api/exams").send({ title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde S3"], pagesPerCopy: 2, layout: "A4_BATCH", ...body }).expect(201);
  return res.body.exam.id as string;
}

async function keysUnder(prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of env.ctx.files.list(prefix)) keys.push(key);
  return keys;
}

/** Nothing but scratch space under DATA_DIR, emptied after each job: every durable file went to the bucket. */
async function expectOnlyScratchOnDisk(keys: string[]) {
  expect((await readdir(dataDir)).filter((entry) => entry !== "tmp")).toEqual([]);
  const scratch = await readdir(path.join(dataDir, "tmp"), { recursive: true, withFileTypes: true });
  expect(scratch.filter((e) => e.isFile()).map((e) => e.name)).toEqual([]);
  for (const key of keys) expect(existsSync(path.join(dataDir, key))).toBe(false);
}

describe("S3-compatible storage", () => {
  it("runs with the S3 file store", () => {
    expect(env.ctx.files).toBeInstanceOf(S3FileStore);
  });

  it("converts an uploaded batch into the bucket and serves its page images and header crops from there", async () => {
    const examId = await createExam({ pagesPerCopy: 4 });
    const writers = frenchClass(3, 2, "2nde S3").map((student) => ({ student }));
    const upload = await post(admin, `/api/exams/${examId}/scans`).attach("file", Buffer.from(await makeHeaderBatch({ kind: "FREE_BOX", copies: writers, seed: 4, dpi: 100, pagesPerCopy: 4 })), "lot.pdf").expect(201);
    const batchId = upload.body.batch.id as string;
    const batch = await waitFor(() => env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId } }), (b) => b.status === "DONE" || b.status === "FAILED", 60_000);
    expect(batch.status).toBe("DONE");

    const pages = await env.ctx.db.page.findMany({ where: { batchId }, orderBy: { scanPageIndex: "asc" } });
    expect(pages).toHaveLength(8);
    const pageKeys = pages.flatMap((p) => [p.imagePath!, p.thumbPath!]);
    for (const key of [batch.storagePath, ...pageKeys]) expect(await env.ctx.files.exists(key), key).toBe(true);
    // The split pages move from the split folder to the batch's source pages once the batch is
    // DONE (that update decides which job moves them); on S3 the move is a copy per object, so it
    // may still be under way here. Until it ends, graded PDFs cut their pages from the batch.
    const sources = await waitFor(() => keysUnder(storedPath.sourcePages(schoolId, batchId)), (keys) => keys.length === 8, 20_000);
    expect(sources).toHaveLength(8);
    expect(await waitFor(() => keysUnder(storedPath.splitPages(batchId)), (keys) => keys.length === 0, 20_000)).toEqual([]);

    const image = await admin.agent.get(`/api/pages/${pages[0]!.id}/image`).buffer(true).expect(200);
    expect(image.headers["content-type"]).toBe("image/jpeg");
    expect(image.headers["cache-control"]).toBe("private, max-age=300");
    expect(bodyOf(image).equals(await env.ctx.files.read(pages[0]!.imagePath!))).toBe(true);
    await admin.agent.get(`/api/pages/${pages[0]!.id}/image`).set("If-None-Match", image.headers.etag!).expect(304);
    // nginx cannot reach the bucket: behind it too, the API streams the object itself.
    const behindNginx = await staffClient(createApp({ ...env.ctx, config: { ...env.config, MEDIA_X_ACCEL: true } }), adminEmail);
    const streamed = await behindNginx.agent.get(`/api/pages/${pages[0]!.id}/thumb`).buffer(true).expect(200);
    expect(streamed.headers["x-accel-redirect"]).toBeUndefined();
    expect(bodyOf(streamed).equals(await env.ctx.files.read(pages[0]!.thumbPath!))).toBe(true);

    const booklets = await waitFor(() => env.ctx.db.booklet.findMany({ where: { batchId }, orderBy: { index: "asc" } }), (b) => b.length === 2 && b.every((x) => x.reading !== null), 60_000);
    expect(booklets.map((b) => b.headerCropPath)).toEqual(booklets.map((b) => storedPath.headerCrop(schoolId, b.id)));
    const crop = await admin.agent.get(`/api/booklets/${booklets[0]!.id}/header`).buffer(true).expect(200);
    expect(bodyOf(crop).equals(await env.ctx.files.read(booklets[0]!.headerCropPath!))).toBe(true);
    await expectOnlyScratchOnDisk([...pageKeys, ...booklets.map((b) => b.headerCropPath!)]);
  }, 120_000);

  it("draws a graded PDF into the bucket and downloads it from there", async () => {
    const examId = await createExam({ title: "DS noté" });
    const scheme = await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf).send({ questions: [{ label: "Exercice 1", maxPoints: 20 }], reportScale: 20 }).expect(200);
    const questionId = scheme.body.exam.questions[0].id as string;
    const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
    await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: [teacher.id] }).expect(200);
    const grader = await staffClient(env.app, teacher.email);
    const [copyId] = (await makeGradableCopies(env.ctx, { schoolId, examId, uploadedById: adminId, copies: 1, layout: "A4_BATCH", pagesPerCopy: 2 })).copyIds;

    const token = (await post(grader, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
    const saved = await grader.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", grader.csrf).set("If-Match", '"0"')
      .send({ lockToken: token, annotations: [], scores: { [questionId]: 15 }, comment: "Bien." }).expect(200);
    await post(grader, `/api/copies/${copyId}/finalize`).send({ lockToken: token, version: saved.body.draft.version }).expect(202);
    const copy = await waitFor(() => env.ctx.db.copy.findUniqueOrThrow({ where: { id: copyId } }), (c) => c.status === "GRADED" || c.status === "FAILED", 60_000);
    expect(copy.status).toBe("GRADED");
    expect(copy.gradedPdfPath).toBe(storedPath.gradedPdf(schoolId, copyId!, saved.body.draft.version as number));

    const row = await env.ctx.db.gradedPdf.findFirstOrThrow({ where: { copyId } });
    expect(await env.ctx.files.stat(row.storagePath)).toEqual({ size: row.sizeBytes });
    const download = await grader.agent.get(`/api/copies/${copyId}/graded.pdf`).buffer(true).expect(200);
    expect(download.headers["content-type"]).toBe("application/pdf");
    expect(createHash("sha256").update(bodyOf(download)).digest("hex")).toBe(row.sha256);
    await expectOnlyScratchOnDisk([row.storagePath]);
  }, 120_000);
});
