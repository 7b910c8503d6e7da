// Broken and hostile PDFs through the real upload route of an exam (POST /api/exams/:id/scans)
// and, for those only a page's conversion can see, the real worker running in this process with
// its page threads. A refused upload answers a 4xx with a sentence naming the file, in the one
// JSON error shape, and leaves no row and no file; a page the worker refuses fails its batch
// with the page's reason, and nothing of it can become a copy. The service stays healthy.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gradeCopies } from "../graded-factory.js";
import { createSchool, createStaff, createStudent, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../harness.js";
import { filesUnder } from "../files.js";
import { makeA4Batch } from "../scan-factory.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";
import {
  activeContentIn,
  activeContentPdf,
  contentBombPdf,
  encryptedPdf,
  fontBombPdf,
  garbageAfterHeader,
  GIB,
  hugeImagePdf,
  inlineImageBombPdf,
  joinPdfs,
  manyTinyPages,
  pngPicture,
  truncatedWithEof,
  unrepairableXref,
} from "./bad-files.js";

let env: TestEnv;
let dataDir: string;
let worker: RunningWorker;
let admin: Client;
let schoolId: string;
let teacherId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-bad-pdf-"));
  // The default size and page limits (500 MB, 2 000 pages), the ones a school runs with; the time
  // allowed to the structural check is cut from 60 s so that the bomb it stops costs 5 s here.
  env = await createTestEnv({ DATA_DIR: dataDir, SCAN_CHECK_SECONDS: "5" });
  schoolId = (await createSchool(env.ctx)).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  teacherId = (await createStaff(env.ctx, schoolId, "TEACHER")).id;
  worker = await startWorker(env.ctx);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await env?.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function createExam(body: Record<string, unknown> = {}) {
  const res = await admin.agent.post("/api/exams").set("X-CSRF-Token", admin.csrf)
    .send({ title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH", ...body }).expect(201);
  return res.body.exam.id as string;
}

interface Upload {
  data: Uint8Array;
  name: string;
}

/** The files as a browser sends them: each part named *.pdf and typed application/pdf, whatever it holds. */
function upload(examId: string, files: Upload[]) {
  const req = admin.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", admin.csrf);
  for (const f of files) req.attach("file", Buffer.from(f.data), { filename: f.name, contentType: "application/pdf" });
  return req;
}

async function rowCounts() {
  const [batches, booklets, pages, copies, uploads] = await Promise.all([
    env.ctx.db.scanBatch.count(),
    env.ctx.db.booklet.count(),
    env.ctx.db.page.count(),
    env.ctx.db.copy.count(),
    env.ctx.db.auditLog.count({ where: { action: "scan.uploaded" } }),
  ]);
  return { batches, booklets, pages, copies, uploads };
}

/** Live and ready (database, migrations, Redis and this worker's heartbeat). */
async function expectHealthy() {
  await admin.agent.get("/api/health/live").expect(200);
  const ready = await admin.agent.get("/api/health/ready");
  expect({ status: ready.status, body: ready.body.status }).toEqual({ status: 200, body: "ready" });
}

interface Refusal {
  status: number;
  code: string;
  message: RegExp;
}

/** Refused in the one error shape with a sentence naming the file; no row, no file; still healthy. */
async function expectRefused(examId: string, files: Upload[], expected: Refusal) {
  const [filesBefore, rowsBefore] = await Promise.all([filesUnder(dataDir), rowCounts()]);
  const res = await upload(examId, files);
  expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: expected.status, code: expected.code });
  expect(res.body.error).toEqual({ code: expected.code, message: expect.stringMatching(expected.message), requestId: expect.any(String) });
  // Written for the admin: no tool name, no stack, no English error text.
  expect(res.body.error.message).not.toMatch(/qpdf|pdfimages|poppler|Error|exception|undefined|\bat \S+\.ts/i);
  expect(await filesUnder(dataDir)).toEqual(filesBefore);
  expect(await rowCounts()).toEqual(rowsBefore);
  await expectHealthy();
}

const batchOf = async (batchId: string) => (await admin.agent.get(`/api/scans/${batchId}`).expect(200)).body.batch;
const settled = (batchId: string) => waitFor(() => batchOf(batchId), (b) => b.status === "DONE" || b.status === "FAILED", 90_000);

/** A batch the worker converted and whose identification (header reading) is over: no job left on it. */
async function uploadGood(examId: string, pages = 2) {
  const res = await upload(examId, [{ data: await makeA4Batch({ pages, dpi: 100 }), name: "lot.pdf" }]).expect(201);
  const batch = await settled(res.body.batch.id);
  expect(batch.status).toBe("DONE");
  const booklets = await waitFor(() => env.ctx.db.booklet.findMany({ where: { batchId: batch.id } }), (bs) => bs.length > 0 && bs.every((b) => b.status !== "READING"), 90_000);
  expect(booklets.every((b) => b.status !== "READING")).toBe(true);
  return batch;
}

describe("refused at upload", () => {
  it("refuses each broken or hostile PDF with a clear 4xx, keeping no row and no file, and stays healthy", async () => {
    const examId = await createExam();
    const good = await makeA4Batch({ pages: 2, dpi: 100 });
    const cases: [name: string, data: () => Promise<Uint8Array> | Uint8Array, expected: Refusal][] = [
      ["vide.pdf", () => Buffer.alloc(0), { status: 415, code: "NOT_A_PDF", message: /^« vide\.pdf » n'est pas un fichier PDF\./ }],
      ["photo.pdf", pngPicture, { status: 415, code: "NOT_A_PDF", message: /^« photo\.pdf » n'est pas un fichier PDF\./ }],
      ["bruit.pdf", () => garbageAfterHeader(), { status: 422, code: "PDF_MALFORMED", message: /^« bruit\.pdf » n'est pas un PDF lisible : il est endommagé ou mal formé\.$/ }],
      ["xref.pdf", unrepairableXref, { status: 422, code: "PDF_MALFORMED", message: /^« xref\.pdf » n'est pas un PDF lisible/ }],
      ["coupe.pdf", truncatedWithEof, { status: 422, code: "PDF_MALFORMED", message: /^« coupe\.pdf » n'est pas un PDF lisible/ }],
      ["rc4.pdf", () => encryptedPdf(good, "secret", 40), { status: 422, code: "PDF_ENCRYPTED", message: /^« rc4\.pdf » est protégé par un mot de passe : enregistrez-le sans protection/ }],
      ["aes128.pdf", () => encryptedPdf(good, "secret", 128), { status: 422, code: "PDF_ENCRYPTED", message: /^« aes128\.pdf » est protégé par un mot de passe/ }],
      ["formulaire.pdf", () => hugeImagePdf({ width: 100_000, height: 100_000, where: "form" }), { status: 422, code: "PDF_IMAGE_TOO_LARGE", message: /^« formulaire\.pdf » : la page 1 déclare une image de 100000 × 100000 pixels/ }],
      // 50 KiB whose content stream inflates to 4 GiB: pdfimages, reading it, runs out of time.
      ["bombe.pdf", () => contentBombPdf(4 * GIB), { status: 422, code: "PDF_TOO_COMPLEX", message: /^« bombe\.pdf » est trop complexe à analyser : ce fichier n'est pas accepté\.$/ }],
      ["5000-pages.pdf", () => manyTinyPages(5000), { status: 413, code: "TOO_MANY_PAGES", message: /^« 5000-pages\.pdf » compte 5000 pages, plus que les 2000 acceptées en un envoi : découpez-le\.$/ }],
    ];
    for (const [name, data, expected] of cases) await expectRefused(examId, [{ name, data: await data() }], expected);
    // And the next ordinary upload goes through, converted by the same worker.
    await uploadGood(examId);
  }, 120_000);

  it("refuses a set of individual copies when one of them is hostile, keeping none of the others", async () => {
    const examId = await createExam({ layout: "INDIVIDUAL_FILES" });
    const files = [
      { name: "DUPONT Léa.pdf", data: await makeA4Batch({ pages: 2, dpi: 100 }) },
      { name: "MARTIN Noé.pdf", data: await encryptedPdf(await makeA4Batch({ pages: 2, dpi: 100 }), "secret", 256) },
    ];
    await expectRefused(examId, files, { status: 422, code: "PDF_ENCRYPTED", message: /^« MARTIN Noé\.pdf » est protégé par un mot de passe/ });
  });

  it("refuses individual copies whose pages together pass the limit, though each file is under it", async () => {
    const examId = await createExam({ layout: "INDIVIDUAL_FILES" });
    const part = await manyTinyPages(800);
    const files = [1, 2, 3].map((n) => ({ name: `partie-${n}.pdf`, data: part.slice() }));
    // Distinct bytes, so that the upload is not taken for a copy of an earlier one.
    files.forEach((f, i) => (f.data = Buffer.concat([Buffer.from(f.data), Buffer.from(`\n% ${i}\n`)])));
    await expectRefused(examId, files, { status: 413, code: "TOO_MANY_PAGES", message: /^L'envoi compte 2400 pages, plus que les 2000 acceptées : découpez-le\.$/ });
  });
});

describe("the page limit, at its edge", () => {
  it("stores 2 000 pages for the worker (the API only counts them) and refuses 2 001", async () => {
    // An API of its own with no worker: the point is what the upload does, not 2 000 conversions.
    const dir = await mkdtemp(path.join(tmpdir(), "korrigo-bad-pdf-edge-"));
    const edge = await createTestEnv({ DATA_DIR: dir });
    try {
      const school = await createSchool(edge.ctx);
      const client = await staffClient(edge.app, (await createStaff(edge.ctx, school.id, "ADMIN")).email);
      const exam = await client.agent.post("/api/exams").set("X-CSRF-Token", client.csrf)
        .send({ title: "Bac blanc", subject: "Maths", date: "2026-11-20", classNames: ["Tle A"], pagesPerCopy: 4, layout: "A4_BATCH" }).expect(201);
      const send = async (pages: number) =>
        client.agent.post(`/api/exams/${exam.body.exam.id}/scans`).set("X-CSRF-Token", client.csrf)
          .attach("file", Buffer.from(await manyTinyPages(pages)), { filename: `${pages}.pdf`, contentType: "application/pdf" });
      const over = await send(2001);
      expect([over.status, over.body.error.code]).toEqual([413, "TOO_MANY_PAGES"]);
      expect(await filesUnder(dir)).toEqual([]);
      const atLimit = await send(2000);
      expect(atLimit.status).toBe(201);
      expect(atLimit.body.batch).toMatchObject({ status: "UPLOADED", scanPageCount: 2000, pagesTotal: 0 });
      expect(await filesUnder(dir)).toEqual([path.join("scans", school.id, `${atLimit.body.batch.id}.pdf`)]);
    } finally {
      await edge.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe("hostile pages only their conversion can see", () => {
  let examId: string;
  let batchId: string;
  const hostile = { doubleFlate: 2, lzw: 4, inline: 5, unusedImage: 6 };

  it("fails the batch with each refused page's reason, the bomb never inflated, the worker alive", async () => {
    examId = await createExam();
    const one = () => makeA4Batch({ pages: 1, dpi: 100 });
    // Pages of a few KiB to 800 KiB that inflate to gigabytes in the renderer, where nothing at
    // upload looks: an embedded font file behind two Flate layers or behind LZW, an inline image,
    // and an image declared 100 000 × 100 000 that no content draws.
    const pdf = await joinPdfs([
      await makeA4Batch({ pages: 2, dpi: 100 }),
      await fontBombPdf("double-flate"),
      await one(),
      await fontBombPdf("lzw"),
      await inlineImageBombPdf(4 * GIB),
      await hugeImagePdf({ width: 100_000, height: 100_000, where: "unused" }),
      await one(),
    ]);
    expect(pdf.length).toBeLessThan(2 * 1024 * 1024);
    const res = await upload(examId, [{ data: pdf, name: "piege.pdf" }]);
    expect(res.status).toBe(201); // nothing the upload's checks can see
    batchId = res.body.batch.id;
    const batch = await settled(batchId);
    expect(batch).toMatchObject({ status: "FAILED", pagesTotal: 8, pagesDone: 4, pagesFailed: 4, error: "4 page(s) n'ont pas pu être converties : relancez-les." });
    await expectPagesRefused();
    await expectHealthy();
  }, 180_000);

  async function expectPagesRefused() {
    const pages = await env.ctx.db.page.findMany({ where: { batchId }, orderBy: { scanPageIndex: "asc" } });
    const inflated = "Un flux compressé de la page se décompresse au-delà de la taille attendue (268 435 456 octets) : fichier refusé.";
    expect(pages.map((p) => [p.scanPageIndex, p.status, p.error])).toEqual([
      [0, "DONE", null],
      [1, "DONE", null],
      [hostile.doubleFlate, "FAILED", inflated],
      [3, "DONE", null],
      [hostile.lzw, "FAILED", inflated],
      [hostile.inline, "FAILED", inflated],
      [hostile.unusedImage, "FAILED", "La page déclare une image de 100 000 × 100 000 pixels : fichier refusé."],
      [7, "DONE", null],
    ]);
    // No image was ever written for a refused page.
    expect(pages.filter((p) => p.status === "FAILED").every((p) => p.imagePath === null && p.thumbPath === null)).toBe(true);
    expect((await filesUnder(dataDir)).filter((f) => f.includes(batchId) && f.startsWith("pages"))).toHaveLength(2 * 4);
  }

  it("fails the same way when the pages are retried: the refusal is for good, and the worker takes it again", async () => {
    await admin.agent.post(`/api/scans/${batchId}/retry`).set("X-CSRF-Token", admin.csrf).expect(202);
    const batch = await settled(batchId);
    expect(batch).toMatchObject({ status: "FAILED", pagesDone: 4, pagesFailed: 4 });
    await expectPagesRefused();
  }, 180_000);

  it("keeps every refused page out of the copies, whatever the admin does on the desk", async () => {
    const post = (url: string, body: object = {}) => admin.agent.post(url).set("X-CSRF-Token", admin.csrf).send(body);
    const booklets = await env.ctx.db.booklet.findMany({ where: { batchId }, orderBy: { index: "asc" }, include: { pages: { orderBy: { position: "asc" } } } });
    // The failed batch was never sent to identification: no booklet was read, none is a copy.
    expect(booklets.map((b) => [b.index, b.status, b.copyId])).toEqual([[1, "READING", null], [2, "READING", null], [3, "READING", null], [4, "READING", null]]);
    expect(await env.ctx.db.copy.count({ where: { examId } })).toBe(0);
    const [whole, withBomb, allBombs] = booklets as [(typeof booklets)[0], (typeof booklets)[0], (typeof booklets)[0]];
    const student = async () => (await createStudent(env.ctx, schoolId)).id;

    // Identifying a booklet holding a refused page is refused, with the page named.
    for (const booklet of [withBomb, allBombs]) {
      const res = await post(`/api/booklets/${booklet.id}/identify`, { studentId: await student() });
      expect({ index: booklet.index, status: res.status, code: res.body.error?.code }).toEqual({ index: booklet.index, status: 409, code: "PAGES_NOT_CONVERTED" });
      expect(res.body.error.message).toMatch(/^La page \d+ du scan n'a pas pu être convertie : relancez sa conversion, ou écartez-la/);
    }
    // A whole booklet becomes a copy; refused pages cannot be merged or moved into it afterwards.
    await post(`/api/booklets/${whole.id}/identify`, { studentId: await student() }).expect(200);
    expect((await post(`/api/booklets/${whole.id}/merge`, { bookletId: allBombs.id })).body.error?.code).toBe("PAGES_NOT_CONVERTED");
    const bombPage = withBomb.pages.find((p) => p.status === "FAILED")!;
    expect((await post(`/api/desk/pages/${bombPage.id}/move`, { bookletId: whole.id, position: 1 })).body.error?.code).toBe("PAGES_NOT_CONVERTED");
    // The way out: set the refused page aside, then the rest of its booklet is a copy; the page
    // cannot come back into it.
    await post(`/api/desk/pages/${bombPage.id}/discard`).expect(200);
    await post(`/api/booklets/${withBomb.id}/identify`, { studentId: await student() }).expect(200);
    expect((await post(`/api/desk/pages/${bombPage.id}/restore`)).body.error?.code).toBe("PAGES_NOT_CONVERTED");

    const inCopies = await env.ctx.db.page.findMany({ where: { batchId, discardedAt: null, booklet: { copyId: { not: null } } } });
    expect(inCopies.map((p) => [p.scanPageIndex, p.status])).toEqual([[0, "DONE"], [1, "DONE"], [3, "DONE"]]);
    expect(await env.ctx.db.copy.count({ where: { examId } })).toBe(2);
  });

  it("converts the next ordinary batch: the worker survived every refusal", async () => {
    await uploadGood(await createExam(), 2);
    await expectHealthy();
  }, 120_000);
});

describe("active content", () => {
  it("accepts a scan carrying JavaScript, launch actions and an embedded file, and hands out none of it", async () => {
    const examId = await createExam({ pagesPerCopy: 4 });
    await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf)
      .send({ questions: [{ label: "Exercice 1", maxPoints: 20 }], reportScale: 20 }).expect(200);
    const source = await activeContentPdf(4);
    // What the file carries, found by the same search that must find nothing in what Korrigo hands out.
    expect(await activeContentIn(source)).toEqual(expect.arrayContaining(["/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "script text"]));

    // Decision: such a file is accepted (a scan tool or a student's PDF may carry scripts); it is
    // never run (pages become JPEG pixels) and never copied into a file anyone downloads.
    const res = await upload(examId, [{ data: source, name: "scan-avec-script.pdf" }]).expect(201);
    const done = await settled(res.body.batch.id);
    expect(done).toMatchObject({ status: "DONE", pagesDone: 4, pagesFailed: 0 });

    const pages = await env.ctx.db.page.findMany({ where: { batchId: done.id } });
    for (const page of pages) {
      for (const file of [page.imagePath!, page.thumbPath!]) {
        const bytes = await readFile(path.join(dataDir, file));
        expect((await sharp(bytes).metadata()).format).toBe("jpeg");
        expect(bytes.includes("JavaScript")).toBe(false);
      }
    }

    const booklet = await waitFor(() => env.ctx.db.booklet.findFirstOrThrow({ where: { batchId: done.id } }), (b) => b.status !== "READING", 90_000);
    const student = await createStudent(env.ctx, schoolId);
    await admin.agent.post(`/api/booklets/${booklet.id}/identify`).set("X-CSRF-Token", admin.csrf).send({ studentId: student.id }).expect(200);
    const copy = await env.ctx.db.copy.findFirstOrThrow({ where: { examId, studentId: student.id } });
    const [graded] = await gradeCopies(env.ctx, { graderId: teacherId, copyIds: [copy.id] });
    const pdf = await readFile(path.join(dataDir, graded!.storagePath));
    expect(await activeContentIn(pdf)).toEqual([]);
    // The scan pages themselves are there, and the summary after them.
    expect((await PDFDocument.load(pdf)).getPageCount()).toBe(5);
  }, 180_000);
});
