// Sessions under attack: fixation (the id changes at login and the pre-login id opens nothing),
// logout ending the session on the server (a replayed cookie is refused), the other sessions
// of an account ended by a password change or reset, a disabled account or a student's new
// access code, and the cookie's flags in production behind the https proxy.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { capturedIo, cliEnv } from "../cli-io.js";
import { runCli } from "../../cli/run.js";
import { anonymousClient, createSchool, createStaff, createStudent, createTestEnv, staffClient, STAFF_PASSWORD, STUDENT_CODE, studentClient, type TestEnv } from "../harness.js";
import { Browser, createProductionEnv, sessionIdOf, setCookies } from "./production-env.js";

let env: TestEnv;
let schoolId: string;

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx)).id;
});
afterAll(() => env.close());

const COOKIE = "korrigo.sid";

/** The session cookie a response sets ("korrigo.sid=…", ready for a Cookie header), if any. */
function sessionCookie(res: request.Response): string | undefined {
  const cookie = setCookies(res).find((c) => c.name === COOKIE);
  return cookie ? `${cookie.name}=${cookie.value}` : undefined;
}

const sidOf = (cookie: string) => sessionIdOf(cookie.slice(cookie.indexOf("=") + 1));
const sessionRows = (sid: string) => env.ctx.db.session.count({ where: { sid } });

/** GET `path` with exactly this cookie, as an attacker replaying it would. */
const replay = (cookie: string, path: string) => request(env.app).get(path).set("Cookie", cookie);

type Kind = "staff" | "student";
const PROTECTED: Record<Kind, string> = { staff: "/api/exams", student: "/api/me/copies" };

async function account(kind: Kind): Promise<{ login: () => Promise<request.Response>; path: string; preCookie: string; preToken: string }> {
  const anonymous = await request(env.app).get("/api/auth/session").expect(200);
  const preCookie = sessionCookie(anonymous)!;
  const preToken = anonymous.body.csrfToken as string;
  const url = kind === "staff" ? "/api/auth/login" : "/api/auth/student-login";
  const body = kind === "staff" ? { email: (await createStaff(env.ctx, schoolId, "ADMIN")).email, password: STAFF_PASSWORD } : { login: (await createStudent(env.ctx, schoolId)).login, accessCode: STUDENT_CODE };
  return { login: () => request(env.app).post(url).set("Cookie", preCookie).set("X-CSRF-Token", preToken).send(body), path: PROTECTED[kind], preCookie, preToken };
}

describe("session fixation", () => {
  for (const kind of ["staff", "student"] as const) {
    it(`${kind}: login issues a new session id and a new token; the pre-login id and token open nothing`, async () => {
      const { login, path, preCookie, preToken } = await account(kind);
      expect(preCookie).toBeDefined();
      expect(await sessionRows(sidOf(preCookie))).toBe(1);

      const res = await login();
      expect(res.status).toBe(200);
      const postCookie = sessionCookie(res);
      expect(postCookie).toBeDefined();
      expect(sidOf(postCookie!)).not.toBe(sidOf(preCookie));
      expect(res.body.csrfToken).not.toBe(preToken);

      // The planted id is gone from the store: whoever holds it holds nothing.
      expect(await sessionRows(sidOf(preCookie))).toBe(0);
      expect((await replay(preCookie, path)).status).toBe(401);
      expect((await replay(preCookie, "/api/auth/session").expect(200)).body.user).toBeNull();
      // The new session works, and refuses the token of the anonymous session it replaced.
      await replay(postCookie!, path).expect(200);
      const oldToken = await request(env.app).post("/api/auth/logout").set("Cookie", postCookie!).set("X-CSRF-Token", preToken);
      expect(oldToken.status).toBe(403);
      expect(oldToken.body.error.code).toBe("CSRF_INVALID");
    });
  }

  it("never adopts a session id chosen by the client: a forged cookie gets a fresh id, and login another one", async () => {
    const forged = `${COOKIE}=${encodeURIComponent("s:attacker-chosen-session-id.forgedsignature")}`;
    const first = await request(env.app).get("/api/auth/session").set("Cookie", forged).expect(200);
    const issued = sessionCookie(first)!;
    expect(sidOf(issued)).not.toBe("attacker-chosen-session-id");
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    // The browser now holds the issued cookie in place of the forged one.
    const login = await request(env.app).post("/api/auth/login").set("Cookie", issued).set("X-CSRF-Token", first.body.csrfToken).send({ email: admin.email, password: STAFF_PASSWORD });
    expect(login.status).toBe(200);
    expect(sidOf(sessionCookie(login)!)).not.toBe("attacker-chosen-session-id");
    expect(sidOf(sessionCookie(login)!)).not.toBe(sidOf(issued));
    expect(await sessionRows("attacker-chosen-session-id")).toBe(0);
    // The forged cookie alone is anonymous.
    expect((await replay(forged, "/api/exams")).status).toBe(401);
  });
});

describe("logout", () => {
  for (const kind of ["staff", "student"] as const) {
    it(`${kind}: ends the session on the server; the old cookie replayed afterwards is refused`, async () => {
      const { login, path } = await account(kind);
      const res = await login();
      const cookie = sessionCookie(res)!;
      await replay(cookie, path).expect(200);

      const out = await request(env.app).post("/api/auth/logout").set("Cookie", cookie).set("X-CSRF-Token", res.body.csrfToken).expect(204);
      expect(setCookies(out).find((c) => c.name === COOKIE)?.value).toBe("");
      expect(await sessionRows(sidOf(cookie))).toBe(0);
      // A copy of the cookie kept by an attacker (or the browser's cache) is worth nothing now.
      expect((await replay(cookie, path)).status).toBe(401);
      expect((await replay(cookie, "/api/auth/session").expect(200)).body.user).toBeNull();
    });
  }
});

describe("other sessions of an account", () => {
  it("a password change ends the account's other sessions on the server and keeps this one", async () => {
    const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
    const here = await staffClient(env.app, teacher.email);
    const elsewhere = await staffClient(env.app, teacher.email);
    const sessionsBefore = await env.ctx.db.session.count();
    await here.agent.post("/api/auth/password").set("X-CSRF-Token", here.csrf).send({ currentPassword: STAFF_PASSWORD, newPassword: "Un-Mot-De-Passe-Solide-2026" }).expect(204);
    expect(await env.ctx.db.session.count()).toBe(sessionsBefore - 1);
    expect((await elsewhere.agent.get("/api/exams")).status).toBe(401);
    await here.agent.get("/api/exams").expect(200);
  });

  it("a reset by the command line (korrigo reset-password) ends every session of the account", async () => {
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const bystander = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
    const sessions = [await staffClient(env.app, admin.email), await staffClient(env.app, admin.email)];
    expect(await runCli(["reset-password", "--email", admin.email], capturedIo(), cliEnv(env.config))).toBe(0);
    for (const session of sessions) expect((await session.agent.get("/api/exams")).status).toBe(401);
    await bystander.agent.get("/api/exams").expect(200);
  });

  it("a disabled staff account loses its open sessions at the next request, and cannot log in again", async () => {
    // No screen disables an account yet: the flag is set as an operator would, in the database.
    const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
    const client = await staffClient(env.app, teacher.email);
    await client.agent.get("/api/exams").expect(200);
    await env.ctx.db.user.update({ where: { id: teacher.id }, data: { disabled: true } });
    expect((await client.agent.get("/api/exams")).status).toBe(401);
    expect((await client.agent.get("/api/auth/session").expect(200)).body.user).toBeNull();
    const again = await anonymousClient(env.app);
    const res = await again.agent.post("/api/auth/login").set("X-CSRF-Token", again.csrf).send({ email: teacher.email, password: STAFF_PASSWORD });
    expect(res.status).toBe(401);
  });

  it("a disabled student loses their open sessions at the next request", async () => {
    const student = await createStudent(env.ctx, schoolId);
    const client = await studentClient(env.app, student.login);
    await client.agent.get("/api/me/copies").expect(200);
    await env.ctx.db.student.update({ where: { id: student.id }, data: { disabled: true } });
    expect((await client.agent.get("/api/me/copies")).status).toBe(401);
  });

  it("a session row whose account reference was altered opens nothing: 401, never a server error", async () => {
    // The principal is read with the session (modules/auth/session-store.ts): a reference that
    // is not a UUID, of an unknown kind, or naming a student as staff finds nobody.
    const student = await createStudent(env.ctx, schoolId);
    type Ref = { kind: string; id: string };
    const alterations: ((ref: Ref) => unknown)[] = [
      (ref) => ({ ...ref, id: "not-a-uuid" }),
      (ref) => ({ ...ref, id: `${ref.id.slice(0, -1)}g` }),
      (ref) => ({ ...ref, kind: "admin" }),
      (ref) => ({ ...ref, kind: "student" }),
      (ref) => ({ ...ref, id: student.id }),
      () => "just a string",
    ];
    for (const alter of alterations) {
      const { login, path } = await account("staff");
      const cookie = sessionCookie(await login())!;
      await replay(cookie, path).expect(200);
      const sid = sidOf(cookie);
      const [row] = await env.ctx.db.$queryRaw<{ ref: Ref }[]>`SELECT sess->'passport'->'user' AS ref FROM "session" WHERE sid = ${sid}`;
      const altered = JSON.stringify(alter(row!.ref));
      await env.ctx.db.$executeRaw`UPDATE "session" SET sess = jsonb_set(sess::jsonb, '{passport,user}', ${altered}::jsonb)::json WHERE sid = ${sid}`;
      const res = await replay(cookie, path);
      expect(res.status, altered).toBe(401);
      expect(res.body.error.code).toBe("UNAUTHENTICATED");
    }
  });

  it("a student's new access code ends the sessions the old one opened", async () => {
    const admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
    const student = await createStudent(env.ctx, schoolId);
    const client = await studentClient(env.app, student.login);
    await client.agent.get("/api/me/copies").expect(200);
    await admin.agent.post(`/api/students/${student.id}/access-code`).set("X-CSRF-Token", admin.csrf).expect(201);
    expect((await client.agent.get("/api/me/copies")).status).toBe(401);
  });
});

describe("session cookie in production (NODE_ENV=production, behind the https proxy)", () => {
  let prod: TestEnv;
  let email: string;
  const NAME = "__Host-korrigo.sid";

  beforeAll(async () => {
    prod = await createProductionEnv();
    const school = await createSchool(prod.ctx);
    email = (await createStaff(prod.ctx, school.id, "ADMIN")).email;
  });
  afterAll(() => prod?.close());

  /** HttpOnly, Secure, SameSite=Lax, the whole site (Path=/), this host only (no Domain). */
  function expectLockedDown(res: request.Response) {
    const cookie = setCookies(res).find((c) => c.name === NAME);
    expect(cookie, `Set-Cookie: ${String(res.headers["set-cookie"])}`).toBeDefined();
    const attributes = cookie!.attributes;
    expect(attributes.has("httponly")).toBe(true);
    expect(attributes.has("secure")).toBe(true);
    expect(attributes.get("samesite")?.toLowerCase()).toBe("lax");
    expect(attributes.get("path")).toBe("/");
    expect(attributes.has("domain")).toBe(false);
    return cookie!;
  }

  it("sets the __Host- cookie HttpOnly, Secure, SameSite=Lax, Path=/, without Domain, before and after login", async () => {
    const browser = new Browser(prod.app);
    const anonymous = await browser.call("get", "/api/auth/session");
    expect(anonymous.status).toBe(200);
    const before = expectLockedDown(anonymous);
    // Expires with the idle timeout (4 h), not a cookie for years.
    const expires = new Date(before.attributes.get("expires") ?? 0).getTime();
    expect(expires).toBeGreaterThan(Date.now() + 3.9 * 3600_000);
    expect(expires).toBeLessThan(Date.now() + 4.1 * 3600_000);

    const login = await browser.call("post", "/api/auth/login", { csrf: anonymous.body.csrfToken, body: { email, password: STAFF_PASSWORD } });
    expect(login.status).toBe(200);
    const after = expectLockedDown(login);
    expect(sessionIdOf(after.value)).not.toBe(sessionIdOf(before.value));
    expect((await browser.call("get", "/api/exams")).status).toBe(200);
  });

  it("clears the cookie at logout with the attributes a browser needs to accept the deletion of a __Host- cookie", async () => {
    const browser = new Browser(prod.app);
    const anonymous = await browser.call("get", "/api/auth/session");
    const login = await browser.call("post", "/api/auth/login", { csrf: anonymous.body.csrfToken, body: { email, password: STAFF_PASSWORD } });
    const out = await browser.call("post", "/api/auth/logout", { csrf: login.body.csrfToken });
    expect(out.status).toBe(204);
    // Browsers ignore a __Host- cookie (its deletion included) set without Secure or with another Path.
    const cleared = expectLockedDown(out);
    expect(cleared.value).toBe("");
    expect(new Date(cleared.attributes.get("expires") ?? Date.now() + 1).getTime()).toBeLessThanOrEqual(Date.now());
    expect(browser.jar.has(NAME)).toBe(false);
  });

  it("never sends the session cookie over plain http (a request that did not come through the https proxy)", async () => {
    const direct = new Browser(prod.app, null);
    const res = await direct.call("get", "/api/auth/session");
    expect(res.status).toBe(200);
    expect(res.headers["set-cookie"]).toBeUndefined();
    // Without a session there is no token to log in with.
    const login = await direct.call("post", "/api/auth/login", { csrf: res.body.csrfToken, body: { email, password: STAFF_PASSWORD } });
    expect(login.status).toBe(403);
    expect(login.headers["set-cookie"]).toBeUndefined();
  });

  it("believes X-Forwarded-Proto only from the trusted proxy (TRUST_PROXY)", async () => {
    // The proxy is declared at another address: this caller's "https" is a claim, not a fact.
    const untrusted = await createProductionEnv({ TRUST_PROXY: "10.11.12.13" });
    try {
      const res = await new Browser(untrusted.app).call("get", "/api/auth/session");
      expect(res.status).toBe(200);
      expect(res.headers["set-cookie"]).toBeUndefined();
    } finally {
      await untrusted.close();
    }
  });
});
