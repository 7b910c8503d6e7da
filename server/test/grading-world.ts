// A school ready to grade, for tests of the worker and of faults: an admin, a teacher who grades the exam, a
// marking scheme of two questions and READY copies with real scanned pages (copy-factory).
import type { TestEnv, Client } from "./harness.js";
import { createSchool, createStaff, staffClient, STAFF_PASSWORD } from "./harness.js";
import { makeGradableCopies } from "./copy-factory.js";

export interface GradingWorld {
  schoolId: string;
  adminId: string;
  admin: Client;
  teacher: { id: string; email: string; password: string };
  grader: Client;
  examId: string;
  questionIds: string[];
  copyIds: string[];
}

export const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);

export async function gradingWorld(env: TestEnv, copies: number): Promise<GradingWorld> {
  const schoolId = (await createSchool(env.ctx)).id;
  const adminUser = await createStaff(env.ctx, schoolId, "ADMIN");
  const admin = await staffClient(env.app, adminUser.email);
  const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
  const grader = await staffClient(env.app, teacher.email);
  const examId = (await post(admin, "/api/exams", { title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201)).body.exam.id as string;
  const scheme = await admin.agent
    .put(`/api/exams/${examId}/marking-scheme`)
    .set("X-CSRF-Token", admin.csrf)
    .send({ questions: [{ label: "Exercice 1", maxPoints: 5 }, { label: "Exercice 2", maxPoints: 5 }], reportScale: 20 })
    .expect(200);
  await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: [teacher.id] }).expect(200);
  const { copyIds } = copies > 0 ? await makeGradableCopies(env.ctx, { schoolId, examId, uploadedById: adminUser.id, copies, layout: "A4_BATCH", pagesPerCopy: 2, dpi: 72 }) : { copyIds: [] };
  return {
    schoolId,
    adminId: adminUser.id,
    admin,
    teacher: { id: teacher.id, email: teacher.email, password: STAFF_PASSWORD },
    grader,
    examId,
    questionIds: (scheme.body.exam.questions as { id: string }[]).map((q) => q.id),
    copyIds,
  };
}

/** Locks the copy, saves a draft scoring every question and asks to finalize it: one copy.flatten job. */
export async function finalizeCopy(world: GradingWorld, copyId: string): Promise<void> {
  const { grader } = world;
  const lockToken = (await post(grader, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
  const scores = Object.fromEntries(world.questionIds.map((id) => [id, 1]));
  await grader.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", grader.csrf).set("If-Match", `"0"`).send({ lockToken, annotations: [], scores, comment: "" }).expect(200);
  await post(grader, `/api/copies/${copyId}/finalize`, { lockToken, version: 1 }).expect(202);
}
