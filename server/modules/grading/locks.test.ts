// Locks and assignment against the real database: one grader at a time on a copy, proven by
// a race; take-over, heartbeat, release, expiry and an admin's break; who may lock what.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createStudent, createTestEnv, staffClient, studentClient, type Client, type TestEnv } from "../../test/harness.js";

let env: TestEnv;
let schoolId: string;
let admin: Client;
let alice: Client;
let aliceId: string;
let bob: Client;
let bobId: string;
let outsider: Client;
let foreignAdmin: Client;
let examId: string;

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);
const put = (c: Client, url: string, body: object) => c.agent.put(url).set("X-CSRF-Token", c.csrf).send(body);

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx)).id;
  const other = await createSchool(env.ctx, "Autre lycée");
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  const a = await createStaff(env.ctx, schoolId, "TEACHER");
  await env.ctx.db.user.update({ where: { id: a.id }, data: { displayName: "Alice Martin" } });
  aliceId = a.id;
  alice = await staffClient(env.app, a.email);
  const b = await createStaff(env.ctx, schoolId, "TEACHER");
  bobId = b.id;
  bob = await staffClient(env.app, b.email);
  outsider = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
  foreignAdmin = await staffClient(env.app, (await createStaff(env.ctx, other.id, "ADMIN")).email);
  const exam = await post(admin, "/api/exams", { title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A", "2nde B"], pagesPerCopy: 4, layout: "A4_BATCH" }).expect(201);
  examId = exam.body.exam.id;
  await put(admin, `/api/exams/${examId}/graders`, { userIds: [aliceId, bobId] }).expect(200);
});
afterAll(async () => {
  await env.close();
});

let codes = 0;
async function readyCopy(className = "2nde A") {
  const student = await createStudent(env.ctx, schoolId);
  await env.ctx.db.student.update({ where: { id: student.id }, data: { className } });
  codes += 1;
  return env.ctx.db.copy.create({ data: { schoolId, examId, studentId: student.id, status: "READY", anonymousCode: `C${String(codes).padStart(5, "0")}` } });
}

describe("locks", () => {
  it("gives a copy to exactly one of 20 simultaneous requests", async () => {
    const copy = await readyCopy();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? alice : bob, `/api/copies/${copy.id}/lock`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    expect(await env.ctx.db.copyLock.count({ where: { copyId: copy.id } })).toBe(1);
    expect(await env.ctx.db.gradingEvent.count({ where: { copyId: copy.id, type: "locked" } })).toBe(1);
  });

  it("tells a second teacher who holds the copy and until when, and lets the same teacher take it over explicitly", async () => {
    const copy = await readyCopy();
    const first = await post(alice, `/api/copies/${copy.id}/lock`).expect(200);
    expect(first.body.lock.token).toMatch(/^[\w-]{32}$/);
    expect(new Date(first.body.lock.expiresAt).getTime() - Date.now()).toBeGreaterThan(9 * 60_000);
    expect((await env.ctx.db.copy.findUniqueOrThrow({ where: { id: copy.id } })).status).toBe("LOCKED");

    const other = await post(bob, `/api/copies/${copy.id}/lock`).expect(409);
    expect(other.body.error.code).toBe("LOCKED_BY_OTHER");
    expect(other.body.error.message).toMatch(/Alice Martin jusqu'à \d\d:\d\d/);

    const secondTab = await post(alice, `/api/copies/${copy.id}/lock`).expect(409);
    expect(secondTab.body.error.code).toBe("LOCK_HELD_BY_YOU");
    const taken = await post(alice, `/api/copies/${copy.id}/lock`, { takeOver: true }).expect(200);
    expect(taken.body.lock.token).not.toBe(first.body.lock.token);

    // The first tab's heartbeat now fails: its lock was taken over.
    const lost = await post(alice, `/api/copies/${copy.id}/lock/heartbeat`, { token: first.body.lock.token }).expect(409);
    expect(lost.body.error.code).toBe("LOCK_LOST");
    await post(alice, `/api/copies/${copy.id}/lock/heartbeat`, { token: taken.body.lock.token }).expect(200);
  });

  it("releases with the token, back to READY; a wrong token changes nothing", async () => {
    const copy = await readyCopy();
    const { token } = (await post(alice, `/api/copies/${copy.id}/lock`).expect(200)).body.lock;
    await alice.agent.delete(`/api/copies/${copy.id}/lock`).set("X-CSRF-Token", alice.csrf).send({ token: "x".repeat(32) }).expect(204);
    expect(await env.ctx.db.copyLock.count({ where: { copyId: copy.id } })).toBe(1);
    await alice.agent.delete(`/api/copies/${copy.id}/lock`).set("X-CSRF-Token", alice.csrf).send({ token }).expect(204);
    expect(await env.ctx.db.copyLock.count({ where: { copyId: copy.id } })).toBe(0);
    const events = await env.ctx.db.gradingEvent.findMany({ where: { copyId: copy.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => [e.type, e.fromStatus, e.toStatus])).toEqual([["locked", "READY", "LOCKED"], ["unlocked", "LOCKED", "READY"]]);
  });

  it("lets another grader reclaim an expired lock", async () => {
    const copy = await readyCopy();
    await post(alice, `/api/copies/${copy.id}/lock`).expect(200);
    await env.ctx.db.copyLock.update({ where: { copyId: copy.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    await post(bob, `/api/copies/${copy.id}/lock`).expect(200);
    const event = await env.ctx.db.gradingEvent.findFirstOrThrow({ where: { copyId: copy.id, actorId: bobId } });
    expect(event.data).toMatchObject({ reclaimedFrom: aliceId });
  });

  it("lets an admin break a lock (audited), after which the teacher's editor has lost it", async () => {
    const copy = await readyCopy();
    const { token } = (await post(alice, `/api/copies/${copy.id}/lock`).expect(200)).body.lock;
    await post(alice, `/api/copies/${copy.id}/lock/break`).expect(403);
    await post(admin, `/api/copies/${copy.id}/lock/break`).expect(204);
    expect((await env.ctx.db.copy.findUniqueOrThrow({ where: { id: copy.id } })).status).toBe("READY");
    expect(await env.ctx.db.auditLog.count({ where: { action: "copy.lock_broken", targetId: copy.id } })).toBe(1);
    const history = (await admin.agent.get(`/api/copies/${copy.id}/history`).expect(200)).body.events;
    expect(history.map((e: { type: string; actor: string; fromStatus: string; toStatus: string }) => [e.type, e.actor, e.fromStatus, e.toStatus])).toEqual([
      ["locked", "Alice Martin", "READY", "LOCKED"],
      ["lock_broken", "ADMIN de test", "LOCKED", "READY"],
    ]);
    await alice.agent.get(`/api/copies/${copy.id}/history`).expect(403);
    await foreignAdmin.agent.get(`/api/copies/${copy.id}/history`).expect(404);
    await post(alice, `/api/copies/${copy.id}/lock/heartbeat`, { token }).expect(409);
    await post(admin, `/api/copies/${copy.id}/lock/break`).expect(409);
  });

  it("refuses teachers not grading the exam, other schools, students, and copies that cannot be graded", async () => {
    const copy = await readyCopy();
    const refused = await post(outsider, `/api/copies/${copy.id}/lock`).expect(403);
    expect(refused.body.error.message).toContain("correcteur");
    await post(foreignAdmin, `/api/copies/${copy.id}/lock/break`).expect(404);
    await post(admin, `/api/copies/${copy.id}/lock`).expect(403);
    const student = await createStudent(env.ctx, schoolId);
    await post(await studentClient(env.app, student.login), `/api/copies/${copy.id}/lock`).expect(403);
    await env.ctx.db.copy.update({ where: { id: copy.id }, data: { status: "GRADED" } });
    expect((await post(alice, `/api/copies/${copy.id}/lock`).expect(409)).body.error.message).toContain("déjà corrigée");
    await post(alice, `/api/copies/00000000-0000-4000-8000-000000000000/lock`).expect(404);
  });
});

describe("assignment", () => {
  it("accepts only active teachers of the school as graders", async () => {
    const adminUser = await env.ctx.db.user.findFirstOrThrow({ where: { schoolId, role: "ADMIN" } });
    await put(admin, `/api/exams/${examId}/graders`, { userIds: [aliceId, adminUser.id] }).expect(400);
    await put(alice, `/api/exams/${examId}/graders`, { userIds: [aliceId] }).expect(403);
    await put(foreignAdmin, `/api/exams/${examId}/graders`, { userIds: [] }).expect(404);
  });

  it("deals copies out evenly, or whole classes to each grader, and reassigns one (audited)", async () => {
    await env.ctx.db.copy.updateMany({ where: { examId }, data: { graderId: null, status: "READY" } });
    await env.ctx.db.copyLock.deleteMany({});
    for (let i = 0; i < 5; i++) await readyCopy(i < 3 ? "2nde A" : "2nde B");
    const even = (await post(admin, `/api/exams/${examId}/dispatch`, { mode: "even", redistribute: true }).expect(200)).body.graders;
    const total = await env.ctx.db.copy.count({ where: { examId, status: "READY" } });
    expect(even.map((g: { copies: number }) => g.copies).reduce((a: number, b: number) => a + b, 0)).toBe(total);
    expect(Math.abs(even[0].copies - even[1].copies)).toBeLessThanOrEqual(1);

    await post(admin, `/api/exams/${examId}/dispatch`, { mode: "class", redistribute: true }).expect(200);
    const copies = await env.ctx.db.copy.findMany({ where: { examId, status: "READY" }, include: { student: true } });
    for (const className of ["2nde A", "2nde B"]) {
      expect(new Set(copies.filter((c) => c.student?.className === className).map((c) => c.graderId)).size).toBe(1);
    }

    const one = copies[0]!;
    const to = one.graderId === aliceId ? bobId : aliceId;
    await put(admin, `/api/copies/${one.id}/grader`, { userId: to }).expect(200);
    expect((await env.ctx.db.copy.findUniqueOrThrow({ where: { id: one.id } })).graderId).toBe(to);
    expect(await env.ctx.db.auditLog.count({ where: { action: "copy.reassigned", targetId: one.id } })).toBe(1);
    const notGrader = await env.ctx.db.user.findFirstOrThrow({ where: { schoolId, role: "TEACHER", id: { notIn: [aliceId, bobId] } } });
    await put(admin, `/api/copies/${one.id}/grader`, { userId: notGrader.id }).expect(400);
  });
});
