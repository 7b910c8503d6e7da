// The student portal on real graded copies: a student lists and downloads only their own
// copies of published exams (404 for anything else), with the mark of the latest graded PDF.
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Response } from "supertest";
import { createSchool, createStaff, createTestEnv, staffClient, studentClient, type Client, type TestEnv } from "../../test/harness.js";
import { makeGradableCopies } from "../../test/copy-factory.js";
import { gradeCopies, makeGradedCopies, type GradedCopy, type ScoreOf } from "../../test/graded-factory.js";

let env: TestEnv;
let dataDir: string;
let schoolId: string;
let adminId: string;
let teacherId: string;
let admin: Client;
let examId: string;
let hiddenExamId: string;
let mine: GradedCopy;
let other: GradedCopy;
let hidden: GradedCopy;
let me: Client;
let ungradedStudent: Client;
let ungradedCopyId: string;

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);
const binary = (c: Client, url: string) => c.agent.get(url).buffer(true).parse((res, done) => {
  const chunks: Buffer[] = [];
  res.on("data", (chunk: Buffer) => chunks.push(chunk));
  res.on("end", () => done(null, Buffer.concat(chunks)));
});
const sha256 = (bytes: Buffer) => createHash("sha256").update(bytes).digest("hex");

/** An exam of class 2nde A with three questions (4 + 6 + 10 points), reported on 10. */
async function exam(title: string): Promise<{ id: string; questions: { id: string }[] }> {
  const created = await post(admin, "/api/exams", { title, subject: "Mathématiques", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201);
  const scheme = await admin.agent.put(`/api/exams/${created.body.exam.id}/marking-scheme`).set("X-CSRF-Token", admin.csrf)
    .send({ questions: [{ label: "Exercice 1", maxPoints: 4 }, { label: "Exercice 2", maxPoints: 6 }, { label: "Exercice 3", maxPoints: 10 }], reportScale: 10 }).expect(200);
  return scheme.body.exam;
}

// 3.5 + blank + 8 = 11.5 / 20 → 5.75 / 10 for the first copy; half marks for the others.
const scores: ScoreOf = (q, i) => (i > 0 ? q.maxPoints / 2 : q.maxPoints === 4 ? 3.5 : q.maxPoints === 6 ? null : 8);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-portal-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  schoolId = (await createSchool(env.ctx)).id;
  const a = await createStaff(env.ctx, schoolId, "ADMIN");
  adminId = a.id;
  admin = await staffClient(env.app, a.email);
  teacherId = (await createStaff(env.ctx, schoolId, "TEACHER")).id;

  examId = (await exam("DS 3")).id;
  [mine, other] = (await makeGradedCopies(env.ctx, { schoolId, examId, uploadedById: adminId, graderId: teacherId, copies: 2, scores })).copies as [GradedCopy, GradedCopy];
  ungradedCopyId = (await makeGradableCopies(env.ctx, { schoolId, examId, uploadedById: adminId, copies: 1, layout: "A4_BATCH", pagesPerCopy: 2, dpi: 100 })).copyIds[0]!;
  // The same student's copy of an exam that is never published.
  hiddenExamId = (await exam("DS 4")).id;
  const [hiddenCopyId] = (await makeGradableCopies(env.ctx, { schoolId, examId: hiddenExamId, uploadedById: adminId, copies: 1, layout: "A4_BATCH", pagesPerCopy: 2, dpi: 100 })).copyIds;
  await env.ctx.db.copy.update({ where: { id: hiddenCopyId! }, data: { studentId: mine.studentId } });
  [hidden] = (await gradeCopies(env.ctx, { graderId: teacherId, copyIds: [hiddenCopyId!] })) as [GradedCopy];

  await post(admin, `/api/exams/${examId}/publication`, { confirm: true }).expect(200);
  me = await studentClient(env.app, mine.login!);
  const ungraded = await env.ctx.db.copy.findUniqueOrThrow({ where: { id: ungradedCopyId }, include: { student: true } });
  ungradedStudent = await studentClient(env.app, ungraded.student!.login);
}, 120_000);
afterAll(async () => {
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

const expectNotFound = (res: Response) => {
  expect(res.status).toBe(404);
  expect(res.body.error.code).toBe("NOT_FOUND");
};

describe("student portal", () => {
  it("lists the student's published graded copy with its mark and scores, and nothing else", async () => {
    const res = await me.agent.get("/api/me/copies").expect(200);
    expect(res.body.copies).toHaveLength(1);
    const [copy] = res.body.copies;
    expect(copy).toMatchObject({
      copyId: mine.copyId, examId, title: "DS 3", subject: "Mathématiques", date: "2026-11-20",
      mark: 5.75, reportScale: 10, totalScore: 11.5, maxTotal: 20, underReview: false,
      reviewDeadline: null, canRequestReview: false, reviews: [],
    });
    expect(copy.questions.map((q: { label: string; maxPoints: number; score: number | null }) => [q.label, q.maxPoints, q.score])).toEqual([["Exercice 1", 4, 3.5], ["Exercice 2", 6, null], ["Exercice 3", 10, 8]]);
    const pdf = await env.ctx.db.gradedPdf.findUniqueOrThrow({ where: { id: mine.gradedPdfId } });
    expect(copy.gradedAt).toBe(pdf.createdAt.toISOString());
  });

  it("downloads the latest graded PDF as an attachment that no cache keeps, and audits it", async () => {
    const res = await binary(me, `/api/me/copies/${mine.copyId}/pdf`).expect(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.headers["cache-control"]).toBe("private, no-store");
    expect(res.headers["content-disposition"]).toBe("attachment; filename*=UTF-8''DS%203%20-%20Math%C3%A9matiques.pdf");
    expect(sha256(res.body as Buffer)).toBe(mine.sha256);
    expect((res.body as Buffer).subarray(0, 5).toString()).toBe("%PDF-");
    const student = await env.ctx.db.copy.findUniqueOrThrow({ where: { id: mine.copyId } });
    const logged = await env.ctx.db.auditLog.findMany({ where: { action: "copy.downloaded", targetId: mine.copyId } });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ schoolId, actorType: "student", actorId: student.studentId, targetType: "copy", data: { gradedPdfId: mine.gradedPdfId } });
    // Written in SQL: its time reads back as the time of the download, in UTC as Prisma's are.
    expect(Math.abs(logged[0]!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it("answers 404 for another student's copy, in the list and on download", async () => {
    const list = await me.agent.get("/api/me/copies").expect(200);
    expect(list.body.copies.map((c: { copyId: string }) => c.copyId)).not.toContain(other.copyId);
    expectNotFound(await me.agent.get(`/api/me/copies/${other.copyId}/pdf`));
    expect(await env.ctx.db.auditLog.count({ where: { action: "copy.downloaded", targetId: other.copyId } })).toBe(0);
  });

  it("answers 404 for the student's own copy of an unpublished exam", async () => {
    const list = await me.agent.get("/api/me/copies").expect(200);
    expect(list.body.copies.map((c: { examId: string }) => c.examId)).not.toContain(hiddenExamId);
    expectNotFound(await me.agent.get(`/api/me/copies/${hidden.copyId}/pdf`));
  });

  it("answers 404 for a copy not graded yet, even of a published exam", async () => {
    expect((await ungradedStudent.agent.get("/api/me/copies").expect(200)).body.copies).toEqual([]);
    expectNotFound(await ungradedStudent.agent.get(`/api/me/copies/${ungradedCopyId}/pdf`));
  });

  it("answers 404 for an id that is no copy, 400 for one that is no id, and 403 to staff", async () => {
    expectNotFound(await me.agent.get("/api/me/copies/6f1c2b0e-8a4d-4e7b-9c1f-2d3e4f5a6b7c/pdf"));
    await me.agent.get("/api/me/copies/abc/pdf").expect(400);
    await admin.agent.get("/api/me/copies").expect(403);
  });

  it("shows the review deadline and the student's review requests", async () => {
    const deadline = new Date(Date.now() + 86_400_000).toISOString();
    await admin.agent.put(`/api/exams/${examId}/review-deadline`).set("X-CSRF-Token", admin.csrf).send({ reviewDeadline: deadline }).expect(200);
    const copy = await env.ctx.db.copy.findUniqueOrThrow({ where: { id: mine.copyId }, include: { exam: { include: { questions: { orderBy: { position: "asc" } } } } } });
    const question = copy.exam.questions[1]!;
    await env.ctx.db.reviewRequest.create({ data: { schoolId, copyId: mine.copyId, questionId: question.id, studentId: copy.studentId!, message: "L'exercice 2 n'a pas été corrigé." } });
    const [listed] = (await me.agent.get("/api/me/copies").expect(200)).body.copies;
    expect(listed).toMatchObject({ reviewDeadline: deadline, canRequestReview: true });
    expect(listed.reviews).toEqual([expect.objectContaining({ questionId: question.id, message: "L'exercice 2 n'a pas été corrigé.", status: "OPEN", answer: null, reopened: false })]);

    await admin.agent.put(`/api/exams/${examId}/review-deadline`).set("X-CSRF-Token", admin.csrf).send({ reviewDeadline: new Date(Date.now() - 1000).toISOString() }).expect(200);
    expect((await me.agent.get("/api/me/copies").expect(200)).body.copies[0].canRequestReview).toBe(false);
  });

  it("keeps showing a reopened copy as under review with its last PDF, then the new one once graded again", async () => {
    await post(admin, `/api/copies/${mine.copyId}/reopen`).expect(200);
    const [reopened] = (await me.agent.get("/api/me/copies").expect(200)).body.copies;
    expect(reopened).toMatchObject({ copyId: mine.copyId, underReview: true, mark: 5.75 });
    expect(sha256((await binary(me, `/api/me/copies/${mine.copyId}/pdf`).expect(200)).body as Buffer)).toBe(mine.sha256);

    const [regraded] = (await gradeCopies(env.ctx, { graderId: teacherId, copyIds: [mine.copyId], scores: (q) => q.maxPoints })) as [GradedCopy];
    expect(regraded.sha256).not.toBe(mine.sha256);
    const [after] = (await me.agent.get("/api/me/copies").expect(200)).body.copies;
    expect(after).toMatchObject({ underReview: false, mark: 10, totalScore: 20 });
    expect(after.questions.map((q: { score: number }) => q.score)).toEqual([4, 6, 10]);
    expect(sha256((await binary(me, `/api/me/copies/${mine.copyId}/pdf`).expect(200)).body as Buffer)).toBe(regraded.sha256);
    expect(await env.ctx.db.gradedPdf.count({ where: { copyId: mine.copyId } })).toBe(2);
  }, 60_000);

  it("lists the newest exam first once another exam is published", async () => {
    await post(admin, `/api/exams/${hiddenExamId}/publication`, { confirm: true }).expect(200);
    const list = (await me.agent.get("/api/me/copies").expect(200)).body.copies;
    expect(list.map((c: { title: string; copyId: string }) => [c.title, c.copyId])).toEqual([["DS 4", hidden.copyId], ["DS 3", mine.copyId]]);
    expect(sha256((await binary(me, `/api/me/copies/${hidden.copyId}/pdf`).expect(200)).body as Buffer)).toBe(hidden.sha256);
  });
});
