// Identification end to end: generated scans uploaded through the API, converted and read by
// a worker in this process (QR codes, OCR), then checked on the desk's view and in the rows.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { makeCoverBatch } from "../../test/cover-factory.js";
import { frenchClass, makeHeaderBatch } from "../../test/header-factory.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";

let env: TestEnv;
let dataDir: string;
let worker: RunningWorker;
let admin: Client;
let schoolId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-identify-"));
  env = await createTestEnv({ DATA_DIR: dataDir, OCR_THREADS: "2" });
  schoolId = (await createSchool(env.ctx)).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  worker = await startWorker(env.ctx);
}, 60_000);
afterAll(async () => {
  await worker.close();
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

const post = (url: string) => admin.agent.post(url).set("X-CSRF-Token", admin.csrf);

async function createExam(className: string, layout: "A4_BATCH" | "A3_DOUBLE", pagesPerCopy: number) {
  const res = await post("/api/exams").send({ title: `DS ${className}`, subject: "Maths", date: "2026-11-20", classNames: [className], pagesPerCopy, layout }).expect(201);
  return res.body.exam.id as string;
}

async function addStudents(className: string, students: { lastName: string; firstName: string; birthDate: string }[]) {
  const ids: string[] = [];
  for (const s of students) {
    const row = await env.ctx.db.student.create({ data: { schoolId, login: `${className}-${s.lastName}-${s.firstName}-${ids.length}`, lastName: s.lastName, firstName: s.firstName, birthDate: new Date(s.birthDate), className } });
    ids.push(row.id);
  }
  return ids;
}

async function upload(url: string, pdf: Uint8Array, name = "lot.pdf") {
  const res = await post(url).attach("file", Buffer.from(pdf), name);
  expect([201, 202]).toContain(res.status);
  return res.body.batch.id as string;
}

type Desk = { summary: { reading: number }; booklets: { id: string; status: string; method: string | null; studentId: string | null; suggestions: { studentId: string; confidence: number }[]; pages: { id: string; position: number; cover: boolean }[] }[] };

async function settledDesk(examId: string, done: (desk: Desk) => boolean, timeoutMs: number): Promise<Desk> {
  const desk = await waitFor(async () => (await admin.agent.get(`/api/exams/${examId}/identification`).expect(200)).body as Desk, (d) => d.booklets.length > 0 && d.summary.reading === 0 && done(d), timeoutMs);
  return desk;
}

describe("QR cover sheets", () => {
  it("splits a scan at its cover sheets into copies of 2, 4 and 6 pages and identifies all of them, then attaches a late sheet", async () => {
    const examId = await createExam("2nde QR", "A4_BATCH", 4);
    const students = await addStudents("2nde QR", [
      { lastName: "ABADIE", firstName: "Léa", birthDate: "2010-02-01" },
      { lastName: "BERNARD", firstName: "Tom", birthDate: "2010-03-02" },
      { lastName: "CHEVALIER", firstName: "Inès", birthDate: "2010-04-03" },
    ]);
    await admin.agent.get(`/api/exams/${examId}/cover-sheets.pdf`).expect(200);
    const token = async (studentId: string) => (await env.ctx.db.coverSheet.findFirstOrThrow({ where: { examId, studentId } })).token;
    const lengths = [2, 4, 6];
    const pdf = await makeCoverBatch([
      { token: await token(students[0]!), pages: 2, firstLabel: 1 },
      { token: await token(students[1]!), pages: 4, firstLabel: 3 },
      { token: await token(students[2]!), pages: 6, firstLabel: 7 },
    ]);
    await upload(`/api/exams/${examId}/scans`, pdf);
    const desk = await settledDesk(examId, (d) => d.booklets.every((b) => b.status === "IDENTIFIED"), 180_000);
    expect(desk.booklets.map((b) => [b.status, b.method, b.studentId])).toEqual(students.map((id) => ["IDENTIFIED", "QR", id]));
    expect(desk.booklets.map((b) => b.pages.filter((p) => !p.cover).length)).toEqual(lengths);
    expect(desk.booklets.map((b) => b.pages.filter((p) => p.cover).length)).toEqual([1, 1, 1]);
    for (const booklet of desk.booklets) {
      const pages = await env.ctx.db.page.findMany({ where: { bookletId: booklet.id, coverToken: null }, orderBy: { position: "asc" } });
      expect(pages.map((p) => p.position)).toEqual(pages.map((_, i) => i + 1));
      expect(pages.map((p) => p.scanPageIndex)).toEqual([...pages.map((p) => p.scanPageIndex)].sort((a, b) => a - b));
    }
    expect(await env.ctx.db.copy.count({ where: { examId, status: "READY" } })).toBe(3);

    // A sheet found later joins the third copy at position 3.
    const last = desk.booklets[2]!;
    const before = await env.ctx.db.page.findMany({ where: { bookletId: last.id, coverToken: null, discardedAt: null }, orderBy: { position: "asc" }, select: { id: true } });
    const lateBatch = await upload(`/api/booklets/${last.id}/late-pages?position=3`, await makeCoverBatch([{ pages: 1, firstLabel: 99 }]), "oubliee.pdf");
    const after = await waitFor(
      () => env.ctx.db.page.findMany({ where: { bookletId: last.id, coverToken: null, discardedAt: null }, orderBy: { position: "asc" }, select: { id: true, batchId: true } }),
      (pages) => pages.length === before.length + 1,
      120_000,
    );
    expect(after.map((p) => p.batchId === lateBatch)).toEqual([false, false, true, false, false, false, false]);
    expect(after.filter((p) => p.batchId !== lateBatch).map((p) => p.id)).toEqual(before.map((p) => p.id));
  }, 240_000);
});

describe("OCR of handwritten headers", () => {
  it("suggests the right student first for free name boxes, and identifies none wrongly", async () => {
    const roster = frenchClass(23, 14, "2nde OCR");
    const ids = await addStudents("2nde OCR", roster);
    const examId = await createExam("2nde OCR", "A4_BATCH", 4);
    const writers = roster.slice(0, 10).map((student) => ({ student }));
    await upload(`/api/exams/${examId}/scans`, await makeHeaderBatch({ kind: "FREE_BOX", copies: writers, seed: 9 }));
    const desk = await settledDesk(examId, () => true, 180_000);
    const expected = roster.slice(0, 10).map((_, i) => ids[i]);
    expect(desk.booklets.map((b) => b.studentId ?? b.suggestions[0]?.studentId)).toEqual(expected);
    const automatic = desk.booklets.filter((b) => b.status === "IDENTIFIED");
    expect(automatic.every((b) => b.studentId === expected[desk.booklets.indexOf(b)])).toBe(true);
    expect(await env.ctx.db.auditLog.count({ where: { action: "identification.booklet_identified_automatically", targetId: { in: automatic.map((b) => b.id) } } })).toBe(automatic.length);
  }, 240_000);

  it("identifies boxed CMEN headers, merging a student's second sheet into the first", async () => {
    const roster = frenchClass(11, 12, "1ere OCR");
    const ids = await addStudents("1ere OCR", roster);
    const examId = await createExam("1ere OCR", "A3_DOUBLE", 4);
    const writers = [0, 3, 5, 8].map((i) => ({ student: roster[i]!, sheets: i === 3 ? 2 : 1 }));
    await upload(`/api/exams/${examId}/scans`, await makeHeaderBatch({ kind: "CMEN", copies: writers, seed: 5 }));
    const desk = await settledDesk(examId, () => true, 180_000);
    expect(desk.booklets).toHaveLength(4);
    const expected = [0, 3, 5, 8].map((i) => ids[i]);
    const top = desk.booklets.map((b) => b.studentId ?? b.suggestions[0]?.studentId);
    expect(top).toEqual(expected);
    expect(desk.booklets[1]!.pages).toHaveLength(8);
  }, 240_000);
});
