import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { anonymousClient, createSchool, createStaff, createStudent, createTestEnv, staffClient, STAFF_PASSWORD, studentClient, type TestEnv } from "../../test/harness.js";

let env: TestEnv;
let schoolId: string;

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx)).id;
});
afterAll(() => env.close());

const sessionCookie = (res: request.Response): string | undefined =>
  ([] as string[]).concat(res.headers["set-cookie"] ?? []).find((c) => c.startsWith("korrigo.sid="))?.split(";")[0];

describe("staff login", () => {
  it("refuses a wrong password with 401 and records the failure in the audit log", async () => {
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const client = await anonymousClient(env.app);
    const res = await client.agent.post("/api/auth/login").set("X-CSRF-Token", client.csrf).send({ email: admin.email, password: "wrong password!!" });
    expect(res.status).toBe(401);
    expect(res.body.error).toMatchObject({ code: "INVALID_CREDENTIALS", requestId: expect.any(String) });
    const entries = await env.ctx.db.auditLog.findMany({ where: { action: "auth.login.failed", actorId: admin.id } });
    expect(entries).toHaveLength(1);
    expect(entries[0]?.data).toMatchObject({ reason: "wrong_password", email: admin.email });
    expect(JSON.stringify(entries[0]?.data)).not.toContain("wrong password!!");
  });

  it("answers 429 with Retry-After on the 6th failure in a row, even with the right password", async () => {
    const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
    const client = await anonymousClient(env.app);
    const attempt = (password: string) => client.agent.post("/api/auth/login").set("X-CSRF-Token", client.csrf).send({ email: teacher.email, password });
    for (let i = 0; i < 5; i++) expect((await attempt(`bad-${i}-password`)).status).toBe(401);
    const blocked = await attempt(STAFF_PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe("TOO_MANY_ATTEMPTS");
    expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("throttles failures per IP address too, whatever the account", async () => {
    const strict = await createTestEnv({ LOGIN_MAX_FAILURES_PER_IP: "3" });
    try {
      const client = await anonymousClient(strict.app);
      const attempt = (email: string) => client.agent.post("/api/auth/login").set("X-CSRF-Token", client.csrf).send({ email, password: "not the password" });
      for (const email of ["a@x.fr", "b@x.fr", "c@x.fr"]) expect((await attempt(email)).status).toBe(401);
      const blocked = await attempt("d@x.fr");
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers["retry-after"])).toBeGreaterThan(0);
    } finally {
      await strict.close();
    }
  });

  it("does not count successful logins as failures", async () => {
    const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
    for (let i = 0; i < 7; i++) await staffClient(env.app, teacher.email);
  });

  it("lets a burst of correct logins from one address through, however many are in flight: only failures count", async () => {
    const strict = await createTestEnv({ LOGIN_MAX_FAILURES_PER_IP: "3" });
    try {
      const school = await createSchool(strict.ctx);
      const accounts = await Promise.all(Array.from({ length: 12 }, () => createStaff(strict.ctx, school.id, "TEACHER")));
      const clients = await Promise.all(accounts.map(() => anonymousClient(strict.app)));
      const attempt = (i: number, password: string) => clients[i]!.agent.post("/api/auth/login").set("X-CSRF-Token", clients[i]!.csrf).send({ email: accounts[i]!.email, password });
      const burst = await Promise.all(accounts.map((_, i) => attempt(i, STAFF_PASSWORD)));
      expect(burst.map((r) => r.status)).toEqual(accounts.map(() => 200));
      // Logged in, the burst's clients hold new CSRF tokens: the failures come from new visitors.
      const again = async (i: number, password: string) => {
        const client = await anonymousClient(strict.app);
        return client.agent.post("/api/auth/login").set("X-CSRF-Token", client.csrf).send({ email: accounts[i]!.email, password });
      };
      for (let i = 0; i < 3; i++) expect((await again(i, "not the password")).status).toBe(401);
      expect((await again(5, STAFF_PASSWORD)).status).toBe(429);
    } finally {
      await strict.close();
    }
  });

  it("regenerates the session id at login", async () => {
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const agent = request.agent(env.app);
    const before = await agent.get("/api/auth/session").expect(200);
    const login = await agent.post("/api/auth/login").set("X-CSRF-Token", before.body.csrfToken).send({ email: admin.email, password: STAFF_PASSWORD }).expect(200);
    expect(sessionCookie(before)).toBeDefined();
    expect(sessionCookie(login)).toBeDefined();
    expect(sessionCookie(login)).not.toBe(sessionCookie(before));
    expect(login.body.csrfToken).not.toBe(before.body.csrfToken);
    expect(login.body.user).toMatchObject({ kind: "staff", role: "ADMIN", email: admin.email, school: { id: schoolId } });
    const cookie = login.headers["set-cookie"]?.[0] ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    const audit = await env.ctx.db.auditLog.count({ where: { action: "auth.login.succeeded", actorId: admin.id } });
    expect(audit).toBe(1);
  });

  it("logs out by destroying the session server-side", async () => {
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    const sessionsBefore = await env.ctx.db.session.count();
    await client.agent.post("/api/auth/logout").set("X-CSRF-Token", client.csrf).expect(204);
    expect(await env.ctx.db.session.count()).toBe(sessionsBefore - 1);
    await client.agent.get("/api/users").expect(401);
  });
});

describe("student login", () => {
  it("logs a student in with the access code and refuses a wrong one", async () => {
    const student = await createStudent(env.ctx, schoolId);
    const client = await studentClient(env.app, student.login);
    const me = await client.agent.get("/api/auth/session").expect(200);
    expect(me.body.user).toMatchObject({ kind: "student", id: student.id, login: student.login });
    const anon = await anonymousClient(env.app);
    const res = await anon.agent.post("/api/auth/student-login").set("X-CSRF-Token", anon.csrf).send({ login: student.login, accessCode: "ZZZZ-9999" });
    expect(res.status).toBe(401);
    expect(await env.ctx.db.auditLog.count({ where: { action: "auth.student_login.failed", actorId: student.id } })).toBe(1);
  });
});

describe("request bodies", () => {
  it("refuses a JSON body over 1 MB with 413 in the error shape", async () => {
    const client = await anonymousClient(env.app);
    const res = await client.agent.post("/api/auth/login").set("X-CSRF-Token", client.csrf).send({ email: "x@x.fr", password: "p".repeat(1_100_000) });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", requestId: expect.any(String) });
  });
});

describe("CSRF", () => {
  it("refuses a state-changing request without the token and accepts it with the token", async () => {
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    const without = await client.agent.post("/api/auth/logout");
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe("CSRF_INVALID");
    const wrong = await client.agent.post("/api/auth/logout").set("X-CSRF-Token", "forged");
    expect(wrong.status).toBe(403);
    await client.agent.get("/api/users").expect(200); // still logged in
    await client.agent.post("/api/auth/logout").set("X-CSRF-Token", client.csrf).expect(204);
  });

  it("refuses a login without the token", async () => {
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const res = await request(env.app).post("/api/auth/login").send({ email: admin.email, password: STAFF_PASSWORD });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe("CSRF_INVALID");
  });
});

describe("session timeouts", () => {
  async function ageSession(field: "seenAt" | "authAt", hours: number) {
    const ms = Date.now() - hours * 3600_000;
    await env.ctx.db.$executeRaw`UPDATE "session" SET sess = jsonb_set(sess::jsonb, ${`{${field}}`}::text[], to_jsonb(${ms}::bigint))::json`;
  }

  it("ends a session idle for more than 4 hours", async () => {
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    await client.agent.get("/api/users").expect(200);
    await ageSession("seenAt", 4.1);
    await client.agent.get("/api/users").expect(401);
  });

  it("ends a session 12 hours after login even if it stays active", async () => {
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    await ageSession("authAt", 12.1);
    await client.agent.get("/api/users").expect(401);
  });
});

describe("password change", () => {
  it("refuses short and common passwords with a clear message", async () => {
    const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
    const client = await staffClient(env.app, teacher.email);
    const change = (newPassword: string) =>
      client.agent.post("/api/auth/password").set("X-CSRF-Token", client.csrf).send({ currentPassword: STAFF_PASSWORD, newPassword });
    const short = await change("court");
    expect(short.status).toBe(400);
    expect(short.body.error).toMatchObject({ code: "WEAK_PASSWORD", message: expect.stringContaining("12 caractères") });
    const common = await change("azertyuiop123!");
    expect(common.status).toBe(400);
    expect(common.body.error.message).toContain("trop courant");
    const wrongCurrent = await client.agent.post("/api/auth/password").set("X-CSRF-Token", client.csrf).send({ currentPassword: "not it at all", newPassword: "Un-Mot-De-Passe-Solide-2026" });
    expect(wrongCurrent.status).toBe(401);
  });

  it("changes the password, keeps this session and ends the others", async () => {
    const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
    const here = await staffClient(env.app, teacher.email);
    const elsewhere = await staffClient(env.app, teacher.email);
    const newPassword = "Un-Mot-De-Passe-Solide-2026";
    await here.agent.post("/api/auth/password").set("X-CSRF-Token", here.csrf).send({ currentPassword: STAFF_PASSWORD, newPassword }).expect(204);
    await here.agent.get("/api/exams").expect(200);
    await elsewhere.agent.get("/api/exams").expect(401);
    await staffClient(env.app, teacher.email, newPassword);
    expect(await env.ctx.db.auditLog.count({ where: { action: "auth.password.changed", actorId: teacher.id } })).toBe(1);
  });
});
