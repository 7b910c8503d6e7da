// Security headers and error bodies of the app built for production: a strict CSP (no inline or
// eval'd script, no framing, no plugin) and HSTS on every kind of answer — JSON, the SPA's HTML,
// its static files, errors —, no X-Powered-By, nosniff, no CORS; and no stack trace or internal
// path in any error body, 500s included (provoked through real handlers).
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { PDFDocument } from "pdf-lib";
import request from "supertest";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, STAFF_PASSWORD, type TestEnv } from "../harness.js";
import { Browser, createProductionEnv } from "./production-env.js";

let env: TestEnv;
let root: string;
let admin: Browser;
let csrf: string;
let documentId: string;

async function subjectPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText("Sujet", { x: 50, y: 780 });
  return Buffer.from(await doc.save());
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "korrigo-headers-"));
  const web = path.join(root, "web");
  await mkdir(path.join(web, "assets"), { recursive: true });
  await writeFile(path.join(web, "index.html"), '<!doctype html><html lang="fr"><head><script type="module" src="/assets/app.js"></script></head><body><div id="app"></div></body></html>');
  await writeFile(path.join(web, "assets", "app.js"), "console.log('korrigo');");
  env = await createProductionEnv({ DATA_DIR: path.join(root, "data"), WEB_DIST_DIR: web });
  const school = await createSchool(env.ctx);
  const email = (await createStaff(env.ctx, school.id, "ADMIN")).email;
  admin = new Browser(env.app);
  const anonymous = await admin.call("get", "/api/auth/session");
  csrf = (await admin.call("post", "/api/auth/login", { csrf: anonymous.body.csrfToken, body: { email, password: STAFF_PASSWORD } })).body.csrfToken;
  const exam = await admin.call("post", "/api/exams", { csrf, body: { title: "DS 1", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" } });
  const examId = exam.body.exam.id as string;
  const upload = await request(env.app)
    .post(`/api/exams/${examId}/documents?kind=SUBJECT`)
    .set({ "X-Forwarded-Proto": "https", Cookie: admin.cookieHeader(), "X-CSRF-Token": csrf })
    .attach("file", await subjectPdf(), "Sujet DS 1.pdf")
    .expect(201);
  documentId = upload.body.document.id;
});

afterAll(async () => {
  await env?.close();
  await rm(root, { recursive: true, force: true });
});

/** The CSP as directive → sources. */
function csp(res: request.Response): Map<string, string[]> {
  const header = String(res.headers["content-security-policy"] ?? "");
  return new Map(
    header
      .split(";")
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!.toLowerCase(), sources]),
  );
}

function expectStrictCsp(res: request.Response, what: string) {
  const policy = csp(res);
  expect(policy.get("default-src"), what).toEqual(["'self'"]);
  expect(policy.get("script-src"), what).toEqual(["'self'"]);
  expect(policy.get("style-src"), what).toEqual(["'self'"]);
  expect(policy.get("object-src"), what).toEqual(["'none'"]);
  expect(policy.get("frame-ancestors"), what).toEqual(["'none'"]);
  expect(policy.get("base-uri"), what).toEqual(["'self'"]);
  expect(policy.get("form-action"), what).toEqual(["'self'"]);
  expect(policy.has("upgrade-insecure-requests"), what).toBe(true);
  const everySource = [...policy.values()].flat();
  for (const loose of ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http:", "https:"]) expect(everySource, what).not.toContain(loose);
}

function expectSecurityHeaders(res: request.Response, what: string) {
  expect(res.headers["x-powered-by"], what).toBeUndefined();
  expect(res.headers["x-content-type-options"], what).toBe("nosniff");
  const hsts = String(res.headers["strict-transport-security"] ?? "");
  expect(Number(/max-age=(\d+)/.exec(hsts)?.[1]), `${what}: ${hsts}`).toBeGreaterThanOrEqual(31_536_000);
  expect(hsts, what).toMatch(/includeSubDomains/i);
  // As frame-ancestors 'none' says, for browsers that only read the older header.
  expect(res.headers["x-frame-options"], what).toBe("DENY");
  expect(res.headers["referrer-policy"], what).toBe("no-referrer");
  expect(res.headers["cross-origin-opener-policy"], what).toBe("same-origin");
  expect(res.headers["access-control-allow-origin"], what).toBeUndefined();
}

/** Signs of a stack trace, a source file or a path of this machine in a body. */
function expectNothingInternal(res: request.Response, what: string) {
  const body = res.text;
  for (const leak of [env.config.DATA_DIR, root, process.cwd(), tmpdir(), "node_modules", "/server/", "ENOENT", "Invalid storage key", "Error:", "stack"]) {
    expect(body, `${what} leaks "${leak}": ${body}`).not.toContain(leak);
  }
  expect(body, what).not.toMatch(/\bat .+:\d+:\d+/);
  expect(body, what).not.toMatch(/\.(ts|js|mjs):\d+/);
}

function expectErrorShape(res: request.Response, status: number, what: string) {
  expect(res.status, `${what}: ${res.text}`).toBe(status);
  expect(res.headers["content-type"], what).toMatch(/^application\/json/);
  expect(res.body, what).toEqual({ error: { code: expect.any(String), message: expect.any(String), requestId: res.headers["x-request-id"], ...(res.body.error?.details ? { details: expect.anything() } : {}) } });
  expectNothingInternal(res, what);
}

describe("security headers in production", () => {
  it("are on JSON answers, the SPA's HTML, its static files and every error", async () => {
    const anonymous = new Browser(env.app);
    const answers: [string, request.Response][] = [
      ["GET /api/health/live", await anonymous.call("get", "/api/health/live")],
      ["GET /api/auth/session", await anonymous.call("get", "/api/auth/session")],
      ["GET /api/exams (admin)", await admin.call("get", "/api/exams")],
      ["the SPA's HTML", await anonymous.call("get", "/connexion")],
      ["a static file", await anonymous.call("get", "/assets/app.js")],
      ["an unknown API address (404)", await anonymous.call("get", "/api/nothing-here")],
      ["invalid JSON (400)", await anonymous.call("post", "/api/auth/login", { headers: { "Content-Type": "application/json" }, body: '{"email":' })],
      ["not logged in (401)", await anonymous.call("get", "/api/exams")],
      ["no CSRF token (403)", await admin.call("post", "/api/auth/logout")],
      ["too large (413)", await anonymous.call("post", "/api/auth/login", { body: { email: "x".repeat(1_100_000), password: "p" } })],
    ];
    for (const [what, res] of answers) {
      expectSecurityHeaders(res, what);
      expectStrictCsp(res, what);
    }
    expect(answers[3]![1].headers["content-type"]).toMatch(/^text\/html/);
    expect(answers[4]![1].headers["content-type"]).toMatch(/javascript/);
    for (const [what, res] of answers.slice(5)) expectNothingInternal(res, what);
  });

  it("let the SPA frame an exam document (frame-ancestors 'self'), the one exception, served as a PDF that is never sniffed", async () => {
    const res = await admin.call("get", `/api/documents/${documentId}/file`);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/pdf");
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(csp(res).get("frame-ancestors")).toEqual(["'self'"]);
    expect(res.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(res.headers["content-disposition"]).toBe("inline; filename*=UTF-8''Sujet%20DS%201.pdf");
    expect(res.headers["x-powered-by"]).toBeUndefined();
  });

  it("answer a cross-site request or preflight without any CORS permission (the X-CSRF-Token header cannot be sent from another site)", async () => {
    const evil = { Origin: "https://evil.example" };
    const simple = await admin.call("get", "/api/auth/session", { headers: evil });
    expect(simple.headers["access-control-allow-origin"]).toBeUndefined();
    expect(simple.headers["access-control-allow-credentials"]).toBeUndefined();
    const preflight = await request(env.app)
      .options("/api/exams")
      .set({ "X-Forwarded-Proto": "https", ...evil, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-csrf-token, content-type" });
    expect(preflight.headers["access-control-allow-origin"]).toBeUndefined();
    expect(preflight.headers["access-control-allow-headers"]).toBeUndefined();
    expect(preflight.headers["access-control-allow-methods"]).toBeUndefined();
  });

  it("have HSTS and upgrade-insecure-requests only in production (a development server on http must stay reachable)", async () => {
    const development = await createTestEnv();
    try {
      const res = await request(development.app).get("/api/health/live").expect(200);
      expect(res.headers["strict-transport-security"]).toBeUndefined();
      expect(csp(res).has("upgrade-insecure-requests")).toBe(false);
      expect(csp(res).get("script-src")).toEqual(["'self'"]);
      expect(res.headers["x-powered-by"]).toBeUndefined();
    } finally {
      await development.close();
    }
  });
});

describe("error bodies in production", () => {
  /** A copy of the uploaded document's row pointing at `storagePath`. */
  async function documentAt(storagePath: string): Promise<string> {
    const row = await env.ctx.db.examDocument.findUniqueOrThrow({ where: { id: documentId } });
    const id = randomUUID();
    await env.ctx.db.examDocument.create({ data: { ...row, id, version: row.version + 1 + Math.floor(Math.random() * 1e6), storagePath } });
    return id;
  }

  it("a 500 from a handler (a stored path outside the store, a stored file gone) says nothing of the server", async () => {
    const escaping = await documentAt("documents/../../../../etc/passwd");
    const missing = await documentAt(`documents/${randomUUID()}/${randomUUID()}.pdf`);
    for (const [what, id] of [["a stored path escaping DATA_DIR", escaping], ["a stored file that is gone", missing]] as const) {
      const res = await admin.call("get", `/api/documents/${id}/file`);
      expectErrorShape(res, 500, what);
      expect(res.body.error).toMatchObject({ code: "INTERNAL", message: "Erreur interne du serveur. L'incident a été enregistré." });
      expect(res.text).not.toContain("root:");
      // The framing exception of a document is not carried by its error.
      expectSecurityHeaders(res, what);
      expectStrictCsp(res, what);
    }
  });

  it("4xx answers provoked by malformed requests keep to the error shape, without internals", async () => {
    const cases: [string, number, Promise<request.Response>][] = [
      ["a malformed %-escape in the path", 400, admin.call("get", "/api/exams/%E0%A4%A")],
      ["an id that is not one", 400, admin.call("get", "/api/exams/not-a-uuid")],
      ["a body that does not validate", 400, admin.call("post", "/api/exams", { csrf, body: { title: 42 } })],
      ["an unknown exam", 404, admin.call("get", `/api/exams/${randomUUID()}`)],
      ["an unknown API address", 404, admin.call("get", "/api/../../etc/passwd")],
      ["a truncated JSON body", 400, admin.call("post", "/api/exams", { csrf, headers: { "Content-Type": "application/json" }, body: '{"title": "DS' })],
      ["an undecodable compressed body", 400, admin.call("post", "/api/exams", { csrf, headers: { "Content-Type": "application/json", "Content-Encoding": "gzip" }, body: "not gzip at all" })],
    ];
    for (const [what, status, pending] of cases) {
      const res = await pending;
      expectErrorShape(res, status, what);
      expectSecurityHeaders(res, what);
    }
  });
});
