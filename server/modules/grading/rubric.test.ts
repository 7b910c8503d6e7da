// Rubrics against the real database and a worker: applied items drive a question's score;
// changing an item re-scores exactly the copies using it (drafts and graded copies, whose PDFs
// are drawn again) and leaves the others untouched.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { makeGradableCopies } from "../../test/copy-factory.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";

const exec = promisify(execFile);

let env: TestEnv;
let dataDir: string;
let worker: RunningWorker;
let examId: string;
let admin: Client;
let alice: Client;
let bob: Client;
let outsider: Client;
let q1: { id: string };
let q2: { id: string };
let copies: string[];

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);
const patch = (c: Client, url: string, body: object) => c.agent.patch(url).set("X-CSRF-Token", c.csrf).send(body);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-rubric-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  const schoolId = (await createSchool(env.ctx)).id;
  const a = await createStaff(env.ctx, schoolId, "ADMIN");
  admin = await staffClient(env.app, a.email);
  const [ta, tb, to] = [await createStaff(env.ctx, schoolId, "TEACHER"), await createStaff(env.ctx, schoolId, "TEACHER"), await createStaff(env.ctx, schoolId, "TEACHER")];
  [alice, bob, outsider] = [await staffClient(env.app, ta.email), await staffClient(env.app, tb.email), await staffClient(env.app, to.email)];
  examId = (await post(admin, "/api/exams", { title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201)).body.exam.id;
  const scheme = await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf)
    .send({ questions: [{ label: "Exercice 1", maxPoints: 4 }, { label: "Exercice 2", maxPoints: 6, step: 0.25 }] }).expect(200);
  [q1, q2] = scheme.body.exam.questions;
  await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: [ta.id, tb.id] }).expect(200);
  copies = (await makeGradableCopies(env.ctx, { schoolId, examId, uploadedById: a.id, copies: 5, layout: "A4_BATCH", pagesPerCopy: 2 })).copyIds;
  worker = await startWorker(env.ctx);
}, 60_000);
afterAll(async () => {
  await worker.close();
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function grade(by: Client, copyId: string, body: { scores: Record<string, number | null>; rubric?: Record<string, string[]>; overrides?: string[] }) {
  const token = (await post(by, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
  const saved = await by.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", by.csrf).set("If-Match", '"0"')
    .send({ lockToken: token, annotations: [], comment: "", ...body }).expect(200);
  return { token, draft: saved.body.draft };
}

const latestScores = async (copyId: string) => (await env.ctx.db.draft.findFirstOrThrow({ where: { copyId }, orderBy: { version: "desc" } })).scores as Record<string, number | null>;

describe("rubrics", () => {
  let units: string;
  let justify: string;
  let bonus: string;

  it("lets any grader build the shared list, with points on the question's step and unique shortcuts", async () => {
    units = (await post(alice, `/api/exams/${examId}/rubric/items`, { questionId: q1.id, label: "Unité manquante", points: 0.5, shortcut: "1" }).expect(201)).body.item.id;
    justify = (await post(bob, `/api/exams/${examId}/rubric/items`, { questionId: q1.id, label: "Justifier", points: 1 }).expect(201)).body.item.id;
    bonus = (await post(admin, `/api/exams/${examId}/rubric/items`, { questionId: q2.id, label: "Méthode correcte", points: 2.25 }).expect(201)).body.item.id;
    const offStep = await post(alice, `/api/exams/${examId}/rubric/items`, { questionId: q1.id, label: "Trop fin", points: 0.25 }).expect(400);
    expect(offStep.body.error.message).toContain("pas de la question");
    const clash = await post(alice, `/api/exams/${examId}/rubric/items`, { questionId: q2.id, label: "Autre", points: 1, shortcut: "1" }).expect(409);
    expect(clash.body.error.message).toContain("Unité manquante");
    await post(outsider, `/api/exams/${examId}/rubric/items`, { questionId: q1.id, label: "X", points: 1 }).expect(403);
    await admin.agent.put(`/api/questions/${q1.id}/rubric-mode`).set("X-CSRF-Token", admin.csrf).send({ mode: "SUBTRACT" }).expect(200);
    const list = await bob.agent.get(`/api/exams/${examId}/rubric`).expect(200);
    expect(list.body.questions).toMatchObject([
      { questionId: q1.id, mode: "SUBTRACT", items: [{ label: "Unité manquante", points: 0.5, shortcut: "1", usage: 0 }, { label: "Justifier", points: 1 }] },
      { questionId: q2.id, mode: "ADD", items: [{ label: "Méthode correcte", points: 2.25 }] },
    ]);
  });

  it("derives a question's score from its items unless the teacher typed over it", async () => {
    const { draft } = await grade(alice, copies[0]!, { scores: { [q1.id]: 4 }, rubric: { [q1.id]: [units, justify], [q2.id]: [bonus] } });
    expect(draft.scores).toEqual({ [q1.id]: 2.5, [q2.id]: 2.25 });
    const { draft: typed } = await grade(alice, copies[1]!, { scores: { [q1.id]: 3, [q2.id]: 1 }, rubric: { [q1.id]: [units] }, overrides: [q1.id] });
    expect(typed.scores).toEqual({ [q1.id]: 3, [q2.id]: 1 });
    const wrong = await post(alice, `/api/copies/${copies[2]!}/lock`).expect(200);
    const misplaced = await alice.agent.put(`/api/copies/${copies[2]!}/draft`).set("X-CSRF-Token", alice.csrf).set("If-Match", '"0"')
      .send({ lockToken: wrong.body.lock.token, annotations: [], scores: {}, rubric: { [q2.id]: [units] } }).expect(400);
    expect(misplaced.body.error.message).toContain("n'existe pas");
    await alice.agent.delete(`/api/copies/${copies[2]!}/lock`).set("X-CSRF-Token", alice.csrf).send({ token: wrong.body.lock.token }).expect(204);
  });

  it("re-scores the 3 copies using an item (drafts and a graded one, whose PDF is drawn again) and leaves the others alone", async () => {
    // copies[0]: draft using `units` (derived). copies[2]: graded, using `units`. copies[3]: draft using `units`.
    // copies[1]: uses `units` but its score was typed over. copies[4]: does not use it.
    const graded = await grade(bob, copies[2]!, { scores: { [q2.id]: 5 }, rubric: { [q1.id]: [units] } });
    await post(bob, `/api/copies/${copies[2]!}/finalize`, { lockToken: graded.token, version: graded.draft.version }).expect(202);
    await waitFor(() => env.ctx.db.copy.findUniqueOrThrow({ where: { id: copies[2]! } }), (c) => c.status === "GRADED", 60_000);
    await grade(bob, copies[3]!, { scores: {}, rubric: { [q1.id]: [units, justify] } });
    await grade(bob, copies[4]!, { scores: { [q1.id]: 1 }, rubric: { [q1.id]: [justify] } });
    const untouched = { 1: await latestScores(copies[1]!), 4: await latestScores(copies[4]!) };
    const versions4 = await env.ctx.db.draft.count({ where: { copyId: copies[4]! } });

    const res = await patch(alice, `/api/rubric-items/${units}`, { points: 1.5, label: "Unités manquantes" }).expect(200);
    expect(res.body.rescored).toEqual({ copies: 3, regenerated: 1 });
    expect(res.body.item).toMatchObject({ points: 1.5, label: "Unités manquantes", usage: 4 });

    expect((await latestScores(copies[0]!))[q1.id]).toBe(1.5);
    expect((await latestScores(copies[3]!))[q1.id]).toBe(1.5);
    expect(await latestScores(copies[1]!)).toEqual(untouched[1]);
    expect(await latestScores(copies[4]!)).toEqual(untouched[4]);
    expect(await env.ctx.db.draft.count({ where: { copyId: copies[4]! } })).toBe(versions4);

    const regraded = await waitFor(() => env.ctx.db.copy.findUniqueOrThrow({ where: { id: copies[2]! } }), (c) => c.status === "GRADED" && c.totalScore?.toNumber() === 7.5, 60_000);
    const pdfs = await env.ctx.db.gradedPdf.findMany({ where: { copyId: copies[2]! }, orderBy: { draftVersion: "asc" } });
    expect(pdfs.map((p) => p.totalScore.toNumber())).toEqual([8.5, 7.5]);
    expect(regraded.gradedPdfPath).toBe(pdfs[1]!.storagePath);
    const { stdout } = await exec("pdftotext", ["-layout", path.join(dataDir, pdfs[1]!.storagePath), "-"]);
    expect(stdout).toContain("Unités manquantes");
    expect(stdout).toContain("2,5 / 4");
    const events = await env.ctx.db.gradingEvent.findMany({ where: { type: "rescored" } });
    expect(events.map((e) => e.copyId).sort()).toEqual([copies[0]!, copies[2]!, copies[3]!].sort());
  }, 120_000);

  it("keeps an archived item on the copies that applied it", async () => {
    await alice.agent.delete(`/api/rubric-items/${justify}`).set("X-CSRF-Token", alice.csrf).expect(204);
    const list = await alice.agent.get(`/api/exams/${examId}/rubric`).expect(200);
    expect(list.body.questions[0].items.map((i: { label: string }) => i.label)).toEqual(["Unités manquantes"]);
    expect((await latestScores(copies[4]!))[q1.id]).toBe(3);
    await patch(alice, `/api/rubric-items/${justify}`, { points: 2 }).expect(409);
  });

  it("makes a save applying an item wait for that item's change, so its score uses the new points", async () => {
    const copyId = copies[4]!;
    const { token } = await env.ctx.db.copyLock.findUniqueOrThrow({ where: { copyId } });
    const { version } = await env.ctx.db.draft.findFirstOrThrow({ where: { copyId }, orderBy: { version: "desc" } });
    const changing = await env.ctx.pool.connect();
    try {
      // An item change as rubric.ts makes it: the exam's rubric lock first, then the new points.
      await changing.query("BEGIN");
      await changing.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`rubric:${examId}`]);
      await changing.query(`UPDATE "RubricItem" SET "points" = 3 WHERE "id" = $1::uuid`, [bonus]);
      const saving = bob.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", bob.csrf).set("If-Match", `"${version}"`)
        .send({ lockToken: token, annotations: [], comment: "", scores: {}, rubric: { [q2.id]: [bonus] } }).then((r) => r);
      const waiting = () => env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'`);
      await waitFor(waiting, (r) => r.rows[0]!.n === 1);
      await changing.query("COMMIT");
      const saved = await saving;
      expect(saved.status).toBe(200);
      expect(saved.body.draft.scores[q2.id]).toBe(3);
    } finally {
      changing.release();
    }
  });
});
