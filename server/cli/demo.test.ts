// The demo seed behind `npm start`: once, on an empty database, every student enrolled.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../test/harness.js";
import { currentSchoolYear } from "../modules/students/service.js";
import { seedDemo } from "./demo.js";

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.close());

describe("seedDemo", () => {
  it("creates the demo school once, its students enrolled in this school year", async () => {
    const logins = await seedDemo(env.ctx.db);
    expect(logins?.staff.map((s) => s.role).sort()).toEqual(["ADMIN", "TEACHER", "TEACHER"]);
    const students = await env.ctx.db.student.findMany({ include: { enrollments: true } });
    expect(students).toHaveLength(logins!.students.length);
    expect(students.every((s) => s.enrollments.length === 1 && s.enrollments[0]!.schoolYear === currentSchoolYear() && s.enrollments[0]!.className === s.className)).toBe(true);
    expect(await seedDemo(env.ctx.db)).toBeNull();
  });
});
