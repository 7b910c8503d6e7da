// The database's limits on every pooled connection, and what a request meets when they are
// reached: a row locked elsewhere for too long answers 503 "try again" (through Prisma and
// through plain pg), not a request hanging; the database unreachable or restarting, the same.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedLogger, createSchool, createStaff, createStudent, createTestEnv, staffClient, type Client, type TestEnv } from "../test/harness.js";
import { createDb, createPool, databaseUnavailable, poolSettings } from "./db.js";

let env: TestEnv;
let lines: string[];
let admin: Client;
let alice: Client;
let schoolId: string;
let examId: string;

const post = (c: Client, url: string, body: object = {}) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);

beforeAll(async () => {
  const captured = capturedLogger();
  lines = captured.lines;
  env = await createTestEnv({ DB_LOCK_TIMEOUT_MS: "500", DB_STATEMENT_TIMEOUT_MS: "2000" }, captured.logger);
  schoolId = (await createSchool(env.ctx)).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
  alice = await staffClient(env.app, teacher.email);
  examId = (await post(admin, "/api/exams", { title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 4, layout: "A4_BATCH" }).expect(201)).body.exam.id;
  await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: [teacher.id] }).expect(200);
});
afterAll(async () => {
  await env.close();
});

let codes = 0;
async function readyCopy(): Promise<string> {
  const student = await createStudent(env.ctx, schoolId);
  codes += 1;
  const copy = await env.ctx.db.copy.create({ data: { schoolId, examId, studentId: student.id, status: "READY", anonymousCode: `T${String(codes).padStart(5, "0")}` } });
  return copy.id;
}

/** Another session holding the copy's row lock, as a long transaction elsewhere would. */
async function holdRow(copyId: string): Promise<pg.Client> {
  const holder = new pg.Client({ connectionString: env.config.DATABASE_URL });
  await holder.connect();
  await holder.query("BEGIN");
  await holder.query(`SELECT 1 FROM "Copy" WHERE "id" = $1 FOR UPDATE`, [copyId]);
  return holder;
}

async function release(holder: pg.Client): Promise<void> {
  await holder.query("ROLLBACK");
  await holder.end();
}

function expectBusy(res: { status: number; headers: Record<string, string>; body: { error: { code: string; message: string; requestId: string } } }) {
  expect(res.status).toBe(503);
  expect(res.headers["retry-after"]).toBe("5");
  expect(res.body.error).toEqual({ code: "DATABASE_BUSY", message: "La base de données est momentanément occupée, réessayez dans quelques secondes.", requestId: res.headers["x-request-id"] });
}

const SHOW = ["statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"] as const;

describe("database timeouts", () => {
  it("sets the statement, lock and idle-in-transaction timeouts on every pooled connection, for pg and for Prisma", async () => {
    const expected = { statement_timeout: "2s", lock_timeout: "500ms", idle_in_transaction_session_timeout: "1min" };
    for (const name of SHOW) {
      const [viaPool] = (await env.ctx.pool.query<Record<string, string>>(`SHOW ${name}`)).rows;
      const [viaPrisma] = await env.ctx.db.$queryRawUnsafe<Record<string, string>[]>(`SHOW ${name}`);
      expect(viaPool).toEqual({ [name]: expected[name] });
      expect(viaPrisma).toEqual({ [name]: expected[name] });
    }
  });

  it("lets a maintenance command lift the statement timeout for its own pool only", async () => {
    const maintenance = createPool(env.config.DATABASE_URL, { ...poolSettings(env.config), statementTimeoutMs: 0 });
    try {
      expect((await maintenance.query("SHOW statement_timeout")).rows[0]).toEqual({ statement_timeout: "0" });
      expect((await maintenance.query("SHOW lock_timeout")).rows[0]).toEqual({ lock_timeout: "500ms" });
    } finally {
      await maintenance.end();
    }
    expect((await env.ctx.pool.query("SHOW statement_timeout")).rows[0]).toEqual({ statement_timeout: "2s" });
  });

  it("answers 503 with Retry-After when a copy's row stays locked elsewhere (Prisma), and takes the lock once it is free", async () => {
    const copyId = await readyCopy();
    const holder = await holdRow(copyId);
    const before = lines.length;
    try {
      expectBusy(await post(alice, `/api/copies/${copyId}/lock`));
    } finally {
      await release(holder);
    }
    const logged = lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "the database could not answer in time");
    expect(logged).toMatchObject({ level: 40, code: "DATABASE_BUSY", reason: "55P03" });
    // The driver's code only: not the error, whose message may quote the statement.
    expect(logged).not.toHaveProperty("err");
    await post(alice, `/api/copies/${copyId}/lock`).expect(200);
  });

  it("answers 503 to an autosave (plain pg) waiting on a row locked elsewhere, and saves once it is free", async () => {
    const copyId = await readyCopy();
    const token = (await post(alice, `/api/copies/${copyId}/lock`).expect(200)).body.lock.token as string;
    const save = () => alice.agent.put(`/api/copies/${copyId}/draft`).set("X-CSRF-Token", alice.csrf).set("If-Match", `"0"`).send({ lockToken: token, annotations: [], scores: {}, comment: "" });
    const holder = await holdRow(copyId);
    try {
      expectBusy(await save());
    } finally {
      await release(holder);
    }
    expect((await save().expect(200)).body.draft.version).toBe(1);
  });

  it("recognises a statement past its timeout, thrown by pg or wrapped by Prisma", async () => {
    const viaPrisma = await env.ctx.db.$queryRaw`SELECT pg_sleep(3)`.catch((error: unknown) => error);
    const viaPool = await env.ctx.pool.query("SELECT pg_sleep(3)").catch((error: unknown) => error);
    for (const error of [viaPrisma, viaPool]) expect(databaseUnavailable(error)).toMatchObject({ status: 503, code: "DATABASE_BUSY", reason: "57014" });
  });

  it("recognises a database that cannot be reached, through pg and through Prisma", async () => {
    // Nothing listens on port 1: the connection is refused at once.
    const url = new URL(env.config.DATABASE_URL);
    url.port = "1";
    const dead = createPool(url.href, poolSettings(env.config));
    const db = createDb(dead);
    try {
      const errors = [await dead.query("SELECT 1").catch((e: unknown) => e), await db.$queryRaw`SELECT 1`.catch((e: unknown) => e), await db.$transaction((tx) => tx.$queryRaw`SELECT 1`).catch((e: unknown) => e)];
      for (const error of errors) expect(databaseUnavailable(error)).toMatchObject({ status: 503, code: "DATABASE_UNAVAILABLE", message: expect.stringContaining("momentanément indisponible") });
    } finally {
      await db.$disconnect();
      await dead.end();
    }
  });

  it("recognises a connection ended by the server (a restart), and a pool with no free connection", async () => {
    const pool = createPool(env.config.DATABASE_URL, { ...poolSettings(env.config), poolSize: 1, statementTimeoutMs: 0 });
    try {
      const victim = await pool.connect();
      const pid = (await victim.query<{ pid: number }>("SELECT pg_backend_pid() AS pid")).rows[0]!.pid;
      const terminated = victim.query("SELECT pg_sleep(60)").catch((e: unknown) => e);
      await env.ctx.pool.query("SELECT pg_terminate_backend($1)", [pid]);
      expect(databaseUnavailable(await terminated)).toMatchObject({ code: "DATABASE_UNAVAILABLE", reason: "57P01" });
      // The pool's only connection is still checked out: the next query waits for one, then gives up.
      const starved = await pool.query("SELECT 1").catch((e: unknown) => e);
      expect(databaseUnavailable(starved)).toMatchObject({ code: "DATABASE_BUSY" });
      victim.release(true);
    } finally {
      await pool.end();
    }
  }, 15_000);

  it("leaves other errors alone", () => {
    expect(databaseUnavailable(new Error("boom"))).toBeNull();
    expect(databaseUnavailable({ code: "23505", message: "duplicate key" })).toBeNull();
    expect(databaseUnavailable(null)).toBeNull();
  });
});
