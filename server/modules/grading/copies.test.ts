// The graders' copy list: names hidden when grading is anonymous, lock holders shown, only the
// exam's graders (and admins) see it; "next copy" gives one of the caller's free copies.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createStudent, createTestEnv, staffClient, type Client, type TestEnv } from "../../test/harness.js";

let env: TestEnv;
let schoolId: string;
let admin: Client;
let alice: Client;
let aliceId: string;
let bob: Client;
let outsider: Client;

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx)).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  const a = await createStaff(env.ctx, schoolId, "TEACHER");
  const b = await createStaff(env.ctx, schoolId, "TEACHER");
  aliceId = a.id;
  alice = await staffClient(env.app, a.email);
  bob = await staffClient(env.app, b.email);
  outsider = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
});
afterAll(async () => {
  await env.close();
});

async function examWithCopies(anonymousGrading: boolean, count: number) {
  const exam = await post(admin, "/api/exams", { title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 4, layout: "A4_BATCH", anonymousGrading }).expect(201);
  const examId = exam.body.exam.id as string;
  expect(exam.body.exam.anonymousGrading).toBe(anonymousGrading);
  const graders = await env.ctx.db.user.findMany({ where: { schoolId, role: "TEACHER" }, orderBy: { createdAt: "asc" }, take: 2 });
  await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: graders.map((g) => g.id) }).expect(200);
  const copies = [];
  for (let i = 0; i < count; i++) {
    const student = await createStudent(env.ctx, schoolId);
    copies.push(await env.ctx.db.copy.create({ data: { schoolId, examId, studentId: student.id, status: "READY", anonymousCode: `K${anonymousGrading ? 1 : 2}${i}XYZ`, graderId: i === 0 ? aliceId : null } }));
  }
  return { examId, copies };
}

describe("copy list", () => {
  it("hides names from graders of an anonymous exam, shows them to admins, and shows who holds a copy", async () => {
    const { examId, copies } = await examWithCopies(true, 3);
    await post(bob, `/api/copies/${copies[1]!.id}/lock`).expect(200);
    const seen = (await alice.agent.get(`/api/exams/${examId}/copies`).expect(200)).body.copies;
    expect(seen.map((c: { anonymousCode: string }) => c.anonymousCode)).toEqual(copies.map((c) => c.anonymousCode));
    expect(seen.every((c: { student: unknown }) => c.student === null)).toBe(true);
    expect(seen[1].lock).toMatchObject({ mine: false });
    expect(seen[1].status).toBe("LOCKED");
    const asAdmin = (await admin.agent.get(`/api/exams/${examId}/copies`).expect(200)).body.copies;
    expect(asAdmin[0].student).toMatchObject({ lastName: "TEST" });
    const mine = (await alice.agent.get(`/api/exams/${examId}/copies?mine=1`).expect(200)).body.copies;
    expect(mine.map((c: { id: string }) => c.id)).toEqual([copies[0]!.id]);
  });

  it("shows names when the exam is not graded anonymously, and only to its graders", async () => {
    const { examId } = await examWithCopies(false, 1);
    expect((await alice.agent.get(`/api/exams/${examId}/copies`).expect(200)).body.copies[0].student).toMatchObject({ lastName: "TEST" });
    await outsider.agent.get(`/api/exams/${examId}/copies`).expect(403);
  });

  it("gives the next free copy: the caller's own first, then undispatched ones, skipping locked ones", async () => {
    const { examId, copies } = await examWithCopies(true, 3);
    expect((await alice.agent.get(`/api/exams/${examId}/copies/next`).expect(200)).body.copyId).toBe(copies[0]!.id);
    await post(alice, `/api/copies/${copies[0]!.id}/lock`).expect(200);
    await post(bob, `/api/copies/${copies[1]!.id}/lock`).expect(200);
    expect((await alice.agent.get(`/api/exams/${examId}/copies/next`).expect(200)).body.copyId).toBe(copies[2]!.id);
    await post(alice, `/api/copies/${copies[2]!.id}/lock`).expect(200);
    expect((await alice.agent.get(`/api/exams/${examId}/copies/next`).expect(404)).body.error.message).toContain("Plus aucune copie");
    const exams = (await alice.agent.get("/api/grading/exams").expect(200)).body.exams;
    expect(exams.find((e: { id: string }) => e.id === examId)).toMatchObject({ myCopies: 1, myGraded: 0 });
  });
});

describe("the exam's comment library", () => {
  it("is shared by the exam's graders: added once whatever the case, hidden when removed, closed to others", async () => {
    const { examId } = await examWithCopies(true, 0);
    const first = await post(alice, `/api/exams/${examId}/comments`, { text: "  Unité manquante " }).expect(201);
    expect(first.body.comment.text).toBe("Unité manquante");
    const again = await post(bob, `/api/exams/${examId}/comments`, { text: "unité MANQUANTE" }).expect(200);
    expect(again.body.comment.id).toBe(first.body.comment.id);
    await post(bob, `/api/exams/${examId}/comments`, { text: "Justifier" }).expect(201);
    const empty = await post(bob, `/api/exams/${examId}/comments`, { text: "   " }).expect(400);
    expect(empty.body.error.message).toContain("Écrivez le commentaire");
    await post(outsider, `/api/exams/${examId}/comments`, { text: "X" }).expect(403);
    await outsider.agent.get(`/api/exams/${examId}/comments`).expect(403);

    const list = await admin.agent.get(`/api/exams/${examId}/comments`).expect(200);
    expect(list.body.comments.map((c: { text: string }) => c.text)).toEqual(["Unité manquante", "Justifier"]);
    await alice.agent.delete(`/api/comments/${first.body.comment.id}`).set("X-CSRF-Token", alice.csrf).expect(204);
    const after = await bob.agent.get(`/api/exams/${examId}/comments`).expect(200);
    expect(after.body.comments.map((c: { text: string }) => c.text)).toEqual(["Justifier"]);
    expect(await env.ctx.db.commentTemplate.count({ where: { examId } })).toBe(2);
    await outsider.agent.delete(`/api/comments/${first.body.comment.id}`).set("X-CSRF-Token", outsider.csrf).expect(403);
  });
});
