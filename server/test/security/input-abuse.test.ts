// Generic input abuse: oversized, deeply nested and invalid JSON, wrong content types, path
// traversal in every file-ish parameter (route parameters from the route table, query strings,
// upload and ZIP entry names, paths stored in rows, the SPA's static files), and unicode tricks
// in exam titles, student names and staff names — each answered with a clear 4xx (or accepted
// and stored exactly), nothing written by a refusal, no file from outside the store ever sent,
// the CSV exports neutralising formulas. After every test the service is still healthy.
import { randomUUID } from "node:crypto";
import { createServer, request as httpRequest, type Server } from "node:http";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import Papa from "papaparse";
import request from "supertest";
import yazl from "yazl";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { declaredRoutes, type DeclaredRoute } from "../../lib/http/access.js";
import { runCli } from "../../cli/run.js";
import { capturedIo, cliEnv } from "../cli-io.js";
import { anonymousClient, createTestEnv, STAFF_PASSWORD, staffClient, type Client, type TestEnv } from "../harness.js";
import { buildSchoolFixture, callRoute, EXAM, onePagePdf as pdf, principalFor, routeLabel, routeUrl, type SchoolFixture } from "./fixture.js";
import { setCookies } from "./production-env.js";
import { filesUnder } from "../files.js";
import { storeState } from "./state.js";

let env: TestEnv;
/** root/data is DATA_DIR, root/web the SPA; root/outside-secret.txt must never be served. */
let root: string;
let f: SchoolFixture;
let admin: Client;
let server: Server;
const SECRET = `TOP-SECRET-${randomUUID()}`;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "korrigo-abuse-"));
  await mkdir(path.join(root, "web", "assets"), { recursive: true });
  await writeFile(path.join(root, "web", "index.html"), '<!doctype html><html lang="fr"><body><div id="app"></div></body></html>');
  await writeFile(path.join(root, "web", "assets", "app.js"), "console.log('korrigo');");
  await writeFile(path.join(root, "outside-secret.txt"), SECRET);
  env = await createTestEnv({ DATA_DIR: path.join(root, "data"), WEB_DIST_DIR: path.join(root, "web") });
  f = await buildSchoolFixture(env);
  admin = f.clients.admin;
  server = createServer(env.app).listen(0, "127.0.0.1");
}, 120_000);

afterAll(async () => {
  server?.close();
  await env?.close();
  await rm(root, { recursive: true, force: true });
});

// After each abuse: the process answers, and an ordinary request still works.
afterEach(async () => {
  await anonymousClient(env.app).then((c) => c.agent.get("/api/health/live").expect(200));
  await admin.agent.get("/api/exams").expect(200);
});

const post = (url: string) => admin.agent.post(url).set("X-CSRF-Token", admin.csrf);

/** The body as text, whatever its type (supertest leaves res.text empty for a PDF). */
const textOf = (res: request.Response): string => res.text ?? (Buffer.isBuffer(res.body) ? res.body.toString("latin1") : JSON.stringify(res.body));

function expectError(res: request.Response, status: number, code?: string) {
  expect(res.status, res.text.slice(0, 500)).toBe(status);
  expect(res.body.error).toMatchObject({ code: code ?? expect.any(String), message: expect.any(String), requestId: expect.any(String) });
}

/** The fixture admin's session as a Cookie header, for requests made without supertest. */
async function adminCookie(): Promise<string> {
  const anonymous = await request(env.app).get("/api/auth/session");
  const pre = setCookies(anonymous).find((c) => c.name === "korrigo.sid")!;
  const login = await request(env.app).post("/api/auth/login").set("Cookie", `${pre.name}=${pre.value}`).set("X-CSRF-Token", anonymous.body.csrfToken).send({ email: f.adminEmail, password: STAFF_PASSWORD });
  const cookie = setCookies(login).find((c) => c.name === "korrigo.sid")!;
  return `${cookie.name}=${cookie.value}`;
}

/**
 * A request made with node:http itself: the path is sent byte for byte (supertest's URL parsing
 * would resolve "../"), and a body given in chunks goes without a Content-Length (chunked).
 */
function rawRequest(method: string, pathAsSent: string, headers: Record<string, string> = {}, chunks: string[] = []): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, method, path: pathAsSent, headers }, (res) => {
      const received: Buffer[] = [];
      res.on("data", (chunk: Buffer) => received.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(received).toString("latin1") }));
    });
    req.on("error", reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

const rawGet = (pathAsSent: string, cookie: string) => rawRequest("GET", pathAsSent, { Cookie: cookie });

describe("request bodies", () => {
  it("refuses JSON over the 1 MB limit with 413 in the error shape, writing nothing", async () => {
    const cookie = await adminCookie();
    const before = await storeState(env);
    const big = await post("/api/exams").send({ ...EXAM, title: "x".repeat(1024 * 1024) });
    expectError(big, 413, "PAYLOAD_TOO_LARGE");
    // Sent in chunks, without a Content-Length: counted while read, refused the same way.
    const body = JSON.stringify({ ...EXAM, subject: "y".repeat(1_100_000) });
    const chunks = Array.from({ length: Math.ceil(body.length / 65_536) }, (_, i) => body.slice(i * 65_536, (i + 1) * 65_536));
    const chunked = await rawRequest("POST", "/api/exams", { Cookie: cookie, "X-CSRF-Token": "not needed: the body is refused first", "Content-Type": "application/json" }, chunks);
    expect(chunked.status).toBe(413);
    expect(JSON.parse(chunked.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(await storeState(env)).toEqual(before);
  });

  it("refuses JSON nested 10,000 and 100,000 levels deep with 400; the process stays up", async () => {
    const arrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    const objects = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
    const before = await storeState(env);
    // The last one holds a \u escape: the check for unstorable text walks all 100,000 levels.
    const escaped = `${'{"a":'.repeat(100_000)}"\\u00e9"${"}".repeat(100_000)}`;
    for (const body of [`{"title":${arrays(10_000)}}`, objects(10_000), arrays(100_000), objects(100_000), `{"mapping":${objects(10_000)},"content":"YQ=="}`, escaped]) {
      const res = await post("/api/exams").set("Content-Type", "application/json").send(body);
      expectError(res, 400);
      const roster = await post("/api/students/import").set("Content-Type", "application/json").send(body);
      expectError(roster, 400);
    }
    expect(await storeState(env)).toEqual(before);
  });

  it("answers a body that is not JSON where JSON is expected with a 4xx saying what to send", async () => {
    const before = await storeState(env);
    const sent = [
      await post("/api/exams").set("Content-Type", "text/plain").send(JSON.stringify(EXAM)),
      await post("/api/exams").type("form").send({ title: "DS", subject: "Maths" }),
      await post("/api/exams").field("title", "DS").field("subject", "Maths"),
      await post("/api/exams").set("Content-Type", "application/xml").send("<exam><title>DS</title></exam>"),
      await post("/api/exams"),
    ];
    for (const res of sent) {
      expect([400, 415], res.text).toContain(res.status);
      expect(res.body.error.message).toContain("Content-Type: application/json");
    }
    // A file route sent JSON says it wants multipart.
    const upload = await post(`/api/exams/${f.examId}/documents?kind=SUBJECT`).send({ file: "sujet.pdf" });
    expectError(upload, 415, "MULTIPART_EXPECTED");
    expect(await storeState(env)).toEqual(before);
  });

  it("refuses JSON in another charset or an unknown or broken compression with a 4xx in the error shape", async () => {
    const before = await storeState(env);
    expectError(await post("/api/exams").set("Content-Type", "application/json; charset=latin1").send(JSON.stringify(EXAM)), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectError(await post("/api/exams").set("Content-Type", "application/json").set("Content-Encoding", "compress").send(JSON.stringify(EXAM)), 415, "UNSUPPORTED_MEDIA_TYPE");
    expectError(await post("/api/exams").set("Content-Type", "application/json").set("Content-Encoding", "gzip").send("this is not gzip"), 400, "BAD_REQUEST");
    expect(await storeState(env)).toEqual(before);
  });

  it("refuses invalid JSON with 400 INVALID_JSON, and a __proto__ key pollutes nothing", async () => {
    const before = await storeState(env);
    for (const body of ['{"title":', "{'title':'DS'}", '{"title":"DS"}trailing', "[1,2", "null", '"DS"', "NaN", '{"title":"DS",}']) {
      expectError(await post("/api/exams").set("Content-Type", "application/json").send(body), 400, "INVALID_JSON");
    }
    const polluting = await post("/api/exams").set("Content-Type", "application/json").send(`{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"title":1}`);
    expectError(polluting, 400, "VALIDATION_FAILED");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await storeState(env)).toEqual(before);
  });

  it("answers a %-escape that does not decode in an address with 400, not 500", async () => {
    for (const url of ["/api/exams/%E0%A4%A", "/api/exams/%", "/api/pages/%C0%AE%C0%AE%2F/image", `/api/copies/${f.copyId}%ZZ`]) {
      expectError(await admin.agent.get(url), 400, "MALFORMED_URL");
    }
  });
});

describe("path traversal", () => {
  /** What an attacker puts in an id: each is sent as is in the URL (already encoded). */
  const TRAVERSALS: ((realId: string) => string)[] = [
    () => "..%2F..%2F..%2Foutside-secret.txt",
    () => "%2e%2e%2f%2e%2e%2f%2e%2e%2foutside-secret.txt",
    () => "..%252F..%252Foutside-secret.txt",
    () => "%2e%2e",
    () => "..%5C..%5Coutside-secret.txt",
    () => "....%2F%2F....%2F%2Foutside-secret.txt",
    () => "%2Fetc%2Fpasswd",
    () => "%00",
    (id) => `${id}%00.pdf`,
    (id) => `${id}%2F..%2F..%2F..%2Foutside-secret.txt`,
    (id) => `..%2F${id}`,
  ];
  const withParams = () => declaredRoutes(env.app).filter((r) => r.path.includes("/:"));

  it("every route parameter of the route table refuses traversal, NUL bytes and encoded slashes: 400 or 404, never a file, nothing written", async () => {
    const routes = withParams();
    expect(routes.length).toBeGreaterThan(60);
    const before = await storeState(env);
    for (const route of routes) {
      const client = principalFor(route, f);
      for (const traversal of TRAVERSALS) {
        const url = routeUrl(route, f, (_key, real) => traversal(real));
        // If-Match too: the draft route asks for it before it reads the id.
        const res = await callRoute(client, route, url, client.csrf, {}).set("If-Match", '"1"');
        const what = `${routeLabel(route)} as ${url}: ${res.status} ${res.text.slice(0, 200)}`;
        // A class name is a name, not a path: an unknown one is an empty class.
        const allowed = route.path.includes(":className") ? [200, 400, 404] : [400, 404];
        expect.soft(allowed, what).toContain(res.status);
        expect.soft(textOf(res), what).not.toContain(SECRET);
        expect.soft(textOf(res), what).not.toContain("root:x:0:0");
      }
    }
    expect(await storeState(env)).toEqual(before);
  });

  it("query parameters of the file downloads take no path either", async () => {
    const gets = declaredRoutes(env.app).filter((r) => r.method === "get" && r.path.includes("/:"));
    for (const route of gets) {
      const client = principalFor(route, f);
      for (const traversal of ["..%2F..%2Foutside-secret.txt", "%00", "%2Fetc%2Fpasswd"]) {
        const query = ["kind", "version", "classes", "position", "status", "examId", "mine", "path", "file", "name"].map((key) => `${key}=${traversal}`).join("&");
        const res = await client.agent.get(`${routeUrl(route, f)}?${query}`);
        const what = `${routeLabel(route)}?${query}: ${res.status}`;
        expect.soft(res.status, what).toBeLessThan(500);
        expect.soft(textOf(res), what).not.toContain(SECRET);
      }
    }
  });

  it("raw ../ in addresses reaches no file outside the SPA and never the store's files", async () => {
    const cookie = await adminCookie();
    const document = await post(`/api/exams/${f.examId}/documents?kind=SUBJECT`).attach("file", await pdf("Sujet secret"), "sujet.pdf").expect(201);
    const stored = (await env.ctx.db.examDocument.findUniqueOrThrow({ where: { id: document.body.document.id } })).storagePath;
    const attempts = [
      "/../outside-secret.txt",
      "/assets/../../outside-secret.txt",
      "/..%2foutside-secret.txt",
      "/%2e%2e/outside-secret.txt",
      "/%2e%2e%2foutside-secret.txt",
      "/..%5coutside-secret.txt",
      "/assets/..%2f..%2foutside-secret.txt",
      "/%252e%252e/outside-secret.txt",
      "/outside-secret.txt%00.html",
      "/api/../outside-secret.txt",
      "/api/pages/../../../outside-secret.txt",
      "/api/pages/..%2f..%2f..%2foutside-secret.txt/image",
      `/${stored}`,
      `/data/${stored}`,
      `/api/${stored}`,
      `/../data/${stored}`,
    ];
    for (const attempt of attempts) {
      const res = await rawGet(attempt, cookie);
      expect.soft(res.status, attempt).toBeLessThan(500);
      expect.soft(res.body, attempt).not.toContain(SECRET);
      expect.soft(res.body, attempt).not.toContain("%PDF-");
    }
  });

  it("upload file names are never used as paths: stored under a new id, shown without folders", async () => {
    const outsideBefore = (await filesUnder(root)).filter((file) => !file.startsWith("data/"));
    const names = ["../../../evil-upload.pdf", "..%2F..%2Fevil-upload.pdf", "/etc/evil-upload.pdf", "..\\..\\evil-upload.pdf", "sub/dir/evil-upload.pdf"];
    for (const name of names) {
      const res = await post(`/api/exams/${f.examId}/documents?kind=ANSWER_KEY`).attach("file", await pdf(name), name);
      expect(res.status, res.text).toBe(201);
      expect(res.body.document.originalName).not.toContain("/");
      const row = await env.ctx.db.examDocument.findUniqueOrThrow({ where: { id: res.body.document.id } });
      expect(row.storagePath).toBe(`documents/${f.schoolId}/${row.id}.pdf`);
      const download = await admin.agent.get(`/api/documents/${row.id}/file`).expect(200);
      // The name travels percent-encoded: no raw separator or quote can reach the header's syntax.
      expect(download.headers["content-disposition"]).toMatch(/^inline; filename\*=UTF-8''[A-Za-z0-9%!._~-]+$/);
    }
    expect((await filesUnder(root)).filter((file) => !file.startsWith("data/"))).toEqual(outsideBefore);
    expect((await filesUnder(env.config.DATA_DIR)).filter((file) => file.includes("evil"))).toEqual([]);
  });

  it("export file names made from an exam title keep separators, quotes and line breaks out of the header", async () => {
    const title = '../..\\etc/passwd"; filename=evil.sh\r\nX-Injected: 1 \u202Efdp';
    const exam = await post("/api/exams").send({ ...EXAM, title }).expect(201);
    for (const file of ["pronote.csv", "detailed.csv", "graded-pdfs.zip"]) {
      const res = await admin.agent.get(`/api/exams/${exam.body.exam.id}/exports/${file}`).buffer(true).parse((r, done) => r.on("data", () => undefined).on("end", () => done(null, null)));
      expect(res.status, file).toBe(200);
      expect(res.headers["x-injected"], file).toBeUndefined();
      const disposition = String(res.headers["content-disposition"]);
      expect(disposition, file).toMatch(/^attachment; filename\*=UTF-8''[A-Za-z0-9%!._~-]+$/);
      // The name is percent-encoded whole: a browser shows the title as typed and saves it under its
      // own rules, all but the right-to-left override, which would disguise the extension.
      expect(decodeURIComponent(disposition.slice("attachment; filename*=UTF-8''".length)), file).toMatch(/^\.\.\/\.\.\\etc\/passwd"; filename=evil\.sh\r\nX-Injected: 1 fdp - Maths - /);
    }
  });

  /** A ZIP of two copies whose entry names start with `prefix` (12 characters). */
  async function copiesZip(prefix: string): Promise<Buffer> {
    // yazl refuses such names: the archive is made with same-length names, then renamed in place.
    const zip = new yazl.ZipFile();
    zip.addBuffer(await pdf("Copie 1"), "aa/bb/cc/dd/zipslip-1.pdf", { compress: false });
    zip.addBuffer(await pdf("Copie 2"), "aa/bb/cc/dd/zipslip-2.pdf", { compress: false });
    zip.end();
    const chunks: Buffer[] = [];
    for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer);
    const archive = Buffer.from(Buffer.concat(chunks).toString("latin1").replaceAll("aa/bb/cc/dd/", prefix), "latin1");
    expect(archive.includes(`${prefix}zipslip-1.pdf`)).toBe(true);
    return archive;
  }

  it("a ZIP whose entries are named ../ (zip slip) is refused with 422, nothing extracted anywhere, nothing written", async () => {
    const exam = await post("/api/exams").send({ ...EXAM, title: "Copies individuelles", layout: "INDIVIDUAL_FILES" }).expect(201);
    const upload = (archive: Buffer) => post(`/api/exams/${exam.body.exam.id}/scans`).attach("file", archive, "copies.zip");
    // The same archive with plain names is taken: the refusal is the names'.
    const plain = await upload(await copiesZip("aa/bb/cc/dd/"));
    expect(plain.status, plain.text).toBe(201);
    const before = await storeState(env);
    for (const prefix of ["../../../../", "..\\..\\..\\..\\", "/tmp/../tmp/"]) {
      const res = await upload(await copiesZip(prefix));
      expectError(res, 422, "ZIP_MALFORMED");
    }
    expect(await storeState(env)).toEqual(before);
    expect((await filesUnder(root)).filter((file) => file.includes("zipslip"))).toEqual([]);
  });

  it("a path stored in a row that leads out of the store is never followed", async () => {
    const escapes = ["../outside-secret.txt", "../../outside-secret.txt", path.join(root, "outside-secret.txt"), "documents/../../outside-secret.txt", "/etc/passwd", "tmp/../../outside-secret.txt"];
    const document = await env.ctx.db.examDocument.findFirstOrThrow({ where: { examId: f.examId } });
    for (const [i, escape] of escapes.entries()) {
      await env.ctx.db.page.update({ where: { id: f.pageId }, data: { imagePath: escape, thumbPath: escape } });
      await env.ctx.db.booklet.update({ where: { id: f.bookletId }, data: { headerCropPath: escape } });
      await env.ctx.db.copy.update({ where: { id: f.copyId }, data: { gradedPdfPath: escape } });
      const forged = await env.ctx.db.examDocument.create({ data: { ...document, id: randomUUID(), version: 1000 + i, storagePath: escape } });
      for (const url of [`/api/pages/${f.pageId}/image`, `/api/pages/${f.pageId}/thumb`, `/api/booklets/${f.bookletId}/header`, `/api/copies/${f.copyId}/graded.pdf`, `/api/documents/${forged.id}/file`]) {
        const res = await admin.agent.get(url);
        expect.soft(res.status, `${url} → ${escape}`).toBeGreaterThanOrEqual(400);
        expect.soft(textOf(res), `${url} → ${escape}`).not.toContain(SECRET);
        expect.soft(textOf(res), `${url} → ${escape}`).not.toContain("root:x:0:0");
        expect.soft(textOf(res), `${url} → ${escape}`).not.toContain(root);
        // An error is an error, not a download named like the file that was asked for.
        expect.soft(res.headers["content-type"], `${url} → ${escape}`).toMatch(/^application\/json/);
        expect.soft(res.headers["content-disposition"], `${url} → ${escape}`).toBeUndefined();
      }
    }
  });
});

describe("unicode tricks in names", () => {
  const TRICKY = {
    rtlOverride: "DS \u202Efdp.exe",
    zeroWidth: "D\u200BS\u200C\uFEFF 1\u200D\u2060 bis",
    combining: "E\u0301preuve de ma\u0302ths",
    zalgo: `Z${"\u0351\u0352\u0353\u0354".repeat(10)}`,
    homoglyph: "DЅ 1 — Маths", // Cyrillic Ѕ, М, а
    emoji: "👩‍🏫 Contrôle 🧮",
    formula: '=HYPERLINK("http://evil.example";"Notes")',
  };

  it("exam titles are stored and given back exactly, without normalisation", async () => {
    for (const [trick, title] of Object.entries(TRICKY)) {
      const created = await post("/api/exams").send({ ...EXAM, title });
      expect(created.status, `${trick}: ${created.text}`).toBe(201);
      const read = await admin.agent.get(`/api/exams/${created.body.exam.id}`).expect(200);
      expect(read.body.exam.title, trick).toBe(title);
      expect((await env.ctx.db.exam.findUniqueOrThrow({ where: { id: created.body.exam.id } })).title, trick).toBe(title);
    }
  });

  it("trims leading and trailing white space (the schemas' documented trim), Unicode spaces included", async () => {
    const created = await post("/api/exams").send({ ...EXAM, title: "\u00A0\u2003 DS 2 \uFEFF\u3000" }).expect(201);
    expect(created.body.exam.title).toBe("DS 2");
  });

  it("refuses with 400, writing nothing, a NUL, half a surrogate pair or an overlong title", async () => {
    const before = await storeState(env);
    const refused: [string, string, string][] = [
      ["NUL", "DS\u00001", "UNSTORABLE_TEXT"],
      ["lone high surrogate", "DS \uD800 1", "UNSTORABLE_TEXT"],
      ["lone low surrogate", "DS \uDC00 1", "UNSTORABLE_TEXT"],
      ["201 characters", "x".repeat(201), "VALIDATION_FAILED"],
      ["100,000 characters", "x".repeat(100_000), "VALIDATION_FAILED"],
      ["a letter under 500 combining marks", `e${"\u0301".repeat(500)}`, "VALIDATION_FAILED"],
    ];
    for (const [what, title, code] of refused) {
      const res = await post("/api/exams").send({ ...EXAM, title });
      expect(res.status, `${what}: ${res.text}`).toBe(400);
      expect(res.body.error.code, what).toBe(code);
    }
    // Anywhere in a body: a comment, a key, a list.
    expectError(await post(`/api/exams/${f.examId}/comments`).send({ text: "Bien\u0000" }), 400, "UNSTORABLE_TEXT");
    expectError(await post("/api/exams").send({ ...EXAM, classNames: ["2nde\uDBFF"] }), 400, "UNSTORABLE_TEXT");
    expectError(await post("/api/students/import").send({ content: "YQ==", mapping: { "No\u0000m": "lastName" } }), 400, "UNSTORABLE_TEXT");
    // In an address or a query string.
    expectError(await admin.agent.get("/api/access-codes/classes/2nde%00A/students"), 400, "UNSTORABLE_TEXT");
    // (Here the class list is checked against the exam's first: refused before the database.)
    expectError(await admin.agent.get(`/api/exams/${f.examId}/cover-sheets.pdf?classes=2nde%00A`), 400);
    expect(await storeState(env)).toEqual(before);
  });

  /** A roster file as the school's tool exports it (quoted by Papa where needed). */
  const rosterFile = (rows: string[][]) => Buffer.from(Papa.unparse([["Nom", "Prénom", "Classe", "INE"], ...rows], { delimiter: ";" }), "utf8").toString("base64");

  it("student names from a roster are stored exactly, and the CSV exports neutralise every formula", async () => {
    const exam = await post("/api/exams").send({ ...EXAM, title: "Export piégé", classNames: ["2nde A", "@SUM(1+1)"] }).expect(201);
    const names: [string, string, string][] = [
      [TRICKY.rtlOverride, TRICKY.zeroWidth, "2nde A"],
      [TRICKY.combining, TRICKY.zalgo, "2nde A"],
      [TRICKY.homoglyph, TRICKY.emoji, "2nde A"],
      [TRICKY.formula, "+33 6 12 34 56 78", "2nde A"],
      ["-2+3", "@cmd", "@SUM(1+1)"],
      ['Guillemet "double"; point-virgule', "Saut\nde ligne", "2nde A"],
      ["\u202E=1+1", "＝1+1", "2nde A"],
    ];
    const ines = names.map((_, i) => `${String(100000000 + i)}AB`);
    const imported = await post("/api/students/import").send({ content: rosterFile(names.map((n, i) => [...n, ines[i]!])), commit: true, schoolYear: "2026-2027" });
    expect(imported.status, imported.text.slice(0, 500)).toBe(200);
    expect(imported.body.counts.added).toBe(names.length);
    for (const [i, [lastName, firstName, className]] of names.entries()) {
      const stored = await env.ctx.db.student.findFirstOrThrow({ where: { schoolId: f.schoolId, ine: ines[i] } });
      expect({ lastName: stored.lastName, firstName: stored.firstName, className: stored.className }).toEqual({ lastName, firstName, className });
    }

    const neutralised = (text: string) => (/^[=+\-@\t\r]/.test(text) ? `'${text}` : text);
    for (const file of ["pronote.csv", "detailed.csv"]) {
      const res = await admin.agent.get(`/api/exams/${exam.body.exam.id}/exports/${file}`).buffer(true).parse((r, done) => {
        const chunks: Buffer[] = [];
        r.on("data", (chunk: Buffer) => chunks.push(chunk));
        r.on("end", () => done(null, Buffer.concat(chunks).toString("utf8")));
      });
      expect(res.status).toBe(200);
      const rows = Papa.parse<string[]>((res.body as string).replace(/^\uFEFF/, ""), { delimiter: ";", skipEmptyLines: true }).data;
      const header = rows[0]!;
      for (const row of rows) expect(row, file).toHaveLength(header.length);
      for (const cell of rows.flat()) expect(cell, `${file}: a cell a spreadsheet would run`).not.toMatch(/^[=+\-@\t\r]/);
      for (const [i, [lastName, firstName, className]] of names.entries()) {
        const row = rows.find((r) => r[3] === ines[i]);
        expect(row, `${file}: ${ines[i]}`).toBeDefined();
        expect(row!.slice(0, 3), file).toEqual([neutralised(lastName), neutralised(firstName), neutralised(className)]);
      }
    }
  });

  it("refuses a roster whose names carry a NUL, and a line whose name is overlong, importing nothing of them", async () => {
    const before = await storeState(env);
    const nul = await post("/api/students/import").send({ content: rosterFile([["DU\u0000PONT", "Léa", "2nde A", "123456789ZZ"]]), commit: true, schoolYear: "2026-2027" });
    expect([400, 422], nul.text).toContain(nul.status);
    expect(nul.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    expect(await storeState(env)).toEqual(before);

    const long = await post("/api/students/import").send({ content: rosterFile([["L".repeat(5000), "Léa", "2nde A", "123456789ZY"]]), commit: true, schoolYear: "2026-2027" });
    expect(long.status, long.text.slice(0, 300)).toBe(200);
    expect(long.body.counts).toMatchObject({ added: 0, rejected: 1 });
    expect(long.body.preview.lines[0].errors).toEqual([expect.stringContaining("trop long")]);
    expect(await env.ctx.db.student.count({ where: { ine: "123456789ZY" } })).toBe(0);
  });

  it("staff names with unicode tricks are stored exactly; look-alike e-mails are refused by the CLI and open no account at login", async () => {
    const korrigo = (argv: string[]) => runCli(argv, capturedIo({ stdin: "un mot de passe bien solide 2026\n" }), cliEnv(env.config));
    const name = `${TRICKY.zeroWidth} ${TRICKY.combining} ${TRICKY.rtlOverride}`;
    const email = `unicode-${randomUUID().slice(0, 8)}@test.korrigo.fr`;
    expect(await korrigo(["create-admin", "--email", email, "--name", name, "--school", (await env.ctx.db.school.findUniqueOrThrow({ where: { id: f.schoolId } })).slug, "--password-stdin"])).toBe(0);
    const users = (await admin.agent.get("/api/users").expect(200)).body.users as { email: string; displayName: string }[];
    expect(users.find((u) => u.email === email)?.displayName).toBe(name);

    // "а" and "о" below are Cyrillic: the same look, another address.
    const lookAlike = f.adminEmail.replace(/a/, "а").replace(/o/, "о");
    expect(lookAlike).not.toBe(f.adminEmail);
    expect(await korrigo(["create-admin", "--email", lookAlike, "--name", "Imposteur", "--password-stdin"])).toBe(2);
    expect(await env.ctx.db.user.count({ where: { email: lookAlike } })).toBe(0);
    const anonymous = await anonymousClient(env.app);
    const login = await anonymous.agent.post("/api/auth/login").set("X-CSRF-Token", anonymous.csrf).send({ email: lookAlike, password: STAFF_PASSWORD });
    expectError(login, 401, "INVALID_CREDENTIALS");
    expect((await anonymous.agent.get("/api/auth/session").expect(200)).body.user).toBeNull();
    // And the real account still opens with its own address.
    await staffClient(env.app, f.adminEmail);
  });
});

/** A new route whose parameter the fixture cannot fill fails here, with what to add. */
it("can fill every parameter of the route table", () => {
  const unfilled = declaredRoutes(env.app).flatMap((route: DeclaredRoute) => {
    try {
      routeUrl(route, f);
      return [];
    } catch (error) {
      return [(error as Error).message];
    }
  });
  expect(unfilled).toEqual([]);
});
