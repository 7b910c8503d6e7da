// A logged-in student against the whole route table: every route not declared for students
// answers 403 or 404 (never a success), whether its ids are random or those of real objects of
// the student's own school; the student routes answer 404 for ids that are not theirs (nor for
// their own copy of an exam not published).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createStudent, createTestEnv, studentClient, type Client, type TestEnv } from "../../test/harness.js";
import { declaredRoutes, type DeclaredRoute } from "../../lib/http/access.js";

let env: TestEnv;
let student: Client;
/** Ids of real objects of the student's school: their own copy and exam, themselves, a teacher. */
let realIds: string[];

beforeAll(async () => {
  env = await createTestEnv();
  const schoolId = (await createSchool(env.ctx)).id;
  const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
  const me = await createStudent(env.ctx, schoolId);
  const exam = await env.ctx.db.exam.create({ data: { schoolId, title: "DS 1", subject: "Maths", date: new Date("2026-11-20"), classNames: [me.className], pagesPerCopy: 4, createdById: teacher.id, status: "PUBLISHED" } });
  const copy = await env.ctx.db.copy.create({ data: { schoolId, examId: exam.id, studentId: me.id, anonymousCode: "B0001", status: "GRADED" } });
  realIds = [copy.id, exam.id, me.id, teacher.id];
  student = await studentClient(env.app, me.login);
});
afterAll(() => env.close());

const forStudents = (r: DeclaredRoute) => r.access.kind === "public" || r.access.roles.includes("STUDENT");
const concrete = (route: DeclaredRoute, id: () => string) => route.path.replace(/:(\w+)/g, () => id());

async function call(route: DeclaredRoute, id: () => string) {
  const res = await student.agent[route.method](concrete(route, id)).set("X-CSRF-Token", student.csrf).send({});
  return { route: `${route.method.toUpperCase()} ${route.path}`, status: res.status };
}

describe("a student session", () => {
  it("gets 403 or 404 on every staff route, with random ids and with real ids of its school", async () => {
    const staffRoutes = declaredRoutes(env.app).filter((r) => !forStudents(r));
    expect(staffRoutes.length).toBeGreaterThan(50);
    const answers = [];
    for (const route of staffRoutes) {
      answers.push(await call(route, randomUUID));
      if (route.path.includes(":")) for (const real of realIds) answers.push(await call(route, () => real));
    }
    expect(answers.filter((a) => a.status !== 403 && a.status !== 404)).toEqual([]);
    // Still logged in: the refusals were about the routes, not a lost session.
    await student.agent.get("/api/me/copies").expect(200);
  }, 120_000);

  it("gets 404 (or 400 for an empty body) on the student routes for ids that are not its own", async () => {
    const withIds = declaredRoutes(env.app).filter((r) => r.access.kind === "roles" && r.access.roles.includes("STUDENT") && r.path.includes(":"));
    expect(withIds.map((r) => r.path)).toContain("/api/me/copies/:id/pdf");
    const answers = [];
    for (const route of withIds) for (const id of [randomUUID(), ...realIds]) answers.push(await call(route, () => id));
    expect(answers.filter((a) => a.status !== 404 && a.status !== 400)).toEqual([]);
    expect(answers.filter((a) => a.route === "GET /api/me/copies/:id/pdf").map((a) => a.status)).toEqual([404, 404, 404, 404, 404]);
  });
});
