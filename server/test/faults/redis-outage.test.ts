// Redis stopped for 20 s under a working school: a batch being converted, a teacher autosaving
// in the SPA's editor every 2 s, another copy finalized. The API stays up: readiness says 503
// naming Redis, an upload is refused with 503 + Retry-After before anything is written, a login
// too (its counters live in Redis), while autosaves land as usual (they need PostgreSQL only).
// Redis comes back empty (no persistence): the worker's sweep finds the work whose jobs were
// lost, and everything ends done, once.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { setTimeout as sleep } from "node:timers/promises";
import { filesUnder } from "../files.js";
import { anonymousClient, createTestEnv, STAFF_PASSWORD, waitFor, type TestEnv } from "../harness.js";
import { makeA4Batch } from "../scan-factory.js";
import { PrivateRedis } from "./private-redis.js";
import { killWorkers, spawnWorker, type WorkerProcess } from "./worker-process.js";
import { gradingWorld, post, type GradingWorld } from "../grading-world.js";
import { webEditor } from "./web-editor.js";

// The browser's IndexedDB (idb-keyval), where the editor keeps edits the server does not have yet.
const browserStore = vi.hoisted(() => new Map<string, unknown>());
vi.mock("idb-keyval", () => ({
  get: (key: string) => Promise.resolve(browserStore.get(key)),
  set: (key: string, value: unknown) => Promise.resolve(void browserStore.set(key, structuredClone(value))),
  del: (key: string) => Promise.resolve(void browserStore.delete(key)),
}));

const OUTAGE_MS = 20_000;

let env: TestEnv;
let redis: PrivateRedis;
let dataDir: string;
let world: GradingWorld;
let worker: WorkerProcess;
let server: Server;
let origin: string;

beforeAll(async () => {
  redis = await PrivateRedis.start();
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-redis-outage-"));
  env = await createTestEnv({ REDIS_URL: redis.url, DATA_DIR: dataDir });
  world = await gradingWorld(env, 2);
  server = env.app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  worker = spawnWorker(env.config);
  expect(await waitFor(async () => (await request(env.app).get("/api/health/ready")).status, (s) => s === 200)).toBe(200);
}, 60_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await new Promise((resolve) => server?.close(resolve));
  await killWorkers();
  // Its keys are deleted through it.
  if (redis && !redis.running) await redis.start();
  await env?.close();
  await redis?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const upload = (pdf: Uint8Array, name: string) => world.admin.agent.post(`/api/exams/${world.examId}/scans`).set("X-CSRF-Token", world.admin.csrf).attach("file", Buffer.from(pdf), name);
const batchOf = (name: string) => env.ctx.db.scanBatch.findFirst({ where: { examId: world.examId, originalName: name } });
const pagesDone = (batchId: string) => env.ctx.db.page.count({ where: { batchId, status: "DONE" } });

/** Files under DATA_DIR/<top>, relative to it. */
const filesOf = (top: string) => filesUnder(path.join(dataDir, top));

describe("Redis stopped for 20 s", () => {
  it("keeps the API up, refuses uploads and logins with 503 + Retry-After, keeps autosaving, and finishes every piece of work once Redis is back", async () => {
    const converting = (await upload(await makeA4Batch({ pages: 12, dpi: 100 }), "avant.pdf").expect(201)).body.batch.id as string;
    const refusedPdf = await makeA4Batch({ pages: 4, dpi: 100 });
    expect(await waitFor(() => pagesDone(converting), (n) => n >= 1, 30_000)).toBeGreaterThanOrEqual(1);

    const editor = await webEditor(origin, world.teacher.email, STAFF_PASSWORD);
    const [edited, finalized] = world.copyIds as [string, string];
    await editor.open(edited, true);
    expect(editor.lock.kind).toBe("held");
    const [q1, q2] = world.questionIds as [string, string];
    const finalizing = (await post(world.grader, `/api/copies/${finalized}/lock`).expect(200)).body.lock.token as string;
    await world.grader.agent.put(`/api/copies/${finalized}/draft`).set("X-CSRF-Token", world.grader.csrf).set("If-Match", `"0"`).send({ lockToken: finalizing, annotations: [], scores: { [q1]: 3, [q2]: 4 }, comment: "" }).expect(200);

    await redis.stop();
    const outageEnds = Date.now() + OUTAGE_MS;

    // The API is up; readiness names Redis.
    await request(env.app).get("/api/health/live").expect(200);
    const ready = await request(env.app).get("/api/health/ready").expect(503);
    expect(ready.body.error.details.failed).toContain("redis");
    expect(ready.body.error.message).toContain("redis");

    // An upload is refused before anything is stored: no batch row, no file, no scratch left.
    const scansBefore = await filesOf("scans");
    const refused = await upload(refusedPdf, "pendant.pdf");
    expect(refused.status).toBe(503);
    expect(refused.headers["retry-after"]).toBe("10");
    expect(refused.body.error).toMatchObject({ code: "QUEUE_UNAVAILABLE", message: expect.stringContaining("renvoyez le fichier") });
    expect(await batchOf("pendant.pdf")).toBeNull();
    expect(await filesOf("scans")).toEqual(scansBefore);
    expect(await filesOf("tmp").then((files) => files.filter((f) => f.startsWith("api-")))).toEqual([]);

    // A login needs its counters: refused with 503, not let through uncounted, not a 500.
    const visitor = await anonymousClient(env.app);
    const login = await post(visitor, "/api/auth/login", { email: world.teacher.email, password: STAFF_PASSWORD });
    expect(login.status).toBe(503);
    expect(login.headers["retry-after"]).toBe("10");
    expect(login.body.error.code).toBe("LOGIN_UNAVAILABLE");

    // Finalizing is recorded (the job is queued by the sweep once Redis is back).
    await post(world.grader, `/api/copies/${finalized}/finalize`, { lockToken: finalizing, version: 1 }).expect(202);
    expect((await env.ctx.db.copy.findUniqueOrThrow({ where: { id: finalized } })).status).toBe("FINALIZING");

    // The teacher goes on grading: an edit every 2 s, each saved by the editor's autosave.
    let saves = 0;
    while (Date.now() < outageEnds - 2_000) {
      const next = Date.now() + 2_000;
      saves += 1;
      editor.setScore(q1, saves % 6);
      const status = await waitFor(async () => editor.saveStatus, (s) => s === "saved" && editor.saved?.version === saves, 10_000);
      expect({ status, version: editor.saved?.version }).toEqual({ status: "saved", version: saves });
      await sleep(next - Date.now());
    }
    expect(saves).toBeGreaterThanOrEqual(8);
    expect(worker.child.exitCode).toBeNull();
    await sleep(outageEnds - Date.now());

    // Redis is back, empty: the jobs queued before are gone.
    await redis.start();
    expect(await waitFor(async () => (await request(env.app).get("/api/health/ready")).status, (s) => s === 200)).toBe(200);

    // The batch being converted is finished by the worker's sweep: each page once.
    const settled = await waitFor(() => env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: converting } }), (b) => b.status === "DONE" || b.status === "FAILED", 60_000);
    expect(settled.status).toBe("DONE");
    expect(await env.ctx.db.page.groupBy({ by: ["status"], where: { batchId: converting }, _count: { _all: true } })).toEqual([{ status: "DONE", _count: { _all: 12 } }]);
    expect(await env.ctx.db.booklet.count({ where: { batchId: converting } })).toBe(6);

    // The refused upload, sent again, goes through.
    const again = (await upload(refusedPdf, "pendant.pdf").expect(201)).body.batch.id as string;
    expect(await waitFor(async () => (await env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: again } })).status, (s) => s === "DONE", 60_000)).toBe("DONE");

    // The copy finalized during the outage is graded, once.
    expect(await waitFor(async () => (await env.ctx.db.copy.findUniqueOrThrow({ where: { id: finalized } })).status, (s) => s === "GRADED", 60_000)).toBe("GRADED");
    expect(await env.ctx.db.gradedPdf.count({ where: { copyId: finalized } })).toBe(1);
    expect((await env.ctx.db.gradingEvent.findMany({ where: { copyId: finalized, type: { in: ["graded", "failed"] } } })).map((e) => e.type)).toEqual(["graded"]);

    // Every autosave of the outage is on the server, in order, and nothing is left waiting in the browser.
    const drafts = await env.ctx.db.draft.findMany({ where: { copyId: edited }, orderBy: { version: "asc" }, select: { version: true, scores: true } });
    expect(drafts.map((d) => d.version)).toEqual(Array.from({ length: saves }, (_, i) => i + 1));
    expect(drafts.at(-1)!.scores).toEqual(editor.content.scores);
    expect([...browserStore.keys()]).toEqual([]);

    // Logging in works again.
    await post(await anonymousClient(env.app), "/api/auth/login", { email: world.teacher.email, password: STAFF_PASSWORD }).expect(200);
    await editor.close();
  }, 150_000);
});
