import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, type Client, type TestEnv } from "../../test/harness.js";

let env: TestEnv;
let admin: Client;
let teacher: Client;
let otherAdmin: Client;
let schoolId: string;

const EXAM = { title: "Bac blanc — Philosophie", subject: "Philosophie", date: "2026-12-10", classNames: ["Tle 3"], pagesPerCopy: 8 };

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx)).id;
  const other = await createSchool(env.ctx, "Autre lycée");
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  teacher = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
  otherAdmin = await staffClient(env.app, (await createStaff(env.ctx, other.id, "ADMIN")).email);
});
afterAll(() => env.close());

const create = (client: Client, body: object = EXAM) => client.agent.post("/api/exams").set("X-CSRF-Token", client.csrf).send(body);

describe("exams", () => {
  it("creates an exam with the A3 layout and default name box, audited", async () => {
    const res = await create(admin).expect(201);
    expect(res.body.exam).toMatchObject({ ...EXAM, layout: "A3_DOUBLE", status: "DRAFT", questionCount: 0, nameBox: { x: expect.any(Number) } });
    expect(res.body.exam.copyCounts).toEqual({ STAGING: 0, READY: 0, LOCKED: 0, FINALIZING: 0, GRADED: 0, FAILED: 0 });
    expect(await env.ctx.db.auditLog.count({ where: { action: "exam.created", targetId: res.body.exam.id } })).toBe(1);
  });

  it("refuses bad input with a readable message", async () => {
    const res = await create(admin, { ...EXAM, pagesPerCopy: 6 }).expect(400);
    expect(res.body.error.message).toContain("multiple de 4");
    const missing = await create(admin, { title: "" }).expect(400);
    expect(missing.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(["title", "subject", "date"]));
    await create(admin, { ...EXAM, nameBox: { x: 0.8, y: 0, width: 0.5, height: 0.1 } }).expect(400);
  });

  it("lets teachers read but not write, and hides other schools' exams", async () => {
    const { exam } = (await create(admin).expect(201)).body;
    await teacher.agent.get(`/api/exams/${exam.id}`).expect(200);
    await create(teacher).expect(403);
    const foreign = await otherAdmin.agent.get(`/api/exams/${exam.id}`);
    expect(foreign.status).toBe(404);
    await otherAdmin.agent.patch(`/api/exams/${exam.id}`).set("X-CSRF-Token", otherAdmin.csrf).send({ title: "x" }).expect(404);
    const list = await otherAdmin.agent.get("/api/exams").expect(200);
    expect(list.body.exams.map((e: { id: string }) => e.id)).not.toContain(exam.id);
  });

  it("sets the marking scheme in order and totals it", async () => {
    const { exam } = (await create(admin).expect(201)).body;
    const res = await admin.agent
      .put(`/api/exams/${exam.id}/marking-scheme`)
      .set("X-CSRF-Token", admin.csrf)
      .send({ reportScale: 20, questions: [{ label: "Q1", maxPoints: 5.5 }, { label: "Q2", maxPoints: 7, step: 1 }, { label: "Q3", maxPoints: 7.5, step: 0.25 }] })
      .expect(200);
    expect(res.body.exam.questions.map((q: { position: number; label: string; step: number }) => `${q.position}:${q.label}:${q.step}`)).toEqual(["1:Q1:0.5", "2:Q2:1", "3:Q3:0.25"]);
    expect(res.body.exam).toMatchObject({ totalPoints: 20, reportScale: 20, questionCount: 3 });
    await admin.agent.put(`/api/exams/${exam.id}/marking-scheme`).set("X-CSRF-Token", admin.csrf).send({ questions: [{ label: "Q1", maxPoints: 0.3 }] }).expect(400);
    const offStep = await admin.agent.put(`/api/exams/${exam.id}/marking-scheme`).set("X-CSRF-Token", admin.csrf).send({ questions: [{ label: "Q1", maxPoints: 2.5, step: 1 }] }).expect(400);
    expect(JSON.stringify(offStep.body.error)).toContain("multiple de son pas");
  });

  it("freezes the marking scheme once grading started, and refuses to delete graded work", async () => {
    const { exam } = (await create(admin).expect(201)).body;
    await env.ctx.db.copy.create({ data: { schoolId, examId: exam.id, anonymousCode: "K-0001", status: "GRADED" } });
    const scheme = await admin.agent.put(`/api/exams/${exam.id}/marking-scheme`).set("X-CSRF-Token", admin.csrf).send({ questions: [{ label: "Q1", maxPoints: 20 }] });
    expect(scheme.status).toBe(409);
    expect(scheme.body.error.code).toBe("GRADING_STARTED");
    const del = await admin.agent.delete(`/api/exams/${exam.id}`).set("X-CSRF-Token", admin.csrf);
    expect(del.status).toBe(409);
    expect(del.body.error.message).toContain("seulement archivé");
    expect(await env.ctx.db.exam.count({ where: { id: exam.id } })).toBe(1);
    const archived = await admin.agent.post(`/api/exams/${exam.id}/archive`).set("X-CSRF-Token", admin.csrf).expect(200);
    expect(archived.body.exam).toMatchObject({ status: "ARCHIVED", copyCounts: { GRADED: 1 } });
    const edit = await admin.agent.patch(`/api/exams/${exam.id}`).set("X-CSRF-Token", admin.csrf).send({ title: "Nouveau titre" });
    expect(edit.status).toBe(409);
  });

  it("deletes an exam with nothing scanned", async () => {
    const { exam } = (await create(admin).expect(201)).body;
    await admin.agent.delete(`/api/exams/${exam.id}`).set("X-CSRF-Token", admin.csrf).expect(204);
    await admin.agent.get(`/api/exams/${exam.id}`).expect(404);
  });

  it("edits fields, and refuses a malformed id with 400", async () => {
    const { exam } = (await create(admin).expect(201)).body;
    const res = await admin.agent.patch(`/api/exams/${exam.id}`).set("X-CSRF-Token", admin.csrf).send({ title: "DS commun", layout: "A4_BATCH", pagesPerCopy: 3 }).expect(200);
    expect(res.body.exam).toMatchObject({ title: "DS commun", layout: "A4_BATCH", pagesPerCopy: 3 });
    const nameBox = { x: 0.1, y: 0.05, width: 0.5, height: 0.1 };
    await admin.agent.patch(`/api/exams/${exam.id}`).set("X-CSRF-Token", admin.csrf).send({ nameBox }).expect(200);
    const titleOnly = await admin.agent.patch(`/api/exams/${exam.id}`).set("X-CSRF-Token", admin.csrf).send({ title: "DS commun 2" }).expect(200);
    expect(titleOnly.body.exam).toMatchObject({ title: "DS commun 2", layout: "A4_BATCH", nameBox });
    await admin.agent.get("/api/exams/not-a-uuid").expect(400);
  });
});
