// Finalizing end to end: copies with real scanned pages, a worker in this process drawing the
// graded PDFs; missing scores, asking twice, a worker gone mid-way, failure and retry, reopening.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { makeGradableCopies } from "../../test/copy-factory.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";
import { recoverFinalizing } from "./finalize.js";

const exec = promisify(execFile);

let env: TestEnv;
let dataDir: string;
let worker: RunningWorker | null = null;
let schoolId: string;
let examId: string;
let adminId: string;
let admin: Client;
let alice: Client;
let questions: { id: string; label: string }[];
let copies: string[];

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);
const save = (c: Client, copyId: string, version: number, body: object) =>
  c.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", c.csrf).set("If-Match", `"${version}"`).send(body);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-finalize-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  schoolId = (await createSchool(env.ctx)).id;
  const a = await createStaff(env.ctx, schoolId, "ADMIN");
  adminId = a.id;
  admin = await staffClient(env.app, a.email);
  const t = await createStaff(env.ctx, schoolId, "TEACHER");
  alice = await staffClient(env.app, t.email);
  examId = (await post(admin, "/api/exams", { title: "DS de physique", subject: "Physique", date: "2026-11-20", classNames: ["1re B"], pagesPerCopy: 4, layout: "A3_DOUBLE" }).expect(201)).body.exam.id;
  const scheme = await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf)
    .send({ questions: [{ label: "Exercice 1", maxPoints: 4 }, { label: "Exercice 2", maxPoints: 6 }, { label: "Exercice 3", maxPoints: 10 }], reportScale: 20 }).expect(200);
  questions = scheme.body.exam.questions;
  await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: [t.id] }).expect(200);
  copies = (await makeGradableCopies(env.ctx, { schoolId, examId, uploadedById: adminId, copies: 6, layout: "A3_DOUBLE" })).copyIds;
  worker = await startWorker(env.ctx);
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

const stroke = { id: "s1", type: "pen", page: 2, color: "#d32f2f", width: 0.004, points: [[0.2, 0.3, 0.5], [0.5, 0.35, 0.6], [0.7, 0.5, 0.5]] };

/** Locks a copy as Alice and saves one draft with these scores; returns the lock token and version. */
async function graded(copyId: string, scores: Record<string, number | null>) {
  const token = (await post(alice, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
  const scoreMark = { id: "m1", type: "score", page: 1, questionId: questions[0]!.id, x: 0.8, y: 0.1 };
  const saved = await save(alice, copyId, 0, { lockToken: token, annotations: [stroke, scoreMark], scores, comment: "Travail sérieux, à approfondir." }).expect(200);
  return { token, version: saved.body.draft.version as number };
}

const allScored = () => ({ [questions[0]!.id]: 3.5, [questions[1]!.id]: null, [questions[2]!.id]: 8 });
const copyRow = (id: string) => env.ctx.db.copy.findUniqueOrThrow({ where: { id } });
const untilSettled = (id: string) => waitFor(() => copyRow(id), (c) => c.status === "GRADED" || c.status === "FAILED", 60_000);

describe("finalize", () => {
  it("refuses a copy with a question not scored, naming it, and changes nothing", async () => {
    const copyId = copies[0]!;
    const { token, version } = await graded(copyId, { [questions[0]!.id]: 2 });
    const res = await post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version }).expect(422);
    expect(res.body.error.code).toBe("MISSING_SCORES");
    expect(res.body.error.message).toContain("Exercice 2, Exercice 3");
    expect(res.body.error.details.questions.map((q: { label: string }) => q.label)).toEqual(["Exercice 2", "Exercice 3"]);
    expect((await copyRow(copyId)).status).toBe("LOCKED");
    const stale = await post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version: version + 1 }).expect(412);
    expect(stale.body.error.code).toBe("STALE_VERSION");
    const unlocked = await post(alice, `/api/copies/${copyId}/finalize`, { lockToken: "x".repeat(30), version }).expect(409);
    expect(unlocked.body.error.code).toBe("LOCK_REQUIRED");
  });

  it("draws the graded PDF: source pages + a summary with every score, stored with its sha256; asked twice, one PDF", async () => {
    const copyId = copies[1]!;
    const { token, version } = await graded(copyId, allScored());
    const [first, second] = await Promise.all([
      post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version }),
      post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version }),
    ]);
    expect([first.status, second.status]).toEqual([202, 202]);
    expect(first.body.copy.status).toMatch(/FINALIZING|GRADED/);
    const copy = await untilSettled(copyId);
    expect(copy).toMatchObject({ status: "GRADED", finalVersion: version });
    expect(copy.totalScore?.toNumber()).toBe(11.5);
    await post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version }).expect(202);

    const pdfs = await env.ctx.db.gradedPdf.findMany({ where: { copyId } });
    expect(pdfs).toHaveLength(1);
    const events = await env.ctx.db.gradingEvent.findMany({ where: { copyId, type: { in: ["finalize_requested", "graded"] } } });
    expect(events.map((e) => e.type).sort()).toEqual(["finalize_requested", "graded"]);
    expect(await env.ctx.db.copyLock.count({ where: { copyId } })).toBe(0);

    const file = path.join(dataDir, pdfs[0]!.storagePath);
    const bytes = await readFile(file);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(pdfs[0]!.sha256);
    const { stdout: pageCount } = await exec("qpdf", ["--show-npages", file]);
    expect(Number(pageCount.trim())).toBe(4 + 1);
    const { stdout: summary } = await exec("pdftotext", ["-f", "5", "-l", "5", "-layout", file, "-"]);
    expect(summary).toContain("3,5 / 4");
    expect(summary).toContain("8 / 10");
    expect(summary).toContain("11,5 / 20");
    expect(summary).toContain("Travail sérieux");

    const download = await alice.agent.get(`/api/copies/${copyId}/graded.pdf`).buffer(true).expect(200);
    expect(download.headers["content-type"]).toContain("application/pdf");
    expect(Buffer.compare(download.body as Buffer, bytes)).toBe(0);
  }, 90_000);

  it("finishes a copy left FINALIZING by a worker that was killed, through the recovery sweep", async () => {
    const copyId = copies[2]!;
    const { token, version } = await graded(copyId, allScored());
    await worker!.close();
    worker = null;
    await post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version }).expect(202);
    // The queue lost the job (as if Redis had been emptied with the worker gone).
    const keys = await env.ctx.redis.keys(`${env.config.REDIS_PREFIX}:grading:*`);
    if (keys.length > 0) await env.ctx.redis.del(...keys);
    expect((await copyRow(copyId)).status).toBe("FINALIZING");
    worker = await startWorker(env.ctx);
    expect((await untilSettled(copyId)).status).toBe("GRADED");
    expect(await recoverFinalizing(env.ctx)).toBe(0);
  }, 90_000);

  it("marks a copy it cannot draw FAILED with the reason, and a retry finishes it once fixed", async () => {
    const copyId = copies[3]!;
    const { token, version } = await graded(copyId, allScored());
    const booklet = await env.ctx.db.booklet.findFirstOrThrow({ where: { copyId } });
    await env.ctx.db.page.updateMany({ where: { bookletId: booklet.id }, data: { bookletId: null } });
    await post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version }).expect(202);
    const failed = await untilSettled(copyId);
    expect(failed.status).toBe("FAILED");
    expect(failed.failureReason).toContain("plus aucune page");
    const shown = await alice.agent.get(`/api/copies/${copyId}`).expect(200);
    expect(shown.body.copy).toMatchObject({ status: "FAILED", failureReason: failed.failureReason });

    await env.ctx.db.page.updateMany({ where: { batchId: booklet.batchId, bookletId: null }, data: { bookletId: booklet.id } });
    await post(alice, `/api/copies/${copyId}/retry`).expect(202);
    expect((await untilSettled(copyId)).status).toBe("GRADED");
    const types = (await env.ctx.db.gradingEvent.findMany({ where: { copyId }, orderBy: { id: "asc" } })).map((e) => e.type);
    expect(types.slice(-4)).toEqual(["finalize_requested", "failed", "finalize_retried", "graded"]);
  }, 90_000);

  it("lets an admin reopen a graded copy, keeping its PDF in the history", async () => {
    const copyId = copies[1]!;
    const before = await env.ctx.db.gradedPdf.findFirstOrThrow({ where: { copyId } });
    await post(alice, `/api/copies/${copyId}/reopen`).expect(403);
    const reopened = await post(admin, `/api/copies/${copyId}/reopen`).expect(200);
    expect(reopened.body.copy).toMatchObject({ status: "READY", gradedPdf: null, totalScore: null });
    await post(admin, `/api/copies/${copyId}/reopen`).expect(409);
    expect(await env.ctx.db.gradedPdf.count({ where: { copyId } })).toBe(1);
    await readFile(path.join(dataDir, before.storagePath));
    const history = await admin.agent.get(`/api/copies/${copyId}/history`).expect(200);
    expect(history.body.events.at(-1)).toMatchObject({ type: "reopened", fromStatus: "GRADED", toStatus: "READY" });
    await alice.agent.get(`/api/copies/${copyId}/graded.pdf`).expect(404);

    // Graded again after a change: a second PDF, the first still there. This time the batch's
    // split pages are gone: the pages are cut out of the batch file again.
    await rm(path.join(dataDir, "sources"), { recursive: true, force: true });
    const token = (await post(alice, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
    const draft = (await alice.agent.get(`/api/copies/${copyId}/draft`).expect(200)).body.draft;
    const saved = await save(alice, copyId, draft.version, { ...draft, lockToken: token, scores: { ...draft.scores, [questions[2]!.id]: 9 } }).expect(200);
    await post(alice, `/api/copies/${copyId}/finalize`, { lockToken: token, version: saved.body.draft.version }).expect(202);
    const regraded = await untilSettled(copyId);
    expect(regraded.totalScore?.toNumber()).toBe(12.5);
    const { stdout: pages } = await exec("qpdf", ["--show-npages", path.join(dataDir, regraded.gradedPdfPath!)]);
    expect(Number(pages.trim())).toBe(5);
    const kept = await env.ctx.db.gradedPdf.findMany({ where: { copyId }, orderBy: { draftVersion: "asc" } });
    expect(kept.map((p) => p.totalScore.toNumber())).toEqual([11.5, 12.5]);
    const earlier = await admin.agent.get(`/api/copies/${copyId}/graded.pdf?version=${kept[0]!.draftVersion}`).buffer(true).expect(200);
    expect(Buffer.compare(earlier.body as Buffer, await readFile(path.join(dataDir, kept[0]!.storagePath)))).toBe(0);
    expect(earlier.headers["content-disposition"]).toContain(`-v${kept[0]!.draftVersion}.pdf`);
    await admin.agent.get(`/api/copies/${copyId}/graded.pdf?version=999`).expect(404);
    await admin.agent.get(`/api/copies/${copyId}/graded.pdf?version=abc`).expect(400);
  }, 90_000);

  it("opens the copy for the editor with its pages in order, the scheme and the lock", async () => {
    const copyId = copies[4]!;
    await post(alice, `/api/copies/${copyId}/lock`).expect(200);
    const res = await alice.agent.get(`/api/copies/${copyId}`).expect(200);
    expect(res.body.pages.map((p: { position: number }) => p.position)).toEqual([1, 2, 3, 4]);
    expect(res.body.pages[0].imageUrl).toBe(`/api/pages/${res.body.pages[0].id}/image`);
    expect(res.body.exam.questions.map((q: { label: string; step: number }) => `${q.label}:${q.step}`)).toEqual(["Exercice 1:0.5", "Exercice 2:0.5", "Exercice 3:0.5"]);
    expect(res.body.copy).toMatchObject({ status: "LOCKED", student: null, lock: { mine: true } });
    const asAdmin = await admin.agent.get(`/api/copies/${copyId}`).expect(200);
    expect(asAdmin.body.copy.student).not.toBeNull();
  });
});
