// Scan ingestion end to end against the real database, Redis, qpdf and a worker in this
// process: refused inputs leave nothing behind; accepted ones become booklets and images.
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import sharp from "sharp";
import request from "supertest";
import { PDFDocument, PDFName, PDFNumber } from "pdf-lib";
import { createSchool, createStaff, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { makeA3Batch, makeA4Batch, readPageLabel } from "../../test/scan-factory.js";
import { run } from "../../lib/exec.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";
import { cleanupStorage } from "./cleanup.js";
import { createApp } from "../../app.js";

let env: TestEnv;
let dataDir: string;
let worker: RunningWorker;
let admin: Client;
let teacher: Client;
let teacherEmail: string;
let foreignTeacher: Client;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-scans-"));
  env = await createTestEnv({ DATA_DIR: dataDir, SCAN_MAX_PAGES: "60", SCAN_MAX_BYTES: String(8 * 1024 * 1024) });
  const school = await createSchool(env.ctx);
  const other = await createSchool(env.ctx, "Autre lycée");
  admin = await staffClient(env.app, (await createStaff(env.ctx, school.id, "ADMIN")).email);
  teacherEmail = (await createStaff(env.ctx, school.id, "TEACHER")).email;
  teacher = await staffClient(env.app, teacherEmail);
  foreignTeacher = await staffClient(env.app, (await createStaff(env.ctx, other.id, "TEACHER")).email);
  worker = await startWorker(env.ctx);
});
afterAll(async () => {
  await worker.close();
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function createExam(body: Record<string, unknown> = {}) {
  const res = await admin.agent
    .post("/api/exams")
    .set("X-CSRF-Token", admin.csrf)
    .send({ title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde B"], pagesPerCopy: 4, layout: "A4_BATCH", ...body })
    .expect(201);
  return res.body.exam.id as string;
}

function upload(examId: string, files: { data: Uint8Array | Buffer; name: string }[]) {
  const req = admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf);
  for (const f of files) req.attach("file", Buffer.from(f.data), f.name);
  return req;
}

function waitForBatch(batchId: string, timeoutMs = 60_000) {
  const fetchBatch = async () => (await admin.agent.get(`/api/scans/${batchId}`).expect(200)).body.batch;
  return waitFor(fetchBatch, (batch) => batch.status === "DONE" || batch.status === "FAILED", timeoutMs);
}

async function filesIn(dir: string): Promise<string[]> {
  const full = path.join(dataDir, dir);
  if (!existsSync(full)) return [];
  return (await readdir(full, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
}

/** No batch row for the exam, no scan file more than `scansBefore`, no temporary file left. */
async function expectNothingStored(examId: string, scansBefore: string[] = []) {
  expect(await env.ctx.db.scanBatch.count({ where: { examId } })).toBe(0);
  expect(await filesIn("scans")).toEqual(scansBefore);
  expect(await filesIn("tmp")).toEqual([]);
}

/** A PDF whose only page declares a 100 000 × 100 000 image (a few bytes of data). */
async function bombPdf(): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  const image = doc.context.flateStream(new Uint8Array(1000), {
    Type: "XObject", Subtype: "Image", Width: 100_000, Height: 100_000, ColorSpace: "DeviceGray", BitsPerComponent: 8,
  });
  const ref = doc.context.register(image);
  page.node.setXObject(PDFName.of("Im0"), ref);
  page.node.set(PDFName.of("Rotate"), PDFNumber.of(0));
  const content = doc.context.stream("q 595 0 0 842 0 0 cm /Im0 Do Q");
  page.node.set(PDFName.of("Contents"), doc.context.register(content));
  return doc.save();
}

/** The PDF encrypted with `userPassword` ("" = a copier's permission restrictions only). */
async function encrypted(pdf: Uint8Array, userPassword = "secret"): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), "korrigo-enc-"));
  await writeFile(path.join(dir, "in.pdf"), pdf);
  await run("qpdf", ["--encrypt", userPassword, "owner", "256", "--", path.join(dir, "in.pdf"), path.join(dir, "out.pdf")], 30_000);
  const data = await readFile(path.join(dir, "out.pdf"));
  await rm(dir, { recursive: true, force: true });
  return data;
}

describe("refused uploads leave no row and no file", () => {
  it("refuses each kind of bad file with a clear 4xx", async () => {
    const examId = await createExam();
    const good = await makeA4Batch({ pages: 4 });
    const cases: [string, Uint8Array | Buffer, number, string][] = [
      ["notes.pdf", Buffer.from("Ceci n'est pas un PDF, juste du texte."), 415, "NOT_A_PDF"],
      ["coupe.pdf", good.slice(0, Math.floor(good.length * 0.6)), 422, "PDF_TRUNCATED"],
      ["casse.pdf", Buffer.from("%PDF-1.4\n1 0 obj garbage\n%%EOF\n"), 422, "PDF_MALFORMED"],
      ["protege.pdf", await encrypted(good), 422, "PDF_ENCRYPTED"],
      ["bombe.pdf", await bombPdf(), 422, "PDF_IMAGE_TOO_LARGE"],
      ["long.pdf", await makeA4Batch({ pages: 61, encoding: "vector" }), 413, "TOO_MANY_PAGES"],
      ["enorme.pdf", Buffer.concat([Buffer.from(good), Buffer.alloc(8 * 1024 * 1024 + 300_000)]), 413, "FILE_TOO_LARGE"],
    ];
    // Several parts that are too large only together.
    const half = Buffer.concat([Buffer.from(good), Buffer.alloc(4 * 1024 * 1024)]);
    const together = await upload(examId, [{ data: half, name: "a.pdf" }, { data: half, name: "b.pdf" }]);
    expect([together.status, together.body.error.code]).toEqual([413, "FILE_TOO_LARGE"]);
    await expectNothingStored(examId);
    // A part whose header busboy cannot parse: answered at once, not left hanging.
    const malformed = await admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf)
      .set("Content-Type", "multipart/form-data; boundary=XX")
      .send(Buffer.from('--XX\r\nContent-Disposition: form-data; name="file"; filename="a\u0007.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4\r\n--XX--\r\n'));
    expect([malformed.status, malformed.body.error.code]).toEqual([400, "MALFORMED_UPLOAD"]);
    await expectNothingStored(examId);
    for (const [name, data, status, code] of cases) {
      const res = await upload(examId, [{ data, name }]);
      expect({ name, status: res.status, code: res.body.error?.code }).toEqual({ name, status, code });
      expect(res.body.error.message).toMatch(/[a-zé]/);
      await expectNothingStored(examId);
    }
  });

  it("refuses a request that is not multipart, and an upload with no file", async () => {
    const examId = await createExam();
    const json = await admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf).send({ file: "x" });
    expect(json.status).toBe(415);
    const empty = await admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf).field("note", "rien");
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe("NO_FILE");
    await expectNothingStored(examId);
  });
});

describe("A4 batches", () => {
  let examId: string;
  let batchId: string;
  let batchPdf: Uint8Array;

  it("turns a 3-copy batch into 3 booklets and 12 upright page images in order", async () => {
    examId = await createExam();
    batchPdf = await makeA4Batch({ pages: 12, rotate180: [5] });
    const res = await upload(examId, [{ data: batchPdf, name: "DS3 2nde B.pdf" }]).expect(201);
    batchId = res.body.batch.id;
    expect(res.body).toMatchObject({ duplicate: false, batch: { scanPageCount: 12, originalName: "DS3 2nde B.pdf" } });
    const batch = await waitForBatch(batchId);
    expect(batch).toMatchObject({ status: "DONE", pagesTotal: 12, pagesDone: 12, pagesFailed: 0 });
    const { body } = await admin.agent.get(`/api/scans/${batchId}/progress`).expect(200);
    expect(body.progress).toEqual({ id: batchId, status: "DONE", stage: null, scanPageCount: 12, pagesTotal: 12, pagesDone: 12, pagesFailed: 0, error: null });
    await foreignTeacher.agent.get(`/api/scans/${batchId}/progress`).expect(403);
    expect(batch.booklets.map((b: { pages: unknown[] }) => b.pages.length)).toEqual([4, 4, 4]);
    expect(await env.ctx.db.page.count({ where: { batchId } })).toBe(12);

    const pages = await env.ctx.db.page.findMany({ where: { batchId }, orderBy: { scanPageIndex: "asc" } });
    expect(await filesIn(path.join("pages"))).toHaveLength(24); // one image and one thumbnail per page
    for (const page of pages) {
      const image = await sharp(path.join(dataDir, page.imagePath!)).metadata();
      expect(Math.max(image.width!, image.height!)).toBeLessThanOrEqual(2400);
      expect(image.height!).toBeGreaterThan(image.width!); // upright A4 portrait
      expect(await readPageLabel(await sharp(path.join(dataDir, page.imagePath!)).toBuffer())).toBe(page.scanPageIndex + 1);
      const thumb = await sharp(path.join(dataDir, page.thumbPath!)).metadata();
      expect(Math.max(thumb.width!, thumb.height!)).toBe(300);
    }
  });

  it("returns the existing batch when the same file is uploaded again", async () => {
    const again = await upload(examId, [{ data: batchPdf, name: "encore.pdf" }]).expect(200);
    expect(again.body).toMatchObject({ duplicate: true, batch: { id: batchId } });
    expect(await env.ctx.db.scanBatch.count({ where: { examId } })).toBe(1);
  });

  it("serves page images only to the school's admins and the exam's graders", async () => {
    const page = await env.ctx.db.page.findFirstOrThrow({ where: { batchId } });
    await teacher.agent.get(`/api/pages/${page.id}/image`).expect(404);
    const grader = await env.ctx.db.user.findUniqueOrThrow({ where: { email: teacherEmail } });
    await env.ctx.db.examGrader.create({ data: { examId, userId: grader.id } });
    await admin.agent.get(`/api/pages/${page.id}/thumb`).expect(200);
    const res = await teacher.agent.get(`/api/pages/${page.id}/image`).expect(200);
    expect(res.headers["content-type"]).toBe("image/jpeg");
    expect(res.headers["cache-control"]).toBe("private, max-age=300");
    expect(res.headers.etag).toBeTruthy();
    await teacher.agent.get(`/api/pages/${page.id}/image`).set("If-None-Match", res.headers.etag!).expect(304);
    await teacher.agent.get(`/api/pages/${page.id}/thumb`).expect(200).expect("content-type", "image/jpeg");
    const foreign = await foreignTeacher.agent.get(`/api/pages/${page.id}/image`);
    expect(foreign.status).toBe(404);
    await request(env.app).get(`/api/pages/${page.id}/image`).expect(401);
  });

  it("hands the file to nginx with X-Accel-Redirect when configured", async () => {
    const page = await env.ctx.db.page.findFirstOrThrow({ where: { batchId } });
    const behindNginx = createApp({ ...env.ctx, config: { ...env.config, MEDIA_X_ACCEL: true } });
    const client = await staffClient(behindNginx, teacherEmail);
    const res = await client.agent.get(`/api/pages/${page.id}/image`).expect(200);
    expect(res.headers["x-accel-redirect"]).toBe(`/_protected/${page.imagePath}`);
    expect(res.headers["cache-control"]).toBe("private, max-age=300");
    expect(res.headers["content-type"]).toBe("image/jpeg");
    expect(Number(res.headers["content-length"] ?? 0)).toBe(0);
  });

  it("accepts a PDF with only permission restrictions and reads its pages", async () => {
    const otherExam = await createExam();
    const res = await upload(otherExam, [{ data: await encrypted(await makeA4Batch({ pages: 4 }), ""), name: "copieur.pdf" }]).expect(201);
    const batch = await waitForBatch(res.body.batch.id);
    expect(batch).toMatchObject({ status: "DONE", pagesDone: 4 });
    const page = await env.ctx.db.page.findFirstOrThrow({ where: { batchId: batch.id, scanPageIndex: 2 } });
    expect(await readPageLabel(await sharp(path.join(dataDir, page.imagePath!)).toBuffer())).toBe(3);
  });

  it("finds no unreferenced file after a clean run", async () => {
    expect(await cleanupStorage(env.ctx, { dryRun: true })).toEqual([]);
    await writeFile(path.join(dataDir, "pages", "stray.jpg"), "x");
    expect(await cleanupStorage(env.ctx, { dryRun: true })).toEqual([path.join("pages", "stray.jpg")]);
    expect(await cleanupStorage(env.ctx, { dryRun: false })).toHaveLength(1);
    expect(await cleanupStorage(env.ctx, { dryRun: true })).toEqual([]);
  });
});

describe("A3 copies doubles", () => {
  it("cuts recto [P4 | P1] and verso [P2 | P3] into P1 P2 P3 P4", async () => {
    const examId = await createExam({ layout: "A3_DOUBLE", pagesPerCopy: 4 });
    const res = await upload(examId, [{ data: await makeA3Batch({ sheets: 2 }), name: "bac-blanc.pdf" }]).expect(201);
    const batch = await waitForBatch(res.body.batch.id);
    expect(batch).toMatchObject({ status: "DONE", scanPageCount: 4, pagesTotal: 8 });
    const booklets = await env.ctx.db.booklet.findMany({ where: { batchId: batch.id }, orderBy: { index: "asc" }, include: { pages: { orderBy: { position: "asc" } } } });
    const labels = [];
    for (const booklet of booklets) {
      for (const page of booklet.pages) labels.push(await readPageLabel(await sharp(path.join(dataDir, page.imagePath!)).toBuffer()));
    }
    expect(labels).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it("flags a batch whose pages contradict the layout, and cuts it once the layout is fixed", async () => {
    const examId = await createExam({ layout: "A3_DOUBLE", pagesPerCopy: 4 });
    const res = await upload(examId, [{ data: await makeA4Batch({ pages: 8 }), name: "a4.pdf" }]).expect(201);
    const failed = await waitForBatch(res.body.batch.id);
    expect(failed.status).toBe("FAILED");
    expect(failed.error).toContain("portrait");
    expect(await env.ctx.db.booklet.count({ where: { batchId: failed.id } })).toBe(0);
    await admin.agent.patch(`/api/exams/${examId}`).set("X-CSRF-Token", admin.csrf).send({ layout: "A4_BATCH" }).expect(200);
    await admin.agent.post(`/api/scans/${failed.id}/retry`).set("X-CSRF-Token", admin.csrf).expect(202);
    const done = await waitForBatch(failed.id);
    expect(done).toMatchObject({ status: "DONE", layout: "A4_BATCH", pagesTotal: 8 });
    expect(done.booklets).toHaveLength(2);
  });
});

describe("individual files", () => {
  it("makes one booklet per uploaded PDF, keeping its name", async () => {
    const examId = await createExam({ layout: "INDIVIDUAL_FILES" });
    const res = await upload(examId, [
      { data: await makeA4Batch({ pages: 2 }), name: "DUPONT Léa.pdf" },
      { data: await makeA4Batch({ pages: 3, encoding: "flate" }), name: "MARTIN Tom.pdf" },
    ]).expect(201);
    const batch = await waitForBatch(res.body.batch.id);
    expect(batch.status).toBe("DONE");
    expect(batch.booklets.map((b: { sourceName: string; pages: unknown[] }) => [b.sourceName, b.pages.length])).toEqual([
      ["DUPONT Léa.pdf", 2],
      ["MARTIN Tom.pdf", 3],
    ]);
  });

  it("refuses several files for an exam that expects one batch PDF", async () => {
    const examId = await createExam();
    const scansBefore = await filesIn("scans");
    const res = await upload(examId, [
      { data: await makeA4Batch({ pages: 1 }), name: "a.pdf" },
      { data: await makeA4Batch({ pages: 1, encoding: "flate" }), name: "b.pdf" },
    ]);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("ONE_FILE_EXPECTED");
    await expectNothingStored(examId, scansBefore);
  });
});
