// Review requests end to end: copies with real scanned pages graded by a worker in this process,
// published to their class; a student asks, the grader answers and reopens, grades again, and
// the student sees the new mark; once per question, within the deadline, only to those who may.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, studentClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { makeGradableCopies } from "../../test/copy-factory.js";
import { gradeCopies } from "../../test/graded-factory.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";

let env: TestEnv;
let dataDir: string;
let worker: RunningWorker;
let examId: string;
let admin: Client;
let alice: Client;
let bob: Client;
let questions: { id: string; label: string }[];
let graded: string;
let ungraded: string;
let owner: Client;
let other: Client;

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);
const ask = (c: Client, copyId: string, questionId: string, message = "Je pense avoir justifié la réponse.") => post(c, `/api/me/copies/${copyId}/reviews`, { questionId, message });
const answer = (c: Client, reviewId: string, body: { answer: string; reopen: boolean }) => post(c, `/api/reviews/${reviewId}/answer`, body);
const copyRow = (id: string) => env.ctx.db.copy.findUniqueOrThrow({ where: { id } });
const setDeadline = (reviewDeadline: Date | null) => env.ctx.db.exam.update({ where: { id: examId }, data: { reviewDeadline } });
const inAWeek = () => new Date(Date.now() + 7 * 24 * 3600_000);

/** Alice locks the copy, saves these scores on top of its latest draft, finalizes it, and the worker draws the PDF. */
async function gradeAs(copyId: string, scores: Record<string, number | null>) {
  const token = (await post(alice, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
  const draft = (await alice.agent.get(`/api/copies/${copyId}/draft`).expect(200)).body.draft;
  const saved = await alice.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", alice.csrf).set("If-Match", `"${draft.version}"`)
    .send({ ...draft, lockToken: token, scores: { ...draft.scores, ...scores } }).expect(200);
  await post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version: saved.body.draft.version }).expect(202);
  const copy = await waitFor(() => copyRow(copyId), (c) => c.status === "GRADED" || c.status === "FAILED", 60_000);
  expect(copy.status).toBe("GRADED");
  return copy;
}

async function loginAsOwnerOf(copyId: string): Promise<Client> {
  const { studentId } = await copyRow(copyId);
  return studentClient(env.app, (await env.ctx.db.student.findUniqueOrThrow({ where: { id: studentId! } })).login);
}

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-reviews-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  const schoolId = (await createSchool(env.ctx)).id;
  const a = await createStaff(env.ctx, schoolId, "ADMIN");
  admin = await staffClient(env.app, a.email);
  const t = await createStaff(env.ctx, schoolId, "TEACHER");
  alice = await staffClient(env.app, t.email);
  bob = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
  // The factory's students are in "2nde A".
  examId = (await post(admin, "/api/exams", { title: "DS de chimie", subject: "Chimie", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201)).body.exam.id;
  const scheme = await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf)
    .send({ questions: [{ label: "Exercice 1", maxPoints: 4 }, { label: "Exercice 2", maxPoints: 6 }, { label: "Exercice 3", maxPoints: 10 }], reportScale: 20 }).expect(200);
  questions = scheme.body.exam.questions;
  await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: [t.id] }).expect(200);
  const first = [3, 4, 5];
  [graded, ungraded] = (await makeGradableCopies(env.ctx, { schoolId, examId, uploadedById: a.id, copies: 2, layout: "A4_BATCH", pagesPerCopy: 2, dpi: 72 })).copyIds as [string, string];
  await gradeCopies(env.ctx, { graderId: t.id, copyIds: [graded], scores: (q) => first[questions.findIndex((p) => p.id === q.id)]! });
  // The worker draws the PDFs of the copies graded again through the editor's routes.
  worker = await startWorker(env.ctx);
  // Publication is its own module's business; here the exam is simply published to the class.
  await env.ctx.db.publication.create({ data: { schoolId, examId, className: "2nde A", publishedById: a.id } });
  owner = await loginAsOwnerOf(graded);
  other = await loginAsOwnerOf(ungraded);
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await env?.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("review requests", () => {
  it("a student asks, the grader answers and reopens, grades again, and the student sees the new mark and the answer", async () => {
    await setDeadline(inAWeek());
    const asked = await ask(owner, graded, questions[2]!.id, "  L'exercice 3 est juste, voir le calcul page 3.  ").expect(201);
    const review = asked.body.review;
    expect(review).toEqual({ id: expect.any(String), questionId: questions[2]!.id, message: "L'exercice 3 est juste, voir le calcul page 3.", status: "OPEN", answer: null, answeredAt: null, reopened: false, createdAt: expect.any(String) });
    expect(await env.ctx.db.auditLog.count({ where: { action: "review.requested", targetId: review.id, actorType: "student" } })).toBe(1);

    // The grader sees it without the student's name (the exam is graded anonymously); the admin sees the name.
    const listed = (await alice.agent.get("/api/reviews").expect(200)).body.reviews;
    const { anonymousCode } = await copyRow(graded);
    expect(listed).toEqual([{
      ...review, copyId: graded, examId, examTitle: "DS de chimie", questionLabel: "Exercice 3", student: null, anonymousCode,
      answeredBy: null, copyStatus: "GRADED",
    }]);
    const byAdmin = (await admin.agent.get(`/api/reviews?examId=${examId}`).expect(200)).body.reviews;
    expect(byAdmin[0].student).toEqual({ name: "Élève TEST", className: "2nde A" });

    const answered = await answer(alice, review.id, { answer: "Vous avez raison : je corrige.", reopen: true }).expect(200);
    expect(answered.body.review).toMatchObject({ status: "ANSWERED", answer: "Vous avez raison : je corrige.", reopened: true, answeredBy: "TEACHER de test", copyStatus: "READY" });
    expect(await copyRow(graded)).toMatchObject({ status: "READY", gradedPdfPath: null, totalScore: null });
    const event = await env.ctx.db.gradingEvent.findFirstOrThrow({ where: { copyId: graded }, orderBy: { id: "desc" } });
    expect(event).toMatchObject({ type: "reopened", fromStatus: "GRADED", toStatus: "READY", data: { reviewId: review.id } });
    expect(await env.ctx.db.auditLog.count({ where: { action: "copy.reopened", targetId: graded, data: { path: ["reviewId"], equals: review.id } } })).toBe(1);
    expect(await env.ctx.db.auditLog.count({ where: { action: "review.answered", targetId: review.id } })).toBe(1);

    const twice = await answer(alice, review.id, { answer: "Encore ?", reopen: false }).expect(409);
    expect(twice.body.error.code).toBe("REVIEW_ANSWERED");
    expect((await alice.agent.get("/api/reviews").expect(200)).body.reviews).toEqual([]);
    expect((await alice.agent.get("/api/reviews?status=ALL").expect(200)).body.reviews.map((r: { id: string }) => r.id)).toEqual([review.id]);

    // Graded again: a new PDF, the first one kept.
    const regraded = await gradeAs(graded, { [questions[2]!.id]: 8 });
    expect(regraded.totalScore?.toNumber()).toBe(15);
    expect((await env.ctx.db.gradedPdf.findMany({ where: { copyId: graded }, orderBy: { draftVersion: "asc" } })).map((p) => p.totalScore.toNumber())).toEqual([12, 15]);

    const portal = (await owner.agent.get("/api/me/copies").expect(200)).body.copies;
    expect(portal).toHaveLength(1);
    expect(portal[0]).toMatchObject({ copyId: graded, mark: 15, totalScore: 15, maxTotal: 20, underReview: false });
    expect(portal[0].reviews).toEqual([{ ...review, status: "ANSWERED", answer: "Vous avez raison : je corrige.", answeredAt: answered.body.review.answeredAt, reopened: true }]);
  }, 120_000);

  it("takes one request per question: a second one on the same question is a 409", async () => {
    await setDeadline(inAWeek());
    const again = await ask(owner, graded, questions[2]!.id).expect(409);
    expect(again.body.error.code).toBe("REVIEW_EXISTS");
    await ask(owner, graded, questions[0]!.id).expect(201);
    expect(await env.ctx.db.reviewRequest.count({ where: { copyId: graded } })).toBe(2);
  });

  it("answering with a reopen a copy already back in grading changes nothing; without reopening it answers", async () => {
    const review = (await alice.agent.get("/api/reviews").expect(200)).body.reviews[0];
    await post(admin, `/api/copies/${graded}/reopen`).expect(200);
    const refused = await answer(alice, review.id, { answer: "Je regarde.", reopen: true }).expect(409);
    expect(refused.body.error.code).toBe("NOT_GRADED");
    expect(await env.ctx.db.reviewRequest.findUniqueOrThrow({ where: { id: review.id } })).toMatchObject({ status: "OPEN", answer: null });
    const ok = await answer(admin, review.id, { answer: "La copie est déjà en cours de correction.", reopen: false }).expect(200);
    expect(ok.body.review).toMatchObject({ status: "ANSWERED", reopened: false, copyStatus: "READY", student: { name: "Élève TEST", className: "2nde A" } });
    await gradeAs(graded, {});
  }, 120_000);

  it("refuses a request after the deadline, or with no deadline set, with a 403 giving the date", async () => {
    await setDeadline(new Date("2026-11-12T17:00:00Z"));
    const late = await ask(owner, graded, questions[1]!.id).expect(403);
    expect(late.body.error).toMatchObject({ code: "REVIEW_CLOSED", message: "Les demandes de révision étaient possibles jusqu'au 12 novembre 2026 à 18:00." });
    await setDeadline(null);
    const none = await ask(owner, graded, questions[1]!.id).expect(403);
    expect(none.body.error.code).toBe("REVIEW_CLOSED");
    expect(await env.ctx.db.reviewRequest.count({ where: { questionId: questions[1]!.id } })).toBe(0);
  });

  it("is a 404 for a copy the student may not see or a question not of the exam, and checks the message", async () => {
    await setDeadline(inAWeek());
    // Another student's copy, and one's own copy not graded yet.
    expect((await ask(other, graded, questions[1]!.id).expect(404)).body.error.message).toBe("Copie introuvable.");
    await ask(other, ungraded, questions[1]!.id).expect(404);
    await ask(owner, graded, "00000000-0000-4000-8000-000000000000").expect(404);
    await ask(owner, graded, questions[1]!.id, "").expect(400);
    await ask(owner, graded, questions[1]!.id, "x".repeat(1001)).expect(400);
    // Unpublished: no longer visible.
    await env.ctx.db.publication.deleteMany({ where: { examId } });
    await ask(owner, graded, questions[1]!.id).expect(404);
    await env.ctx.db.publication.create({ data: { schoolId: (await copyRow(graded)).schoolId, examId, className: "2nde A", publishedById: (await env.ctx.db.user.findFirstOrThrow({ where: { role: "ADMIN" } })).id } });
  });

  it("keeps requests from teachers who do not grade the exam (404) and students out of the staff routes (403)", async () => {
    await setDeadline(inAWeek());
    const review = (await ask(owner, graded, questions[1]!.id).expect(201)).body.review;
    expect((await bob.agent.get("/api/reviews?status=ALL").expect(200)).body.reviews).toEqual([]);
    await bob.agent.get(`/api/reviews?examId=${examId}`).expect(404);
    await answer(bob, review.id, { answer: "Non.", reopen: true }).expect(404);
    await owner.agent.get("/api/reviews").expect(403);
    await answer(owner, review.id, { answer: "Accepté par moi-même.", reopen: true }).expect(403);
    await post(alice, `/api/me/copies/${graded}/reviews`, { questionId: questions[1]!.id, message: "?" }).expect(403);
    expect(await env.ctx.db.reviewRequest.findUniqueOrThrow({ where: { id: review.id } })).toMatchObject({ status: "OPEN" });
    expect((await copyRow(graded)).status).toBe("GRADED");
  });
});
