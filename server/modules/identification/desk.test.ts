// The identification desk's API against the real database: booklets and readings are written
// as the worker leaves them, then every desk action is exercised through HTTP.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { PDFDocument } from "pdf-lib";
import { createSchool, createStaff, createTestEnv, staffClient, type Client, type TestEnv } from "../../test/harness.js";
import type { Prisma } from "../../lib/db.js";
import type { StoredReading } from "./reading.js";

let env: TestEnv;
let schoolId: string;
let adminId: string;
let admin: Client;
let admin2: Client;
let teacher: Client;
let foreignAdmin: Client;

beforeAll(async () => {
  env = await createTestEnv();
  const school = await createSchool(env.ctx);
  schoolId = school.id;
  const other = await createSchool(env.ctx, "Autre lycée");
  const adminUser = await createStaff(env.ctx, school.id, "ADMIN");
  adminId = adminUser.id;
  admin = await staffClient(env.app, adminUser.email);
  admin2 = await staffClient(env.app, (await createStaff(env.ctx, school.id, "ADMIN")).email);
  teacher = await staffClient(env.app, (await createStaff(env.ctx, school.id, "TEACHER")).email);
  foreignAdmin = await staffClient(env.app, (await createStaff(env.ctx, other.id, "ADMIN")).email);
});
afterAll(async () => {
  await env.close();
});

const CLASS = "2nde B";
const ROSTER = [
  { lastName: "DUPONT", firstName: "Marie", birthDate: "2010-03-14" },
  { lastName: "MARTIN", firstName: "Lucas", birthDate: "2010-07-02" },
  { lastName: "GUÉRIN", firstName: "Ambre", birthDate: "2009-09-08" },
  { lastName: "N'DIAYE", firstName: "Awa", birthDate: "2010-01-25" },
  { lastName: "LEFÈVRE", firstName: "Noé", birthDate: "2010-11-30" },
];

interface Seeded {
  examId: string;
  students: Map<string, string>;
  booklets: string[];
}

let seq = 0;

/** An exam, its class, and one booklet of `pages` converted pages per reading, as the worker leaves them. */
async function seed(readings: (StoredReading | null)[], pages = 4): Promise<Seeded> {
  seq += 1;
  const className = `${CLASS} ${seq}`;
  const exam = await admin.agent.post("/api/exams").set("X-CSRF-Token", admin.csrf)
    .send({ title: `DS ${seq}`, subject: "Maths", date: "2026-11-20", classNames: [className], pagesPerCopy: pages, layout: "A4_BATCH" }).expect(201);
  const examId = exam.body.exam.id as string;
  const students = new Map<string, string>();
  for (const s of ROSTER) {
    const row = await env.ctx.db.student.create({ data: { schoolId, login: `e${seq}-${s.lastName}-${Math.random()}`, lastName: s.lastName, firstName: s.firstName, birthDate: new Date(s.birthDate), className } });
    students.set(s.lastName, row.id);
  }
  const batch = await env.ctx.db.scanBatch.create({
    data: { schoolId, examId, status: "DONE", originalName: `lot-${seq}.pdf`, storagePath: "scans/x.pdf", sha256: `sha-${seq}-${Math.random()}`, sizeBytes: 1, layout: "A4_BATCH", pageCount: readings.length * pages, uploadedById: adminId },
  });
  const booklets: string[] = [];
  for (const [i, reading] of readings.entries()) {
    const booklet = await env.ctx.db.booklet.create({
      data: { schoolId, examId, batchId: batch.id, index: i + 1, warnings: [], status: reading ? "READING" : "PENDING", ...(reading ? { reading: reading as Prisma.InputJsonObject } : {}) },
    });
    await env.ctx.db.page.createMany({
      data: Array.from({ length: pages }, (_, p) => ({ schoolId, batchId: batch.id, bookletId: booklet.id, scanPageIndex: i * pages + p, position: p + 1, status: "DONE" as const, imagePath: `pages/${i}-${p}.jpg`, thumbPath: `pages/${i}-${p}.thumb.jpg` })),
    });
    booklets.push(booklet.id);
  }
  return { examId, students, booklets };
}

const header = (lastName: string, firstName: string | null, birthDate: string | null): StoredReading => ({ header: { lastName, firstName, birthDate, sheet: null, text: null } });

const post = (client: Client, url: string, body: object = {}) => client.agent.post(url).set("X-CSRF-Token", client.csrf).send(body);
const view = async (examId: string) => (await admin.agent.get(`/api/exams/${examId}/identification`).expect(200)).body;
const rerun = (examId: string) => post(admin, `/api/exams/${examId}/identification/rerun`).expect(200);
const pagesOf = async (bookletId: string) =>
  (await env.ctx.db.page.findMany({ where: { bookletId, discardedAt: null }, orderBy: { position: "asc" }, select: { id: true, position: true, scanPageIndex: true } }));

describe("suggestions and automatic identification", () => {
  it("identifies clear readings without a click and leaves the rest on the desk with its suggestions", async () => {
    const { examId, students, booklets } = await seed([header("DUPONT", "MARIE", "14032010"), header("M4RT", null, null), { error: "illisible" }]);
    const result = (await rerun(examId)).body;
    expect(result.decided).toBe(3);
    const desk = await view(examId);
    const [clear, fuzzy, unread] = booklets.map((id) => desk.booklets.find((b: { id: string }) => b.id === id));
    expect(clear.status).toBe("IDENTIFIED");
    expect(clear.method).toBe("OCR");
    expect(clear.studentId).toBe(students.get("DUPONT"));
    expect(clear.copy.anonymousCode).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
    expect(fuzzy.status).toBe("PENDING");
    expect(fuzzy.suggestions[0].studentId).toBe(students.get("MARTIN"));
    expect(fuzzy.suggestions.length).toBeLessThanOrEqual(3);
    expect(unread.status).toBe("PENDING");
    expect(unread.suggestions).toEqual([]);
    expect(desk.summary).toMatchObject({ booklets: 3, identified: 1, pending: 2 });
    expect(desk.students.find((s: { id: string }) => s.id === students.get("DUPONT")).copyId).toBe(clear.copy.id);
  });

  it("merges a continuation sheet (Copie n° 2 / 2) into the sheet before it, and keeps an ambiguous one on the desk", async () => {
    const sheet = (k: number, n: number, last: string, first: string, date: string): StoredReading => ({ header: { lastName: last, firstName: first, birthDate: date, sheet: { k, n }, text: null } });
    const { examId, students, booklets } = await seed([
      sheet(1, 2, "GUERIN", "AMBRE", "08092009"),
      sheet(2, 2, "GU RIN", "AMBRE", "08092009"),
      sheet(2, 2, "MARTIN", "LUCAS", "02072010"),
    ]);
    await rerun(examId);
    const desk = await view(examId);
    expect(desk.booklets.map((b: { id: string }) => b.id)).toEqual([booklets[0], booklets[2]]);
    const [first, orphan] = desk.booklets;
    expect(first.studentId).toBe(students.get("GUÉRIN"));
    expect(first.pages.map((p: { position: number }) => p.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(orphan.status).toBe("PENDING");
    expect(orphan.warnings.join(" ")).toContain("Feuille 2 / 2");
  });

  it("re-run after a roster fix gives the unmatched booklet the new student as top suggestion, without reading again", async () => {
    const { examId, booklets } = await seed([header("ZIDANE", "INES", null)]);
    await rerun(examId);
    const before = (await view(examId)).booklets[0];
    expect(before.status).toBe("PENDING");
    const exam = await env.ctx.db.exam.findUniqueOrThrow({ where: { id: examId } });
    const added = await env.ctx.db.student.create({ data: { schoolId, login: `zidane-${Math.random()}`, lastName: "ZIDANE", firstName: "Inès", className: exam.classNames[0]! } });
    await rerun(examId);
    const after = (await view(examId)).booklets.find((b: { id: string }) => b.id === booklets[0]);
    expect(after.suggestions[0].studentId).toBe(added.id);
    expect(after.suggestions[0].confidence).toBeGreaterThan(before.suggestions[0]?.confidence ?? 0);
  });
});

describe("desk actions", () => {
  let s: Seeded;
  beforeEach(async () => {
    s = await seed([null, null, null, null]);
  });

  it("is for the school's admins only", async () => {
    await teacher.agent.get(`/api/exams/${s.examId}/identification`).expect(403);
    await foreignAdmin.agent.get(`/api/exams/${s.examId}/identification`).expect(404);
    await post(foreignAdmin, `/api/booklets/${s.booklets[0]}/identify`, { studentId: s.students.get("DUPONT") }).expect(404);
    await post(admin, `/api/booklets/${s.booklets[0]}/identify`, { studentId: "not-a-uuid" }).expect(400);
  });

  it("confirms a booklet into a READY copy, refuses a second copy for the same student, and changes only on purpose", async () => {
    const [b1, b2] = s.booklets;
    const res = await post(admin, `/api/booklets/${b1}/identify`, { studentId: s.students.get("DUPONT") }).expect(200);
    expect(res.body.booklets[0]).toMatchObject({ status: "IDENTIFIED", method: "MANUAL", studentId: s.students.get("DUPONT") });
    const copy = await env.ctx.db.copy.findFirstOrThrow({ where: { examId: s.examId } });
    expect(copy.status).toBe("READY");

    const clash = await post(admin, `/api/booklets/${b2}/identify`, { studentId: s.students.get("DUPONT") }).expect(409);
    expect(clash.body.error.message).toContain("Marie DUPONT a déjà une copie");
    expect(clash.body.error.message).toContain(copy.anonymousCode);

    await post(admin, `/api/booklets/${b1}/identify`, { studentId: s.students.get("MARTIN") }).expect(409);
    await post(admin, `/api/booklets/${b1}/identify`, { studentId: s.students.get("MARTIN"), change: true }).expect(200);
    expect((await env.ctx.db.copy.findUniqueOrThrow({ where: { id: copy.id } })).studentId).toBe(s.students.get("MARTIN"));
    expect(await env.ctx.db.auditLog.count({ where: { action: "identification.booklet_identified", targetId: b1 } })).toBe(2);
  });

  it("never assigns one booklet twice when two admins confirm it at the same moment", async () => {
    const results = await Promise.all([
      post(admin, `/api/booklets/${s.booklets[0]}/identify`, { studentId: s.students.get("DUPONT") }),
      post(admin2, `/api/booklets/${s.booklets[0]}/identify`, { studentId: s.students.get("MARTIN") }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await env.ctx.db.copy.count({ where: { examId: s.examId } })).toBe(1);
  });

  it("unidentifies back to STAGING and reuses the copy and its anonymous code", async () => {
    const [b1] = s.booklets;
    await post(admin, `/api/booklets/${b1}/identify`, { studentId: s.students.get("DUPONT") }).expect(200);
    const copy = await env.ctx.db.copy.findFirstOrThrow({ where: { examId: s.examId } });
    const res = await post(admin, `/api/booklets/${b1}/unidentify`).expect(200);
    expect(res.body.booklets[0]).toMatchObject({ status: "PENDING", studentId: null });
    expect(await env.ctx.db.copy.findUniqueOrThrow({ where: { id: copy.id } })).toMatchObject({ status: "STAGING", studentId: null });
    await post(admin, `/api/booklets/${b1}/identify`, { studentId: s.students.get("LEFÈVRE") }).expect(200);
    expect(await env.ctx.db.copy.findUniqueOrThrow({ where: { id: copy.id } })).toMatchObject({ status: "READY", anonymousCode: copy.anonymousCode });
    expect(await env.ctx.db.copy.count({ where: { examId: s.examId } })).toBe(1);
  });

  it("sets a booklet aside as absent and brings it back", async () => {
    const [b1, b2] = s.booklets;
    expect((await post(admin, `/api/booklets/${b1}/set-aside`, { reason: "ABSENT" }).expect(200)).body.booklets[0]).toMatchObject({ status: "SET_ASIDE", setAsideReason: "ABSENT" });
    await post(admin, `/api/booklets/${b1}/identify`, { studentId: s.students.get("DUPONT") }).expect(409);
    await post(admin, `/api/booklets/${b1}/restore`).expect(200);
    await post(admin, `/api/booklets/${b2}/identify`, { studentId: s.students.get("DUPONT") }).expect(200);
    await post(admin, `/api/booklets/${b2}/set-aside`, { reason: "UNREADABLE" }).expect(409);
    await post(admin, `/api/booklets/${b1}/set-aside`, { reason: "LOST" }).expect(400);
  });

  it("merges two booklets and splits one, keeping pages in order", async () => {
    const [b1, b2] = s.booklets;
    const merged = await post(admin, `/api/booklets/${b1}/merge`, { bookletId: b2 }).expect(200);
    expect(merged.body.booklets.find((b: { id: string }) => b.id === b2).status).toBe("MERGED");
    expect((await pagesOf(b1!)).map((p) => p.scanPageIndex)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect((await view(s.examId)).booklets.map((b: { id: string }) => b.id)).not.toContain(b2);
    await post(admin, `/api/booklets/${b1}/merge`, { bookletId: b2 }).expect(409);

    const split = await post(admin, `/api/booklets/${b1}/split`, { position: 6 }).expect(200);
    const fresh = split.body.booklets.find((b: { id: string }) => b.id !== b1);
    expect(fresh.status).toBe("READING");
    expect((await pagesOf(b1!)).map((p) => [p.position, p.scanPageIndex])).toEqual([[1, 0], [2, 1], [3, 2], [4, 3], [5, 4]]);
    expect((await pagesOf(fresh.id)).map((p) => [p.position, p.scanPageIndex])).toEqual([[1, 5], [2, 6], [3, 7]]);
    await post(admin, `/api/booklets/${b1}/split`, { position: 9 }).expect(400);
  });

  it("moves, rotates, discards and restores pages", async () => {
    const [b1, b2] = s.booklets;
    const [p0, p1] = await pagesOf(b1!);
    await post(admin, `/api/desk/pages/${p1!.id}/move`, { bookletId: b2, position: 1 }).expect(200);
    expect((await pagesOf(b2!)).map((p) => p.scanPageIndex)).toEqual([1, 4, 5, 6, 7]);
    expect((await pagesOf(b1!)).map((p) => [p.position, p.scanPageIndex])).toEqual([[1, 0], [2, 2], [3, 3]]);

    await post(admin, `/api/desk/pages/${p0!.id}/rotate`, { rotation: 180 }).expect(200);
    await post(admin, `/api/desk/pages/${p0!.id}/rotate`, { rotation: 45 }).expect(400);
    expect((await env.ctx.db.page.findUniqueOrThrow({ where: { id: p0!.id } })).rotation).toBe(180);

    await post(admin, `/api/desk/pages/${p0!.id}/discard`).expect(200);
    expect((await pagesOf(b1!)).map((p) => [p.position, p.scanPageIndex])).toEqual([[1, 2], [2, 3]]);
    expect((await view(s.examId)).discardedPages.map((p: { id: string }) => p.id)).toEqual([p0!.id]);
    await post(admin, `/api/desk/pages/${p0!.id}/restore`, { position: 1 }).expect(200);
    expect((await pagesOf(b1!)).map((p) => p.scanPageIndex)).toEqual([0, 2, 3]);
  });

  it("refuses to change the pages of a copy being graded", async () => {
    const [b1] = s.booklets;
    await post(admin, `/api/booklets/${b1}/identify`, { studentId: s.students.get("DUPONT") }).expect(200);
    await env.ctx.db.copy.updateMany({ where: { examId: s.examId }, data: { status: "LOCKED" } });
    const [page] = await pagesOf(b1!);
    const res = await post(admin, `/api/desk/pages/${page!.id}/discard`).expect(409);
    expect(res.body.error.message).toContain("correction");
    await post(admin, `/api/booklets/${b1}/unidentify`).expect(409);
  });
});

describe("accept every suggestion above a confidence", () => {
  it("previews, then applies, leaving out students claimed twice or already with a copy", async () => {
    const { examId, students, booklets } = await seed([null, null, null, null]);
    const set = (id: string, suggestions: { studentId: string; confidence: number }[]) => env.ctx.db.booklet.update({ where: { id }, data: { suggestions } });
    await set(booklets[0]!, [{ studentId: students.get("DUPONT")!, confidence: 0.95 }]);
    await set(booklets[1]!, [{ studentId: students.get("MARTIN")!, confidence: 0.93 }]);
    await set(booklets[2]!, [{ studentId: students.get("MARTIN")!, confidence: 0.91 }]);
    await set(booklets[3]!, [{ studentId: students.get("LEFÈVRE")!, confidence: 0.7 }]);

    const preview = (await post(admin, `/api/exams/${examId}/identification/accept`, { minConfidence: 0.9 }).expect(200)).body;
    expect(preview.applied).toBe(0);
    expect(preview.plan.map((p: { bookletId: string }) => p.bookletId)).toEqual([booklets[0]]);
    expect(await env.ctx.db.copy.count({ where: { examId } })).toBe(0);

    const done = (await post(admin, `/api/exams/${examId}/identification/accept`, { minConfidence: 0.9, dryRun: false }).expect(200)).body;
    expect(done.applied).toBe(1);
    expect((await view(examId)).summary).toMatchObject({ identified: 1, pending: 3 });
    await post(admin, `/api/exams/${examId}/identification/accept`, { minConfidence: 0.2 }).expect(400);
  });
});

describe("cover sheets", () => {
  it("prints one page per student of the chosen classes, with tokens that stay the same", async () => {
    const { examId } = await seed([]);
    const pdf = await admin.agent.get(`/api/exams/${examId}/cover-sheets.pdf`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect((await PDFDocument.load(pdf.body as Buffer)).getPageCount()).toBe(ROSTER.length);
    const tokens = await env.ctx.db.coverSheet.findMany({ where: { examId }, orderBy: { token: "asc" } });
    expect(tokens).toHaveLength(ROSTER.length);
    await admin.agent.get(`/api/exams/${examId}/cover-sheets.pdf`).expect(200);
    expect(await env.ctx.db.coverSheet.findMany({ where: { examId }, orderBy: { token: "asc" } })).toEqual(tokens);
    const wrong = await admin.agent.get(`/api/exams/${examId}/cover-sheets.pdf?classes=1ere%20Z`).expect(400);
    expect(wrong.body.error.message).toContain("1ere Z");
  });
});
