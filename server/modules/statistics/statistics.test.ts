// Statistics: the computations on known values, then GET /exams/:id/statistics on a fixture exam
// (only GRADED copies, latest version) and who may read it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createSchool, createStaff, createStudent, createTestEnv, staffClient, studentClient, type Client, type TestEnv } from "../../test/harness.js";
import { ds3Fixture } from "../../test/marks-fixture.js";
import { scaledMark } from "../grading/scoring.js";
import { examStatistics, histogram, questionStats, summarize } from "./service.js";

describe("summarize", () => {
  it("gives mean, median, population standard deviation, min and max", () => {
    // The textbook example: population standard deviation exactly 2 (the sample one would be 2.14).
    expect(summarize([2, 4, 4, 4, 5, 5, 7, 9])).toEqual({ count: 8, mean: 5, median: 4.5, stdDev: 2, min: 2, max: 9 });
    expect(summarize([17, 9.5, 13.25, 12, 14.5])).toEqual({ count: 5, mean: 13.25, median: 13.25, stdDev: 2.5, min: 9.5, max: 17 });
  });

  it("rounds to 2 decimals and handles one value", () => {
    expect(summarize([10, 11, 11])).toEqual({ count: 3, mean: 10.67, median: 11, stdDev: 0.47, min: 10, max: 11 });
    expect(summarize([7])).toEqual({ count: 1, mean: 7, median: 7, stdDev: 0, min: 7, max: 7 });
  });

  it("has no values for no marks", () => {
    expect(summarize([])).toEqual({ count: 0, mean: null, median: null, stdDev: null, min: null, max: null });
  });
});

describe("histogram", () => {
  it("splits /20 in 20 bins of one point, the full mark in the last one", () => {
    const bins = histogram([0, 0.5, 9.99, 10, 19.5, 20], 20);
    expect(bins).toHaveLength(20);
    expect(bins[0]).toEqual({ from: 0, to: 1, count: 2 });
    expect(bins[9]).toEqual({ from: 9, to: 10, count: 1 });
    expect(bins[10]).toEqual({ from: 10, to: 11, count: 1 });
    expect(bins[19]).toEqual({ from: 19, to: 20, count: 2 });
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(6);
  });

  it("uses bins of reportScale / 20 points above 20, of one point below", () => {
    expect(histogram([100, 42], 100).map((b) => [b.from, b.to, b.count])).toEqual(Array.from({ length: 20 }, (_, i) => [i * 5, i * 5 + 5, i === 8 || i === 19 ? 1 : 0]));
    expect(histogram([], 10)).toHaveLength(10);
    const odd = histogram([12.5, 3], 12.5);
    expect(odd).toHaveLength(13);
    expect(odd[12]).toEqual({ from: 12, to: 12.5, count: 1 });
    expect(histogram([3, 4.5], 30).slice(2, 4)).toEqual([{ from: 3, to: 4.5, count: 1 }, { from: 4.5, to: 6, count: 1 }]);
  });
});

describe("questionStats", () => {
  it("averages each question's score and share of its points, a blank counting as 0", () => {
    const questions = [{ id: "q1", label: "Exercice 1", maxPoints: 4 }, { id: "q2", label: "Exercice 2", maxPoints: 6 }];
    expect(questionStats(questions, [{ q1: 4, q2: 3 }, { q1: 2, q2: null }, { q1: 1 }])).toEqual([
      { id: "q1", label: "Exercice 1", maxPoints: 4, averageScore: 2.33, averageRatio: 0.5833 },
      { id: "q2", label: "Exercice 2", maxPoints: 6, averageScore: 1, averageRatio: 0.1667 },
    ]);
    expect(questionStats(questions, [])[0]).toEqual({ id: "q1", label: "Exercice 1", maxPoints: 4, averageScore: null, averageRatio: null });
  });
});

describe("examStatistics", () => {
  it("keeps the exam's classes in order, even empty, then other classes of graded students; unidentified copies count overall only", () => {
    const exam = { id: "e", reportScale: 20, classNames: ["2nde B", "2nde A"], questions: [] };
    const stats = examStatistics(exam, [
      { className: "2nde A", mark: 10, scores: {} },
      { className: "1re C", mark: 12, scores: {} },
      { className: null, mark: 14, scores: {} },
    ]);
    expect(stats.classes.map((c) => [c.className, c.count, c.mean])).toEqual([["2nde B", 0, null], ["2nde A", 1, 10], ["1re C", 1, 12]]);
    expect(stats.overall).toMatchObject({ count: 3, mean: 12, median: 12 });
    expect(stats.classes[0]!.histogram).toHaveLength(20);
  });

  it("puts marks on the report scale as the graded PDF prints them", () => {
    expect(scaledMark(29, 40, 20)).toBe(14.5);
    expect(scaledMark(7, 9, 20)).toBe(15.56);
    expect(scaledMark(3, 0, 20)).toBe(0);
  });
});

describe("GET /exams/:id/statistics", () => {
  let env: TestEnv;
  let dataDir: string;
  let examId: string;
  let admin: Client;
  let grader: Client;
  let otherTeacher: Client;
  let student: Client;
  let otherAdmin: Client;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-statistics-"));
    env = await createTestEnv({ DATA_DIR: dataDir });
    const schoolId = (await createSchool(env.ctx)).id;
    const a = await createStaff(env.ctx, schoolId, "ADMIN");
    const t = await createStaff(env.ctx, schoolId, "TEACHER");
    const u = await createStaff(env.ctx, schoolId, "TEACHER");
    examId = (await ds3Fixture(env.ctx, schoolId, a.id)).examId;
    await env.ctx.db.examGrader.create({ data: { examId, userId: t.id } });
    const s = await createStudent(env.ctx, schoolId);
    const elsewhere = await createStaff(env.ctx, (await createSchool(env.ctx, "Autre lycée")).id, "ADMIN");
    [admin, grader, otherTeacher, student, otherAdmin] = await Promise.all([
      staffClient(env.app, a.email),
      staffClient(env.app, t.email),
      staffClient(env.app, u.email),
      studentClient(env.app, s.login),
      staffClient(env.app, elsewhere.email),
    ]);
  }, 60_000);
  afterAll(async () => {
    await env.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const url = () => `/api/exams/${examId}/statistics`;

  it("computes the marks of the GRADED copies only, from their latest version", async () => {
    const res = await admin.agent.get(url()).expect(200);
    const s = res.body.statistics;
    expect(s.examId).toBe(examId);
    expect(s.reportScale).toBe(20);
    // Not BERNARD's reopened copy (20/20), PETIT's regraded copy at 13,25 (not its first 10).
    const { histogram: bins, ...overall } = s.overall;
    expect(overall).toEqual({ count: 5, mean: 13.25, median: 13.25, stdDev: 2.5, min: 9.5, max: 17 });
    expect(bins.filter((b: { count: number }) => b.count > 0)).toEqual([
      { from: 9, to: 10, count: 1 },
      { from: 12, to: 13, count: 1 },
      { from: 13, to: 14, count: 1 },
      { from: 14, to: 15, count: 1 },
      { from: 17, to: 18, count: 1 },
    ]);
    expect(s.classes.map(({ histogram: _h, ...c }: { histogram: unknown }) => c)).toEqual([
      { className: "2nde A", count: 2, mean: 13.25, median: 13.25, stdDev: 1.25, min: 12, max: 14.5 },
      { className: "2nde B", count: 1, mean: 13.25, median: 13.25, stdDev: 0, min: 13.25, max: 13.25 },
    ]);
    expect(s.questions.map(({ id: _id, ...q }: { id: string }) => q)).toEqual([
      { label: "Exercice 1", maxPoints: 15, averageScore: 10.5, averageRatio: 0.7 },
      { label: "Exercice 2", maxPoints: 25, averageScore: 16, averageRatio: 0.64 },
    ]);
  });

  it("is open to the exam's graders, not to other teachers (404), students (403) or other schools (404)", async () => {
    expect((await grader.agent.get(url()).expect(200)).body.statistics.overall.count).toBe(5);
    expect((await otherTeacher.agent.get(url()).expect(404)).body.error.code).toBe("NOT_FOUND");
    await student.agent.get(url()).expect(403);
    await otherAdmin.agent.get(url()).expect(404);
    await admin.agent.get("/api/exams/pas-un-id/statistics").expect(400);
  });
});
