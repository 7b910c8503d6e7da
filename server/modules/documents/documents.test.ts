// Exam documents against the real database, qpdf and storage: each upload is a new version,
// readable by admins and the exam's graders only; refused files leave nothing behind.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import express from "express";
import request from "supertest";
import { PDFDocument } from "pdf-lib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contentDisposition } from "./routes.js";
import { anonymousClient, createSchool, createStaff, createStudent, createTestEnv, staffClient, studentClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { mount } from "../../lib/http/access.js";
import { errorHandler } from "../../lib/http/error-handler.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { documentRoutes } from "./routes.js";
import { displayName } from "./service.js";

let env: TestEnv;
let dataDir: string;
let examId: string;
let adminUser: { id: string; schoolId: string; email: string; displayName: string };
let admin: Client;
let grader: Client;
let notGrader: Client;
let foreignAdmin: Client;
let student: Client;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-documents-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  const schoolId = (await createSchool(env.ctx)).id;
  adminUser = await createStaff(env.ctx, schoolId, "ADMIN");
  admin = await staffClient(env.app, adminUser.email);
  const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
  grader = await staffClient(env.app, teacher.email);
  notGrader = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
  foreignAdmin = await staffClient(env.app, (await createStaff(env.ctx, (await createSchool(env.ctx, "Autre lycée")).id, "ADMIN")).email);
  student = await studentClient(env.app, (await createStudent(env.ctx, schoolId)).login);
  examId = (await admin.agent.post("/api/exams").set("X-CSRF-Token", admin.csrf)
    .send({ title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201)).body.exam.id;
  await admin.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", admin.csrf).send({ userIds: [teacher.id] }).expect(200);
});
afterAll(async () => {
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function pdf(pages = 1, padding = 0): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i += 1) doc.addPage([595, 842]).drawText(`Sujet, page ${i + 1}`, { x: 50, y: 780 });
  // Padding is an unused stream of random bytes: the file stays a valid PDF of about the wanted size.
  if (padding > 0) doc.context.register(doc.context.stream(randomBytes(padding)));
  return Buffer.from(await doc.save());
}

function upload(c: Client, kind: string, data: Buffer, name = "sujet.pdf", exam = examId) {
  return c.agent.post(`/api/exams/${exam}/documents?kind=${kind}`).set("X-CSRF-Token", c.csrf).attach("file", data, name);
}

async function filesIn(dir: string): Promise<string[]> {
  const full = path.join(dataDir, dir);
  if (!existsSync(full)) return [];
  return (await readdir(full, { recursive: true, withFileTypes: true })).filter((e) => e.isFile()).map((e) => e.name);
}

describe("exam documents", () => {
  it("keeps every upload as a new version, lists the newest first per kind, and serves the exact bytes", async () => {
    const first = await pdf(1);
    const second = await pdf(2);
    const v1 = await upload(admin, "SUBJECT", first, "Sujet DS n°1.pdf").expect(201);
    expect(v1.body.document).toMatchObject({ kind: "SUBJECT", version: 1, originalName: "Sujet DS n°1.pdf", sizeBytes: first.length, uploadedBy: adminUser.displayName });
    const v2 = (await upload(admin, "SUBJECT", second).expect(201)).body.document;
    expect(v2.version).toBe(2);
    const key = (await upload(admin, "ANSWER_KEY", first, "corrigé.pdf").expect(201)).body.document;
    expect(key.version).toBe(1);

    const list = (await admin.agent.get(`/api/exams/${examId}/documents`).expect(200)).body.documents;
    expect(list.map((d: { kind: string; version: number }) => `${d.kind}:${d.version}`)).toEqual(["SUBJECT:2", "SUBJECT:1", "ANSWER_KEY:1"]);
    expect(list[0]).toEqual({ ...v2, url: `/api/documents/${v2.id}/file` });

    const file = await admin.agent.get(`/api/documents/${v1.body.document.id}/file`).buffer(true).parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => done(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(Buffer.compare(file.body as Buffer, first)).toBe(0);
    expect(file.headers["content-type"]).toBe("application/pdf");
    expect(file.headers["content-disposition"]).toBe("inline; filename*=UTF-8''Sujet%20DS%20n%C2%B01.pdf");
    expect(file.headers["content-security-policy"]).toBe("frame-ancestors 'self'");

    const audited = await env.ctx.db.auditLog.findMany({ where: { action: "exam.document.uploaded" }, orderBy: { createdAt: "asc" } });
    expect(audited.map((a) => a.targetId)).toEqual([v1.body.document.id, v2.id, key.id]);
    // Stored under its id, never under the name it was sent with.
    expect((await env.ctx.db.examDocument.findUniqueOrThrow({ where: { id: v2.id } })).storagePath).toBe(path.join("documents", adminUser.schoolId, `${v2.id}.pdf`));
  });

  it("gives the next number to an upload that raced another one for the same version", async () => {
    // Another upload holds version 1 of the marking scheme, not yet committed: ours reads the same
    // latest version, waits on the unique index, fails once the other commits, and tries again.
    let uploaded: Promise<request.Response> | undefined;
    await env.ctx.db.$transaction(async (tx) => {
      await tx.examDocument.create({
        data: { schoolId: adminUser.schoolId, examId, kind: "MARKING_SCHEME", version: 1, originalName: "autre.pdf", storagePath: "documents/autre.pdf", sha256: "0".repeat(64), sizeBytes: 1, uploadedById: adminUser.id },
      });
      uploaded = upload(admin, "MARKING_SCHEME", await pdf(1)).then((res) => res);
      const blocked = () => env.ctx.db.$queryRaw<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`;
      expect((await waitFor(blocked, ([row]) => row!.n > 0, 15_000))[0]!.n).toBe(1);
    }, { timeout: 20_000 });
    const res = await uploaded!;
    expect([res.status, res.body.document?.version]).toEqual([201, 2]);
  });

  it("lets the exam's graders list and open the documents, and nobody else", async () => {
    const doc = (await upload(admin, "SUBJECT", await pdf(1)).expect(201)).body.document;
    expect((await grader.agent.get(`/api/exams/${examId}/documents`).expect(200)).body.documents.length).toBeGreaterThan(0);
    await grader.agent.get(doc.url).expect(200).expect("Content-Type", "application/pdf");
    await upload(grader, "SUBJECT", await pdf(1)).expect(403);

    expect((await notGrader.agent.get(`/api/exams/${examId}/documents`).expect(403)).body.error.code).toBe("NOT_A_GRADER");
    await notGrader.agent.get(doc.url).expect(403);
    await foreignAdmin.agent.get(`/api/exams/${examId}/documents`).expect(404);
    await foreignAdmin.agent.get(doc.url).expect(404);
    await upload(foreignAdmin, "SUBJECT", await pdf(1)).expect(404);
    await student.agent.get(`/api/exams/${examId}/documents`).expect(403);
    await student.agent.get(doc.url).expect(403);
    await (await anonymousClient(env.app)).agent.get(doc.url).expect(401);
  });

  it("refuses what is not a PDF, an unknown kind and a missing file, storing nothing", async () => {
    const before = await env.ctx.db.examDocument.count();
    const stored = await filesIn("documents");
    const notPdf = await upload(admin, "SUBJECT", Buffer.from("Bonjour, voici le sujet."), "sujet.docx").expect(415);
    expect(notPdf.body.error).toMatchObject({ code: "NOT_A_PDF", message: expect.stringContaining("« sujet.docx » n'est pas un fichier PDF") });
    const truncated = (await pdf(1)).subarray(0, 300);
    expect((await upload(admin, "SUBJECT", truncated).expect(422)).body.error.code).toBe("PDF_TRUNCATED");
    const unknown = await upload(admin, "ANNEXE", await pdf(1)).expect(400);
    expect(unknown.body.error.message).toContain("Type de document inconnu");
    await admin.agent.post(`/api/exams/${examId}/documents`).set("X-CSRF-Token", admin.csrf).attach("file", await pdf(1), "sujet.pdf").expect(400);
    expect((await admin.agent.post(`/api/exams/${examId}/documents?kind=SUBJECT`).set("X-CSRF-Token", admin.csrf).field("note", "x").expect(400)).body.error.code).toBe("NO_FILE");

    expect(await env.ctx.db.examDocument.count()).toBe(before);
    expect(await filesIn("documents")).toEqual(stored);
    expect(await filesIn("tmp")).toEqual([]);
  });

  it("keeps the original name for display only, without control characters and bounded", async () => {
    const doc = (await upload(admin, "ANSWER_KEY", await pdf(1), `Sujet\tfinal ${"é".repeat(300)}.pdf`).expect(201)).body.document;
    expect(doc.originalName).toMatch(/^Sujet final é+$/);
    expect([...doc.originalName]).toHaveLength(200);
    expect(displayName("\u0007Corrigé\r\n(v2)\u009b.pdf")).toBe("Corrigé (v2).pdf");
    expect(displayName("\u0000\u0001")).toBe("document.pdf");
  });

  it("refuses a file over the size limit with 413 and a French message", async () => {
    // The limit is a parameter of the routes: here 1 Mo instead of 50, behind a stand-in for the session.
    const app = express();
    app.use((req, _res, next) => {
      const principal: StaffPrincipal = { kind: "staff", role: "ADMIN", ...adminUser };
      req.user = { principal };
      next();
    });
    mount(app, "/api", documentRoutes(env.ctx, 1024 * 1024));
    app.use(errorHandler);
    const stored = await filesIn("documents");
    const big = await pdf(1, 1536 * 1024);
    const res = await request(app).post(`/api/exams/${examId}/documents?kind=SUBJECT`).attach("file", big, "gros.pdf").expect(413);
    expect(res.body.error).toMatchObject({ code: "FILE_TOO_LARGE", message: "Le fichier dépasse la taille maximale acceptée (1 Mo)." });
    await request(app).post(`/api/exams/${examId}/documents?kind=SUBJECT`).attach("file", await pdf(1), "petit.pdf").expect(201);
    expect((await filesIn("documents")).length).toBe(stored.length + 1);
    expect(await filesIn("tmp")).toEqual([]);
  });
});

describe("download names (Content-Disposition)", () => {
  it("keep every character a name may hold, but drop bidirectional controls, which would disguise the extension", () => {
    expect(contentDisposition("attachment", "Sujet d'été (1).pdf")).toBe("attachment; filename*=UTF-8''Sujet%20d%27%C3%A9t%C3%A9%20%281%29.pdf");
    // U+202E would show "corrigé\u202Efdp.exe" as "corrigéexe.pdf"; U+2066–U+2069 and U+200E/F reorder too.
    expect(contentDisposition("inline", "corrigé\u202Efdp.exe")).toBe("inline; filename*=UTF-8''corrig%C3%A9fdp.exe");
    expect(contentDisposition("inline", "a\u2066b\u2069c\u200Ed\u200Fe\u061Cf.pdf")).toBe("inline; filename*=UTF-8''abcdef.pdf");
  });
});
