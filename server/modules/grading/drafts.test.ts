// Autosave against the real database: a save needs the lock and the version it started from;
// a stale one gets 412 with the server's draft and overwrites nothing; scores follow the scheme.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createStudent, createTestEnv, staffClient, type Client, type TestEnv } from "../../test/harness.js";

let env: TestEnv;
let schoolId: string;
let examId: string;
let admin: Client;
let alice: Client;
let bob: Client;
let outsider: Client;
let questions: { id: string; label: string }[];

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);
const save = (c: Client, copyId: string, version: string | null, body: object) => {
  const req = c.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", c.csrf);
  if (version !== null) req.set("If-Match", version);
  return req.send(body);
};

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx)).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  const a = await createStaff(env.ctx, schoolId, "TEACHER");
  const b = await createStaff(env.ctx, schoolId, "TEACHER");
  alice = await staffClient(env.app, a.email);
  bob = await staffClient(env.app, b.email);
  outsider = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
  examId = (await post(admin, "/api/exams", { title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 4, layout: "A4_BATCH" }).expect(201)).body.exam.id;
  const scheme = await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf)
    .send({ questions: [{ label: "Exercice 1", maxPoints: 4 }, { label: "Exercice 2", maxPoints: 6, step: 1 }] }).expect(200);
  questions = scheme.body.exam.questions;
  await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: [a.id, b.id] }).expect(200);
});
afterAll(async () => {
  await env.close();
});

let codes = 0;
async function lockedCopy(by: Client) {
  const student = await createStudent(env.ctx, schoolId);
  const copy = await env.ctx.db.copy.create({ data: { schoolId, examId, studentId: student.id, status: "READY", anonymousCode: `D${String(++codes).padStart(5, "0")}` } });
  const { token } = (await post(by, `/api/copies/${copy.id}/lock`).expect(200)).body.lock;
  return { copyId: copy.id, token: token as string };
}

const stroke = { id: "s1", type: "pen", page: 1, color: "#d11a2a", width: 0.003, points: [[0.1, 0.2, 0.5], [0.15, 0.22, 0.6]] };

describe("autosave", () => {
  it("saves versions in order with the lock and If-Match, and reads back exactly what was saved", async () => {
    const { copyId, token } = await lockedCopy(alice);
    const empty = await alice.agent.get(`/api/copies/${copyId}/draft`).expect(200);
    expect(empty.body.draft).toMatchObject({ version: 0, annotations: [], scores: {} });
    expect(empty.headers.etag).toBe('"0"');

    const body = { lockToken: token, annotations: [stroke], scores: { [questions[0]!.id]: 3.5, [questions[1]!.id]: null }, comment: "Bon travail." };
    // Saving is activity: the lock's expiry is pushed to 10 minutes from now.
    await env.ctx.db.copyLock.update({ where: { copyId }, data: { expiresAt: new Date(Date.now() + 60_000) } });
    const first = await save(alice, copyId, '"0"', body).expect(200);
    const { expiresAt } = await env.ctx.db.copyLock.findUniqueOrThrow({ where: { copyId } });
    expect(Math.abs(expiresAt.getTime() - (Date.now() + 10 * 60_000))).toBeLessThan(30_000);
    expect(first.body.draft.version).toBe(1);
    const second = await save(alice, copyId, "1", { ...body, scores: { [questions[0]!.id]: 4 } }).expect(200);
    expect(second.headers.etag).toBe('"2"');

    const read = (await admin.agent.get(`/api/copies/${copyId}/draft`).expect(200)).body.draft;
    expect(read).toMatchObject({ version: 2, annotations: [stroke], scores: { [questions[0]!.id]: 4 }, comment: "Bon travail." });
    expect(await env.ctx.db.gradingEvent.count({ where: { copyId, type: "draft_saved" } })).toBe(2);
    // A teacher of the school who does not grade this exam reads nothing of it.
    await outsider.agent.get(`/api/copies/${copyId}/draft`).expect(403);
  });

  it("answers a stale version with 412 and the server's draft, overwriting nothing", async () => {
    const { copyId, token } = await lockedCopy(alice);
    await save(alice, copyId, "0", { lockToken: token, annotations: [stroke], scores: {} }).expect(200);
    const stale = await save(alice, copyId, "0", { lockToken: token, annotations: [], scores: {} }).expect(412);
    expect(stale.body.error.code).toBe("STALE_VERSION");
    expect(stale.body.error.details).toMatchObject({ version: 1, annotations: [stroke] });
    expect((await alice.agent.get(`/api/copies/${copyId}/draft`)).body.draft.annotations).toEqual([stroke]);
    await save(alice, copyId, null, { lockToken: token, annotations: [], scores: {} }).expect(428);
  });

  it("refuses a write without the lock, with a lost lock, or by another teacher", async () => {
    const { copyId, token } = await lockedCopy(alice);
    await save(bob, copyId, "0", { lockToken: token, annotations: [], scores: {} }).expect(409);
    const taken = (await post(alice, `/api/copies/${copyId}/lock`, { takeOver: true }).expect(200)).body.lock.token;
    const lost = await save(alice, copyId, "0", { lockToken: token, annotations: [], scores: {} }).expect(409);
    expect(lost.body.error.code).toBe("LOCK_REQUIRED");
    await save(alice, copyId, "0", { lockToken: taken, annotations: [], scores: {} }).expect(200);
    expect(await env.ctx.db.draft.count({ where: { copyId } })).toBe(1);
  });

  it("checks scores against the marking scheme and annotations against their shape", async () => {
    const { copyId, token } = await lockedCopy(alice);
    const [q1, q2] = questions;
    const tooMany = await save(alice, copyId, "0", { lockToken: token, annotations: [], scores: { [q1!.id]: 4.5 } }).expect(400);
    expect(tooMany.body.error.message).toBe("Exercice 1 : au plus 4 point(s).");
    expect((await save(alice, copyId, "0", { lockToken: token, annotations: [], scores: { [q2!.id]: 2.5 } }).expect(400)).body.error.message).toContain("pas de 1");
    await save(alice, copyId, "0", { lockToken: token, annotations: [], scores: { "00000000-0000-4000-8000-000000000000": 1 } }).expect(400);
    await save(alice, copyId, "0", { lockToken: token, annotations: [{ ...stroke, points: [[1.5, 0, 0]] }], scores: {} }).expect(400);
    await save(alice, copyId, "0", { lockToken: token, annotations: [{ ...stroke, type: "laser" }], scores: {} }).expect(400);
    expect(await env.ctx.db.draft.count({ where: { copyId } })).toBe(0);
  });

  it("keeps the last 20 versions of a copy", async () => {
    const { copyId, token } = await lockedCopy(alice);
    for (let v = 0; v < 23; v++) await save(alice, copyId, String(v), { lockToken: token, annotations: [], scores: {} }).expect(200);
    const versions = (await env.ctx.db.draft.findMany({ where: { copyId }, orderBy: { version: "asc" } })).map((d) => d.version);
    expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 4));
  });

  it("never drops the version a graded PDF was drawn from, however many saves follow", async () => {
    const { copyId, token } = await lockedCopy(alice);
    await save(alice, copyId, "0", { lockToken: token, annotations: [], scores: { [questions[0]!.id]: 3 } }).expect(200);
    // As after a reopen: version 1 is the grade the student was given, kept with its PDF.
    await env.ctx.db.gradedPdf.create({ data: { schoolId, copyId, draftVersion: 1, storagePath: "graded/x.pdf", sha256: "0".repeat(64), sizeBytes: 1, totalScore: 3 } });
    for (let v = 1; v < 25; v++) await save(alice, copyId, String(v), { lockToken: token, annotations: [], scores: {} }).expect(200);
    const versions = (await env.ctx.db.draft.findMany({ where: { copyId }, orderBy: { version: "asc" } })).map((d) => d.version);
    expect(versions).toEqual([1, ...Array.from({ length: 20 }, (_, i) => i + 6)]);
  });
});
