// Per-test-file isolation: a database cloned from the migrated template and a Redis key
// prefix of its own, an app wired to them, and factories for schools and accounts.
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import request from "supertest";
import type { Express } from "express";
import { loadConfig, type Config } from "../lib/config.js";
import { closeContext, createContext, type AppContext } from "../lib/context.js";
import { dropDatabase, ensureDatabase, withDatabase } from "../lib/database.js";
import { hashSecret } from "../lib/auth/secrets.js";
import { Writable } from "node:stream";
import { createServer, type AddressInfo } from "node:net";
import { createLogger, type Logger } from "../lib/logger.js";
import { createApp } from "../app.js";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./env.js";

export interface TestEnv {
  ctx: AppContext;
  app: Express;
  config: Config;
  close(): Promise<void>;
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = randomBytes(6).toString("hex");
  return loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: withDatabase(TEST_DATABASE_URL, `korrigo_test_${id}`),
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: `ktest_${id}`,
    LOG_LEVEL: "silent",
    WORKER_CONCURRENCY: "2",
    WORKER_HEARTBEAT_SECONDS: "1",
    // In-process test workers must not compete for the default metrics port.
    WORKER_METRICS_PORT: "0",
    ...overrides,
  });
}

export async function createTestEnv(overrides: Record<string, string> = {}, logger?: Logger): Promise<TestEnv> {
  const config = testConfig(overrides);
  await ensureDatabase(config.DATABASE_URL, inject("templateDatabase"));
  const ctx = createContext(config, "test", logger);
  return {
    ctx,
    config,
    app: createApp(ctx),
    async close() {
      await deleteRedisKeys(ctx);
      await closeContext(ctx);
      await dropDatabase(config.DATABASE_URL);
    },
  };
}

async function deleteRedisKeys(ctx: AppContext): Promise<void> {
  const keys = await ctx.redis.keys(`${ctx.config.REDIS_PREFIX}:*`);
  if (keys.length > 0) await ctx.redis.del(...keys);
}

let counter = 0;
const unique = (label: string) => `${label}-${process.pid}-${++counter}-${randomBytes(3).toString("hex")}`;

export async function createSchool(ctx: AppContext, name = "Lycée de test") {
  return ctx.db.school.create({ data: { name, slug: unique("school") } });
}

export const STAFF_PASSWORD = "correct horse battery staple 42";
export const STUDENT_CODE = "ABCD-2345";

export async function createStaff(ctx: AppContext, schoolId: string, role: "ADMIN" | "TEACHER") {
  const email = `${unique(role.toLowerCase())}@test.korrigo.fr`;
  return ctx.db.user.create({
    data: { schoolId, email, role, displayName: `${role} de test`, passwordHash: await hashSecret(STAFF_PASSWORD) },
  });
}

export async function createStudent(ctx: AppContext, schoolId: string) {
  return ctx.db.student.create({
    data: { schoolId, login: unique("eleve"), accessCodeHash: await hashSecret(STUDENT_CODE), lastName: "TEST", firstName: "Élève", className: "2nde A" },
  });
}

/** A supertest agent holding a session cookie, and the session's current CSRF token. */
export interface Client {
  agent: ReturnType<typeof request.agent>;
  csrf: string;
}

/** `app`: the app in this process, or the address of an API running as its own process. */
export async function anonymousClient(app: Express | string): Promise<Client> {
  const agent = request.agent(app);
  const res = await agent.get("/api/auth/session").expect(200);
  return { agent, csrf: res.body.csrfToken as string };
}

export async function staffClient(app: Express | string, email: string, password = STAFF_PASSWORD): Promise<Client> {
  const client = await anonymousClient(app);
  const res = await client.agent.post("/api/auth/login").set("X-CSRF-Token", client.csrf).send({ email, password }).expect(200);
  return { agent: client.agent, csrf: res.body.csrfToken as string };
}

export async function studentClient(app: Express, login: string, accessCode = STUDENT_CODE): Promise<Client> {
  const client = await anonymousClient(app);
  const res = await client.agent.post("/api/auth/student-login").set("X-CSRF-Token", client.csrf).send({ login, accessCode }).expect(200);
  return { agent: client.agent, csrf: res.body.csrfToken as string };
}

/** Polls `probe` until `accept` holds or the time is up; returns the last value either way. */
export async function waitFor<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A logger at info level whose lines are kept in memory, for tests that check what is logged. */
export function capturedLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger({ LOG_LEVEL: "info" }, "test", sink), lines };
}

/** A TCP port free on this machine right now, for a server started as its own process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
