// PostgreSQL restarted under the API, on a cluster of this test's own: while it is down every
// request that needs it answers 503 DATABASE_UNAVAILABLE with Retry-After at once (the session,
// Prisma and the autosave's plain SQL alike), the API itself stays up; once it is back the same
// requests answer 200 with nothing to restart. The SPA's editor keeps the edits it could not save
// and saves them when the database is back. Three outages leave no connection behind.
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { anonymousClient, createTestEnv, STAFF_PASSWORD, waitFor, type TestEnv } from "../harness.js";
import { withDatabase } from "../../lib/database.js";
import { TEST_DATABASE_URL } from "../env.js";
import { PrivatePostgres } from "./private-postgres.js";
import { gradingWorld, post, type GradingWorld } from "../grading-world.js";
import { webEditor, type GradingEditor } from "./web-editor.js";

// The browser's IndexedDB (idb-keyval), where the editor keeps edits the server does not have yet.
const browserStore = vi.hoisted(() => new Map<string, unknown>());
vi.mock("idb-keyval", () => ({
  get: (key: string) => Promise.resolve(browserStore.get(key)),
  set: (key: string, value: unknown) => Promise.resolve(void browserStore.set(key, structuredClone(value))),
  del: (key: string) => Promise.resolve(void browserStore.delete(key)),
}));

const POOL_SIZE = 4;
/** Past this a request counts as hung (the statement timeout): a generous bound, not a latency target. */
const HUNG_MS = 30_000;

let cluster: PrivatePostgres;
let env: TestEnv;
let dataDir: string;
let world: GradingWorld;
let server: Server;
let editor: GradingEditor;
let copyId: string;
let lockToken: string;
let version = 0;

beforeAll(async () => {
  cluster = await PrivatePostgres.create();
  // The run's migrated template, copied: the schema and migration history the API checks.
  const url = await cluster.createDatabaseFrom(withDatabase(TEST_DATABASE_URL, inject("templateDatabase")), "korrigo_faults");
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-pg-restart-"));
  // The database exists already: createTestEnv uses it as it is (no template on this cluster).
  env = await createTestEnv({ DATABASE_URL: url, DATA_DIR: dataDir, DB_POOL_SIZE: String(POOL_SIZE) });
  world = await gradingWorld(env, 2);
  copyId = world.copyIds[1]!;
  lockToken = (await post(world.grader, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
  server = env.app.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  editor = await webEditor(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, world.teacher.email, STAFF_PASSWORD);
  await editor.open(world.copyIds[0]!, true);
  expect(editor.lock.kind).toBe("held");
}, 90_000);
afterAll(async () => {
  vi.unstubAllGlobals();
  await new Promise((resolve) => server?.close(resolve));
  await cluster?.start().catch(() => undefined);
  await env?.close();
  await cluster?.destroy();
  await rm(dataDir, { recursive: true, force: true });
});

type Probe = { name: string; send: () => request.Test };

/** One request of each way the API reaches the database. */
function probes(): Probe[] {
  const { grader, admin } = world;
  return [
    // Prisma, behind the session read from the session store.
    { name: "exams", send: () => admin.agent.get("/api/exams") },
    // The session store alone (a visitor without a cookie needs no database: not this one).
    { name: "session", send: () => grader.agent.get("/api/auth/session") },
    // The autosave's plain SQL on the pg pool (a new version each time it passes).
    {
      name: "autosave",
      send: () =>
        grader.agent
          .put(`/api/copies/${copyId}/draft`)
          .set("X-CSRF-Token", grader.csrf)
          .set("If-Match", `"${version}"`)
          .send({ lockToken, annotations: [], scores: { [world.questionIds[0]!]: version % 5 }, comment: "" }),
    },
  ];
}

async function expectUnavailable(probe: Probe): Promise<void> {
  const res = await probe.send().timeout(HUNG_MS);
  expect({ probe: probe.name, status: res.status, retryAfter: res.headers["retry-after"], code: res.body.error?.code }).toEqual({ probe: probe.name, status: 503, retryAfter: "5", code: "DATABASE_UNAVAILABLE" });
  expect(res.body.error.message).toBe("La base de données est momentanément indisponible, réessayez dans quelques secondes.");
}

async function expectServed(probe: Probe): Promise<void> {
  const res = await probe.send().timeout(HUNG_MS);
  expect({ probe: probe.name, status: res.status }).toEqual({ probe: probe.name, status: 200 });
  if (probe.name === "autosave") version = res.body.draft.version as number;
}

/** Client connections to the test's database on the cluster, besides the one asking. */
async function connections(): Promise<number> {
  const monitor = new pg.Client({ connectionString: env.config.DATABASE_URL });
  await monitor.connect();
  try {
    const { rows } = await monitor.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()");
    return rows[0]!.n;
  } finally {
    await monitor.end();
  }
}

describe("PostgreSQL restarted", () => {
  it("answers 503 + Retry-After during the outage and 200 after it, and the editor's edits made meanwhile land once it is back", async () => {
    for (const probe of probes()) await expectServed(probe);
    await cluster.stop();

    await request(env.app).get("/api/health/live").expect(200);
    const ready = await request(env.app).get("/api/health/ready").timeout(HUNG_MS).expect(503);
    expect(ready.body.error.details.failed).toContain("database");
    for (const probe of probes()) await expectUnavailable(probe);
    // A visitor gets the login page (no session stored yet), but logging in needs the database.
    const login = await post(await anonymousClient(env.app), "/api/auth/login", { email: world.teacher.email, password: STAFF_PASSWORD }).timeout(HUNG_MS);
    expect({ status: login.status, code: login.body.error.code, retryAfter: login.headers["retry-after"] }).toEqual({ status: 503, code: "DATABASE_UNAVAILABLE", retryAfter: "5" });

    // The teacher edits on: the save cannot land, so the editor says so and keeps the edit in the browser.
    const before = editor.saved!.version;
    editor.setScore(world.questionIds[1]!, 4);
    expect(await waitFor(async () => editor.saveStatus, (s) => s === "offline")).toBe("offline");
    const kept = await waitFor(async () => [...browserStore.values()], (values) => values.length === 1);
    expect(kept).toEqual([expect.objectContaining({ baseVersion: before, content: expect.objectContaining({ scores: expect.objectContaining({ [world.questionIds[1]!]: 4 }) }) })]);

    await cluster.start();
    for (const probe of probes()) await expectServed(probe);
    await request(env.app).get("/api/health/ready").then((res) => expect(res.body.checks?.database ?? res.body.error.details.checks.database).toEqual({ ok: true }));
    await post(await anonymousClient(env.app), "/api/auth/login", { email: world.teacher.email, password: STAFF_PASSWORD }).expect(200);

    // The editor's retry lands the kept edit; the browser then forgets it.
    expect(await waitFor(async () => editor.saveStatus, (s) => s === "saved", 40_000)).toBe("saved");
    expect(editor.saved!.version).toBe(before + 1);
    const latest = await env.ctx.db.draft.findFirstOrThrow({ where: { copyId: world.copyIds[0]! }, orderBy: { version: "desc" } });
    expect({ version: latest.version, scores: latest.scores }).toEqual({ version: before + 1, scores: editor.content.scores });
    expect(await waitFor(async () => browserStore.size, (n) => n === 0)).toBe(0);
  }, 90_000);

  it("leaves no connection behind after three more outages and a burst of requests", async () => {
    for (let outage = 0; outage < 3; outage += 1) {
      await cluster.stop();
      for (const probe of probes()) await expectUnavailable(probe);
      await cluster.start();
      for (const probe of probes()) await expectServed(probe);
    }
    // More requests at once than the pool has connections: they queue for one, none is opened past it.
    const burst = await Promise.all(Array.from({ length: 3 * POOL_SIZE }, () => world.admin.agent.get("/api/exams").timeout(HUNG_MS)));
    expect(burst.map((r) => r.status)).toEqual(burst.map(() => 200));

    const pool = env.ctx.pool;
    expect({ checkedOut: pool.totalCount - pool.idleCount, waiting: pool.waitingCount }).toEqual({ checkedOut: 0, waiting: 0 });
    expect(pool.totalCount).toBeLessThanOrEqual(POOL_SIZE);
    // The cluster sees exactly the pool's connections: none the pool lost track of.
    expect(await connections()).toBe(pool.totalCount);
  }, 60_000);
});
