// The API as its own process, stopped by SIGTERM while a request is in flight: it stops
// accepting connections, closes idle keep-alive ones, lets the request finish and exits 0.
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createStudent, createTestEnv, freePort, staffClient, waitFor, type Client, type TestEnv } from "../test/harness.js";

let env: TestEnv;
let child: ChildProcess;
let base: string;
let port: number;
let teacherEmail: string;
let copyId: string;

beforeAll(async () => {
  env = await createTestEnv();
  const schoolId = (await createSchool(env.ctx)).id;
  const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
  teacherEmail = teacher.email;
  const exam = await env.ctx.db.exam.create({ data: { schoolId, title: "DS", subject: "Maths", date: new Date("2026-11-20"), classNames: ["2nde A"], pagesPerCopy: 4, layout: "A4_BATCH", createdById: teacher.id, graders: { create: { userId: teacher.id } } } });
  const student = await createStudent(env.ctx, schoolId);
  copyId = (await env.ctx.db.copy.create({ data: { schoolId, examId: exam.id, studentId: student.id, status: "READY", anonymousCode: "S00001" } })).id;

  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const { DATABASE_URL, REDIS_URL, REDIS_PREFIX } = env.config;
  child = spawn(process.execPath, ["--import", "tsx", "server/index.ts"], {
    env: {
      PATH: process.env.PATH, NODE_ENV: "test", HOST: "127.0.0.1", PORT: String(port), DATABASE_URL, REDIS_URL, REDIS_PREFIX, LOG_LEVEL: "silent",
      // The request in flight waits for the test's row lock, not for a timeout.
      DB_LOCK_TIMEOUT_MS: "60000", SHUTDOWN_GRACE_SECONDS: "20",
    },
    stdio: "inherit",
  });
  const live = await waitFor(() => fetch(`${base}/api/health/live`).then((r) => r.status, () => 0), (status) => status === 200, 30_000);
  expect(live).toBe(200);
}, 60_000);
afterAll(async () => {
  if (child.exitCode === null) child.kill("SIGKILL");
  await env.close();
});

/** Whether a new TCP connection to the API is accepted. */
function connects(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** A keep-alive connection that has served one request and now waits, idle, for the next. */
function idleKeepAlive(): Promise<net.Socket> {
  const agent = new http.Agent({ keepAlive: true });
  return new Promise((resolve, reject) => {
    const req = http.get(`${base}/api/health/live`, { agent }, (res) => {
      res.resume();
      res.once("end", () => resolve(req.socket!));
    });
    req.once("error", reject);
  });
}

/** The number of sessions of the test's database waiting for a lock. */
async function lockWaiters(): Promise<number> {
  const { rows } = await env.ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
  return rows[0]!.n;
}

describe("API shutdown", () => {
  it("on SIGTERM refuses new connections, closes idle ones, finishes the request in flight (200) and exits 0", async () => {
    const alice: Client = await staffClient(base, teacherEmail);
    const idle = await idleKeepAlive();
    const holder = new pg.Client({ connectionString: env.config.DATABASE_URL });
    await holder.connect();
    await holder.query("BEGIN");
    await holder.query(`SELECT 1 FROM "Copy" WHERE "id" = $1 FOR UPDATE`, [copyId]);

    // On a keep-alive connection, as a browser's: calling then() sends the request; it then
    // waits on the copy's row lock.
    const keepAlive = new http.Agent({ keepAlive: true });
    const inFlight = alice.agent.post(`/api/copies/${copyId}/lock`).agent(keepAlive).set("X-CSRF-Token", alice.csrf).send({}).then((res) => res);
    expect(await waitFor(lockWaiters, (n) => n === 1)).toBe(1);

    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await waitFor(connects, (accepted) => !accepted, 10_000)).toBe(false);
    expect(await waitFor(async () => idle.destroyed, (destroyed) => destroyed, 10_000)).toBe(true);
    // Still draining: the request has not been answered, the process is alive.
    expect(child.exitCode).toBeNull();

    await holder.query("ROLLBACK");
    await holder.end();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(res.headers.connection).toBe("close");
    expect(await env.ctx.db.copyLock.count({ where: { copyId } })).toBe(1);
    expect(await exited).toBe(0);
  }, 60_000);
});
