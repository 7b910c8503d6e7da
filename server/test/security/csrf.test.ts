// CSRF on every state-changing route, taken from the router's own table (declaredRoutes): each
// POST/PUT/PATCH/DELETE is called by a logged-in principal allowed to call it, on real objects
// of its school and with a body that would be accepted, but without the session's token, with
// a made-up one and with another session's valid one → 403 CSRF_INVALID in the JSON error
// shape, and nothing written (database, files, Redis). A route added later is covered without
// touching this file, unless its path has a parameter this file cannot fill: then it fails.
//
// Public routes that change state (login, student login, logout) are not exempt: csrf-sync is
// mounted on the whole /api before every router (server/app.ts), and the anonymous session gets
// its token from GET /api/auth/session, so a cross-site page cannot log a victim into an
// attacker's account (login CSRF) nor log them out.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredRoutes, type DeclaredRoute } from "../../lib/http/access.js";
import { anonymousClient, createStaff, createTestEnv, staffClient, STAFF_PASSWORD, STUDENT_CODE, type Client, type TestEnv } from "../harness.js";
import { buildSchoolFixture, callRoute, onePagePdf, principalFor, routeLabel as label, routeUrl, type SchoolFixture } from "./fixture.js";
import { storeState } from "./state.js";

let env: TestEnv;
let dataDir: string;
let f: SchoolFixture;
/** Another user's session: its token is valid, but not for the fixture's sessions. */
let elsewhere: Client;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-csrf-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  f = await buildSchoolFixture(env);
  elsewhere = await staffClient(env.app, (await createStaff(env.ctx, f.schoolId, "ADMIN")).email);
}, 120_000);

afterAll(async () => {
  await env?.close();
  await rm(dataDir, { recursive: true, force: true });
});

/** Bodies that the route would accept: without the CSRF check, these requests would write. */
function sampleBody(route: DeclaredRoute): object {
  const bodies: Record<string, object> = {
    "post /api/auth/login": { email: f.adminEmail, password: STAFF_PASSWORD },
    "post /api/auth/student-login": { login: f.studentLogin, accessCode: STUDENT_CODE },
    "post /api/auth/password": { currentPassword: STAFF_PASSWORD, newPassword: "Un-Mot-De-Passe-Solide-2026" },
    "post /api/exams": { title: "DS forgé", subject: "Maths", date: "2026-12-01", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" },
    "patch /api/exams/:id": { title: "Titre changé" },
    "put /api/exams/:id/marking-scheme": { questions: [{ label: "Q1", maxPoints: 10 }] },
    "put /api/exams/:id/graders": { userIds: [] },
    "post /api/exams/:id/dispatch": { mode: "even" },
    "post /api/exams/:id/publication": { confirm: true },
    "put /api/exams/:id/review-deadline": { reviewDeadline: null },
    "post /api/exams/:id/rubric/items": { questionId: f.questionId, label: "Faux", points: 1 },
    "patch /api/rubric-items/:id": { label: "Renommé" },
    "put /api/questions/:id/rubric-mode": { mode: "SUBTRACT" },
    "post /api/exams/:id/comments": { text: "Très bien" },
    "post /api/copies/:id/lock": { takeOver: true },
    "post /api/booklets/:id/set-aside": { reason: "ABSENT" },
    "post /api/access-codes": { className: "2nde A", scope: "all" },
    "post /api/me/copies/:id/reviews": { questionId: f.questionId, message: "Je conteste" },
    "post /api/reviews/:id/answer": { answer: "Non", reopen: true },
  };
  return bodies[`${route.method} ${route.path}`] ?? {};
}

function stateChanging(): DeclaredRoute[] {
  return declaredRoutes(env.app).filter((r) => r.method !== "get");
}

describe("CSRF on every state-changing route of the route table", () => {
  it("finds the state-changing routes in the route table", () => {
    const routes = stateChanging().map(label);
    // A sanity floor (the app has 60-odd today): an empty or truncated table would prove nothing.
    expect(routes.length).toBeGreaterThan(50);
    expect(routes).toEqual(expect.arrayContaining(["POST /api/auth/login", "POST /api/auth/logout", "PUT /api/copies/:id/draft", "DELETE /api/exams/:id", "POST /api/exams/:id/scans"]));
  });

  it("refuses each one without the token, with a made-up token and with another session's token: 403, nothing written", async () => {
    const badTokens: [string, () => string | undefined][] = [
      ["no token", () => undefined],
      ["a made-up token", () => `forged-${randomUUID()}`],
      ["another session's valid token", () => elsewhere.csrf],
    ];
    for (const route of stateChanging()) {
      const url = routeUrl(route, f);
      const client = principalFor(route, f);
      const before = await storeState(env);
      for (const [what, token] of badTokens) {
        const res = await callRoute(client, route, url, token(), sampleBody(route));
        expect.soft(res.status, `${label(route)} with ${what}`).toBe(403);
        expect.soft(res.body?.error, `${label(route)} with ${what}`).toMatchObject({ code: "CSRF_INVALID", message: expect.stringContaining("Jeton de sécurité"), requestId: expect.any(String) });
      }
      expect.soft(await storeState(env), `${label(route)}: nothing written`).toEqual(before);
    }
    // Nobody was logged out or in by the refused requests.
    for (const [who, kind] of [["admin", "staff"], ["teacher", "staff"], ["student", "student"]] as const) {
      expect((await f.clients[who].agent.get("/api/auth/session").expect(200)).body.user?.kind, who).toBe(kind);
    }
    expect((await f.clients.anonymous.agent.get("/api/auth/session").expect(200)).body.user).toBeNull();
  });

  it("lets each one through with the session's token (so the 403 above is the CSRF check, not the role guard)", async () => {
    // Ids that exist nowhere and empty bodies: the handler runs and refuses, nothing is found to change.
    for (const route of stateChanging()) {
      // Logout goes through: on a session of its own, not the fixture admin's.
      const client = route.path.endsWith("/logout") ? await staffClient(env.app, (await createStaff(env.ctx, f.schoolId, "ADMIN")).email) : principalFor(route, f);
      const url = routeUrl(route, f, (key) => (key === "classes/:className" ? "Classe%20inconnue" : randomUUID()));
      const res = await callRoute(client, route, url, client.csrf, {});
      expect.soft(res.body?.error?.code, `${label(route)}: ${res.status} ${JSON.stringify(res.body)}`).not.toBe("CSRF_INVALID");
      expect.soft([401, 403], `${label(route)}: ${res.status} ${JSON.stringify(res.body)}`).not.toContain(res.status);
    }
  }, 60_000);
});

describe("CSRF details", () => {
  it("refuses a multipart upload without the token before reading it: no byte reaches DATA_DIR, its scratch space included", async () => {
    const pdf = await onePagePdf();
    const before = await storeState(env);
    const documentUpload = await f.clients.admin.agent.post(`/api/exams/${f.examId}/documents?kind=SUBJECT`).attach("file", pdf, "sujet.pdf");
    const scanUpload = await f.clients.admin.agent.post(`/api/exams/${f.examId}/scans`).set("X-CSRF-Token", "forged").attach("file", pdf, "lot.pdf");
    for (const res of [documentUpload, scanUpload]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("CSRF_INVALID");
    }
    expect(await storeState(env)).toEqual(before);
    // With the token the same upload is taken.
    await f.clients.admin.agent.post(`/api/exams/${f.examId}/documents?kind=SUBJECT`).set("X-CSRF-Token", f.clients.admin.csrf).attach("file", pdf, "sujet.pdf").expect(201);
  });

  it("reads the token from the X-CSRF-Token header only, never from the body or the query string", async () => {
    const a = f.clients.admin;
    const before = await storeState(env);
    const inBody = await a.agent.patch(`/api/exams/${f.examId}`).send({ title: "Par le corps", _csrf: a.csrf, csrfToken: a.csrf });
    const inQuery = await a.agent.patch(`/api/exams/${f.examId}?_csrf=${encodeURIComponent(a.csrf)}&csrfToken=${encodeURIComponent(a.csrf)}`).send({ title: "Par la query" });
    for (const res of [inBody, inQuery]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("CSRF_INVALID");
    }
    expect(await storeState(env)).toEqual(before);
  });

  it("protects the login forms (login CSRF): right credentials without the token open no session and leave no audit entry", async () => {
    const anonymous = await anonymousClient(env.app);
    const before = await storeState(env);
    const staff = await anonymous.agent.post("/api/auth/login").send({ email: f.adminEmail, password: STAFF_PASSWORD });
    const student = await anonymous.agent.post("/api/auth/student-login").set("X-CSRF-Token", f.clients.student.csrf).send({ login: f.studentLogin, accessCode: STUDENT_CODE });
    for (const res of [staff, student]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("CSRF_INVALID");
    }
    expect(await storeState(env)).toEqual(before);
    expect((await anonymous.agent.get("/api/auth/session").expect(200)).body.user).toBeNull();
  });
});
