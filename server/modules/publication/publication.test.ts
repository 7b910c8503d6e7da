// Publishing an exam, per class: warnings first (ungraded copies, unidentified booklets), then
// the students of the published classes see their graded copies; unpublishing hides them.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, studentClient, type Client, type TestEnv } from "../../test/harness.js";
import { makeGradableCopies } from "../../test/copy-factory.js";
import { makeGradedCopies, type GradedCopy } from "../../test/graded-factory.js";

let env: TestEnv;
let dataDir: string;
let schoolId: string;
let adminId: string;
let admin: Client;
let examId: string;
let classA: GradedCopy;
let classB: GradedCopy;
let ungradedCopyId: string;
let studentA: Client;
let studentB: Client;

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);
const publish = (body: object) => post(admin, `/api/exams/${examId}/publication`, body);
const unpublish = (body: object) => post(admin, `/api/exams/${examId}/unpublish`, body);
const examStatus = async () => (await env.ctx.db.exam.findUniqueOrThrow({ where: { id: examId } })).status;
const visibleTo = async (student: Client) => (await student.agent.get("/api/me/copies").expect(200)).body.copies.map((c: { copyId: string }) => c.copyId);
const audited = (action: string) => env.ctx.db.auditLog.findMany({ where: { action, targetId: examId }, orderBy: { id: "asc" } });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-publication-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  schoolId = (await createSchool(env.ctx)).id;
  const a = await createStaff(env.ctx, schoolId, "ADMIN");
  adminId = a.id;
  admin = await staffClient(env.app, a.email);
  const graderId = (await createStaff(env.ctx, schoolId, "TEACHER")).id;
  const created = await post(admin, "/api/exams", { title: "DS 3", subject: "Maths", date: "2026-11-20", classNames: ["2nde A", "2nde B"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201);
  examId = created.body.exam.id;
  await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf).send({ questions: [{ label: "Exercice 1", maxPoints: 20 }], reportScale: 20 }).expect(200);
  [classA] = (await makeGradedCopies(env.ctx, { schoolId, examId, uploadedById: adminId, graderId, copies: 1, className: "2nde A" })).copies as [GradedCopy];
  [classB] = (await makeGradedCopies(env.ctx, { schoolId, examId, uploadedById: adminId, graderId, copies: 1, className: "2nde B" })).copies as [GradedCopy];
  // A copy of class A still to grade, and a booklet of the batch nobody has identified yet.
  const gradable = await makeGradableCopies(env.ctx, { schoolId, examId, uploadedById: adminId, copies: 1, layout: "A4_BATCH", pagesPerCopy: 2, dpi: 100 });
  ungradedCopyId = gradable.copyIds[0]!;
  await env.ctx.db.booklet.create({ data: { schoolId, examId, batchId: gradable.batchId, index: 99, status: "PENDING" } });
  studentA = await studentClient(env.app, classA.login!);
  studentB = await studentClient(env.app, classB.login!);
}, 120_000);
afterAll(async () => {
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("publication", () => {
  it("describes each class and warns about the ungraded copy and the unidentified booklet", async () => {
    const res = await admin.agent.get(`/api/exams/${examId}/publication`).expect(200);
    const ungraded = await env.ctx.db.copy.findUniqueOrThrow({ where: { id: ungradedCopyId }, include: { student: true } });
    expect(res.body.publication).toEqual({
      examId,
      reviewDeadline: null,
      classes: [
        { className: "2nde A", published: false, publishedAt: null, students: 2, gradedCopies: 1 },
        { className: "2nde B", published: false, publishedAt: null, students: 1, gradedCopies: 1 },
      ],
      warnings: {
        ungradedCopies: [{ copyId: ungradedCopyId, anonymousCode: ungraded.anonymousCode, studentName: `${ungraded.student!.firstName} ${ungraded.student!.lastName}`, className: "2nde A", status: "READY" }],
        unidentifiedBooklets: 1,
      },
    });
  });

  it("refuses to publish with warnings unless confirmed, and changes nothing", async () => {
    const res = await publish({}).expect(409);
    expect(res.body.error.code).toBe("PUBLISH_WARNINGS");
    expect(res.body.error.message).toBe("1 copie n'est pas encore corrigée et 1 livret n'est pas identifié : confirmez pour publier quand même.");
    expect(res.body.error.details).toMatchObject({ ungradedCopies: [{ copyId: ungradedCopyId }], unidentifiedBooklets: 1 });
    // Class B has no ungraded copy, but the unidentified booklet may be one of its students'.
    const classOnly = await publish({ classNames: ["2nde B"] }).expect(409);
    expect(classOnly.body.error.details).toEqual({ ungradedCopies: [], unidentifiedBooklets: 1 });
    expect(await env.ctx.db.publication.count({ where: { examId } })).toBe(0);
    expect(await examStatus()).toBe("DRAFT");
    expect(await visibleTo(studentB)).toEqual([]);
  });

  it("refuses a class that does not sit the exam", async () => {
    const res = await publish({ classNames: ["2nde B", "Tle Z"], confirm: true }).expect(400);
    expect(res.body.error.message).toContain("Tle Z");
    await unpublish({ classNames: ["Tle Z"] }).expect(400);
  });

  it("publishes one class once confirmed: its students see their copies, the others not yet", async () => {
    const res = await publish({ classNames: ["2nde B"], confirm: true }).expect(200);
    const classes = res.body.publication.classes;
    expect(classes.map((c: { className: string; published: boolean }) => [c.className, c.published])).toEqual([["2nde A", false], ["2nde B", true]]);
    expect(await examStatus()).toBe("PUBLISHED");
    expect(await visibleTo(studentB)).toEqual([classB.copyId]);
    expect(await visibleTo(studentA)).toEqual([]);
    await studentA.agent.get(`/api/me/copies/${classA.copyId}/pdf`).expect(404);
    const [entry] = await audited("exam.published");
    expect(entry).toMatchObject({ schoolId, actorType: "staff", actorId: adminId, targetType: "exam", data: { classNames: ["2nde B"], ungradedCopies: 0, unidentifiedBooklets: 1 } });
  });

  it("publishes the remaining class, keeping the first class' publication date (idempotent per class)", async () => {
    const before = await env.ctx.db.publication.findFirstOrThrow({ where: { examId, className: "2nde B" } });
    const res = await publish({ confirm: true }).expect(200);
    expect(res.body.publication.classes.every((c: { published: boolean }) => c.published)).toBe(true);
    expect(res.body.publication.classes[1].publishedAt).toBe(before.publishedAt.toISOString());
    expect(await visibleTo(studentA)).toEqual([classA.copyId]);
    await publish({ confirm: true }).expect(200);
    expect((await audited("exam.published")).map((e) => e.data)).toEqual([
      expect.objectContaining({ classNames: ["2nde B"] }),
      expect.objectContaining({ classNames: ["2nde A"], ungradedCopies: 1 }),
    ]);
  });

  it("unpublishes: the class' copies are hidden again (404), and the exam is OPEN once no class is published", async () => {
    const res = await unpublish({ classNames: ["2nde A"] }).expect(200);
    expect(res.body.publication.classes.map((c: { published: boolean }) => c.published)).toEqual([false, true]);
    expect(await visibleTo(studentA)).toEqual([]);
    await studentA.agent.get(`/api/me/copies/${classA.copyId}/pdf`).expect(404);
    expect(await visibleTo(studentB)).toEqual([classB.copyId]);
    expect(await examStatus()).toBe("PUBLISHED");

    await unpublish({}).expect(200);
    expect(await visibleTo(studentB)).toEqual([]);
    expect(await examStatus()).toBe("OPEN");
    expect((await audited("exam.unpublished")).map((e) => e.data)).toEqual([{ classNames: ["2nde A"] }, { classNames: ["2nde B"] }]);
  });

  it("sets and clears the review deadline, audited", async () => {
    const deadline = "2026-12-12T17:00:00.000Z";
    const res = await admin.agent.put(`/api/exams/${examId}/review-deadline`).set("X-CSRF-Token", admin.csrf).send({ reviewDeadline: "2026-12-12T18:00:00+01:00" }).expect(200);
    expect(res.body.publication.reviewDeadline).toBe(deadline);
    await admin.agent.put(`/api/exams/${examId}/review-deadline`).set("X-CSRF-Token", admin.csrf).send({ reviewDeadline: "demain" }).expect(400);
    const cleared = await admin.agent.put(`/api/exams/${examId}/review-deadline`).set("X-CSRF-Token", admin.csrf).send({ reviewDeadline: null }).expect(200);
    expect(cleared.body.publication.reviewDeadline).toBeNull();
    expect((await audited("exam.review_deadline.set")).map((e) => e.data)).toEqual([{ reviewDeadline: deadline }, { reviewDeadline: null }]);
  });

  it("refuses to publish an archived exam", async () => {
    await post(admin, `/api/exams/${examId}/archive`).expect(200);
    const res = await publish({ confirm: true }).expect(409);
    expect(res.body.error.code).toBe("EXAM_ARCHIVED");
    expect(await examStatus()).toBe("ARCHIVED");
  });

  it("keeps other schools and teachers out", async () => {
    const elsewhere = await createSchool(env.ctx, "Autre lycée");
    const stranger = await staffClient(env.app, (await createStaff(env.ctx, elsewhere.id, "ADMIN")).email);
    await stranger.agent.get(`/api/exams/${examId}/publication`).expect(404);
    await post(stranger, `/api/exams/${examId}/unpublish`).expect(404);
    const teacher = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
    await teacher.agent.get(`/api/exams/${examId}/publication`).expect(403);
  });
});
