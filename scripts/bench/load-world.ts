// The load bench's world: nginx in front of the API as in production (graded PDFs and page
// images sent by nginx on the API's X-Accel-Redirect), and the school in exam week — teachers
// each holding the lock of a copy, admins with a roster imported and a scanned batch ready to
// upload, and a graded exam whose students log in once it is published.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig } from "../../server/lib/config.js";
import { createContext, type AppContext } from "../../server/lib/context.js";
import { hashSecret } from "../../server/lib/auth/secrets.js";
import { LocalFileStore } from "../../server/lib/storage.js";
import { makeGradableCopies } from "../../server/test/copy-factory.js";
import { gradeCopies } from "../../server/test/graded-factory.js";
import { frenchClass, makeHeaderBatch } from "../../server/test/header-factory.js";
import { exportCsv } from "../../server/test/roster-factory.js";
import { prepareNginxPrefix } from "../../nginx/render.js";
import { DraftMaker, type BenchQuestion, type EditorTeacher as Teacher } from "./grading-drafts.js";
import { freePort } from "../../server/test/harness.js";
import { Api, out, PASSWORD, round, sleep, type Stack } from "./stack.js";

const NGINX_BIN = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
const QUESTIONS = [4, 3, 5, 4, 4].map((maxPoints, i) => ({ label: `Exercice ${i + 1}`, maxPoints, step: 0.5 }));
/** Annotations on a draft when its teacher's autosaves begin (one stroke more per save), as in bench:grading. */
const FIRST_ANNOTATIONS = 60;

export interface Nginx {
  base: string;
  /** The reference of the download sweep: the same nginx serving DATA_DIR as plain files (no API, no check). */
  staticBase: string;
  pid: number;
  /** The lines of nginx's error log at warn level or above (a refused connection, an upstream failure). */
  problems(): string[];
  stop(): Promise<void>;
}

/**
 * nginx/nginx.conf is the frame for unprivileged test runs: one worker of 256 connections, which
 * this load exhausts ("worker_connections are not enough"). Production runs the same server
 * block in the official nginx image (Dockerfile, target web), whose nginx.conf has one worker
 * per core of 1024 connections each: the copy in the prefix is given those, and the bench's
 * own `staticServer` beside Korrigo's.
 */
function benchNginxConf(conf: string, staticServer: string): void {
  const text = readFileSync(conf, "utf8");
  const patched = text
    .replace(/^worker_processes \d+;/m, "worker_processes auto;")
    .replace(/worker_connections \d+;/, "worker_connections 1024;")
    .replace(/^(\s*)include korrigo\.conf;/m, `$1include korrigo.conf;\n$1${staticServer}`);
  if (!patched.includes("worker_processes auto;") || !patched.includes("worker_connections 1024;") || !patched.includes(staticServer)) {
    throw new Error(`${conf}: worker_processes, worker_connections or include korrigo.conf not found`);
  }
  writeFileSync(conf, patched);
}

/** nginx rendered from nginx/ (the production server block) in a prefix of its own, in front of the stack's API. */
export async function startNginx(stack: Stack, logDir: string): Promise<Nginx> {
  const prefix = mkdtempSync(path.join(tmpdir(), "korrigo-bench-nginx-"));
  // The SPA is not what is measured: an empty web root.
  const webRoot = mkdtempSync(path.join(tmpdir(), "korrigo-bench-web-"));
  const port = await freePort();
  const staticPort = await freePort();
  const args = prepareNginxPrefix(prefix, {
    KORRIGO_LISTEN: `127.0.0.1:${port}`, KORRIGO_API_UPSTREAM: `127.0.0.1:${stack.env.PORT}`, KORRIGO_WEB_ROOT: webRoot,
    // The bench stands where the TLS terminator does: nginx believes the students' addresses from it.
    KORRIGO_DATA_DIR: stack.env.DATA_DIR, KORRIGO_TRUSTED_PROXIES: "127.0.0.1",
  }, loadConfig({ ...stack.env }));
  // Bench only, never in nginx/: files with no check, to compare the download path with.
  benchNginxConf(path.join(prefix, "conf", "nginx.conf"), `server { listen 127.0.0.1:${staticPort}; root ${stack.env.DATA_DIR}; }`);
  const check = spawnSync(NGINX_BIN, ["-t", ...args], { encoding: "utf8" });
  if (check.error) throw new Error(`cannot run ${NGINX_BIN} (${check.error.message}): install nginx, set NGINX_BIN, or run with --direct`);
  if (check.status !== 0) throw new Error(`the nginx configuration is invalid:\n${check.stderr}`);
  const log = openSync(path.join(logDir, "nginx.log"), "w");
  const child: ChildProcess = spawn(NGINX_BIN, args, { stdio: ["ignore", log, log] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    const ready = await fetch(`${base}/api/health/ready`).then((r) => r.status === 200, () => false);
    if (ready) break;
    if (i > 50 || child.exitCode !== null) throw new Error(`nginx did not come up (see ${logDir}/nginx.log and ${prefix}/logs/error.log)`);
    await sleep(100);
  }
  return {
    base, staticBase: `http://127.0.0.1:${staticPort}`, pid: child.pid!,
    problems: () => readFileSync(path.join(prefix, "logs", "error.log"), "utf8").split("\n").filter((l) => /\[(warn|error|crit|alert|emerg)\]/.test(l)),
    async stop() {
      // SIGQUIT: nginx finishes what it is sending, then exits.
      if (child.exitCode === null) {
        child.kill("SIGQUIT");
        await new Promise((r) => child.once("exit", r));
      }
      rmSync(prefix, { recursive: true, force: true });
      rmSync(webRoot, { recursive: true, force: true });
    },
  };
}

export type { Teacher };

/** An admin with an exam of their own: its roster imported, its scanned batch on disk, ready to upload. */
export interface Admin {
  api: Api;
  examId: string;
  batchFile: string;
  booklets: number;
}

/** A student of the published exam, and their graded PDF (the file nginx sends, its size). */
export interface StudentAccount {
  login: string;
  copyId: string;
  file: string;
  sizeBytes: number;
}

export interface World {
  ctx: AppContext;
  base: string;
  teachers: Teacher[];
  admins: Admin[];
  /** The exam whose publication starts the students' burst, and the admin who publishes it. */
  publishedExamId: string;
  publisher: Api;
  students: StudentAccount[];
  scratch: string;
  /** Seconds each step of the preparation took. */
  setupSeconds: Record<string, number>;
}

export interface WorldSize {
  teachers: number;
  admins: number;
  /** Booklets in each admin's scanned batch. */
  bookletsPerAdmin: number;
  students: number;
  /** The resolution of the scans of the students' graded copies (A3 copies doubles: 4 pages). */
  dpi: number;
}

const today = () => new Date().toISOString().slice(0, 10);

async function createExam(api: Api, body: Record<string, unknown>): Promise<string> {
  const { exam } = (await api.call("POST", "/api/exams", { subject: "Physique-chimie", date: today(), ...body })) as { exam: { id: string } };
  return exam.id;
}

async function withScheme(api: Api, examId: string): Promise<BenchQuestion[]> {
  const { exam } = (await api.call("PUT", `/api/exams/${examId}/marking-scheme`, { questions: QUESTIONS, reportScale: 20 })) as { exam: { questions: BenchQuestion[] } };
  return exam.questions;
}

/** Staff accounts sharing one password hash: argon2 takes tens of milliseconds per hash, by design. */
async function createStaff(ctx: AppContext, stack: Stack, role: "TEACHER" | "ADMIN", count: number): Promise<{ id: string; email: string }[]> {
  const passwordHash = await hashSecret(PASSWORD);
  const emails = Array.from({ length: count }, (_, i) => `${role.toLowerCase()}-${i}@load.korrigo.test`);
  await ctx.db.user.createMany({ data: emails.map((email, i) => ({ schoolId: stack.schoolId, email, role, displayName: `${role === "ADMIN" ? "Secrétariat" : "Professeur"} ${i}`, passwordHash })) });
  const users = await ctx.db.user.findMany({ where: { email: { in: emails } }, select: { id: true, email: true } });
  return emails.map((email) => users.find((u) => u.email === email)!);
}

/** Each teacher logged in through nginx, grader of the exam, holding the lock of a copy of its own. */
async function prepareTeachers(ctx: AppContext, stack: Stack, base: string, users: { id: string; email: string }[]): Promise<Teacher[]> {
  const examId = await createExam(stack.api, { title: "DS de physique", classNames: ["1re B"], pagesPerCopy: 4, layout: "A3_DOUBLE" });
  const questions = await withScheme(stack.api, examId);
  await stack.api.call("PUT", `/api/exams/${examId}/graders`, { userIds: users.map((u) => u.id) });
  // Saving never reads the scans: low-resolution pages make these copies quickly.
  const { copyIds } = await makeGradableCopies(ctx, { schoolId: stack.schoolId, examId, uploadedById: stack.adminId, copies: users.length, layout: "A3_DOUBLE", dpi: 50 });
  const teachers: Teacher[] = [];
  for (const [i, user] of users.entries()) {
    const api = await new Api(base).login(user.email);
    const { lock } = (await api.call("POST", `/api/copies/${copyIds[i]}/lock`)) as { lock: { token: string } };
    const maker = new DraftMaker(20_000 + i);
    teachers.push({ api, copyId: copyIds[i]!, lockToken: lock.token, maker, draft: maker.draft(questions, FIRST_ANNOTATIONS - 1), version: 0 });
  }
  return teachers;
}

/**
 * Each admin's exam (a class of its own, A4 copies of 2 pages with a free name box), its
 * roster imported as a Pronote CSV through the API, and the scanned batch of its first
 * `booklets` students written to disk for the upload.
 */
async function prepareAdmins(base: string, users: { email: string }[], booklets: number, scratch: string): Promise<Admin[]> {
  const admins: Admin[] = [];
  for (const [i, user] of users.entries()) {
    const api = await new Api(base).login(user.email);
    const className = `2nde ${String.fromCharCode(66 + i)}`;
    const roster = frenchClass(40 + i, booklets + 6, className);
    const rows = [["Nom", "Prénom", "Classe", "Né(e) le"], ...roster.map((s) => [s.lastName, s.firstName, s.className, s.birthDate.split("-").reverse().join("/")])];
    await api.call("POST", "/api/students/import", { content: exportCsv(rows, ";", "utf-8-bom").toString("base64"), commit: true });
    const examId = await createExam(api, { title: `Contrôle ${className}`, classNames: [className], pagesPerCopy: 2, layout: "A4_BATCH" });
    const pdf = await makeHeaderBatch({ kind: "FREE_BOX", copies: roster.slice(0, booklets).map((student) => ({ student })), seed: 70 + i, pagesPerCopy: 2 });
    const batchFile = path.join(scratch, `lot-${i}.pdf`);
    writeFileSync(batchFile, pdf);
    admins.push({ api, examId, batchFile, booklets });
  }
  return admins;
}

/**
 * The exam the students download: `students` copies with real scans, each graded (a graded PDF
 * drawn as the worker draws it) by a teacher, not yet published. Each copy's student is a new
 * account with the harness's access code (copy-factory hashes it per student).
 */
async function prepareStudents(ctx: AppContext, stack: Stack, size: WorldSize, graderId: string): Promise<{ examId: string; students: StudentAccount[] }> {
  const examId = await createExam(stack.api, { title: "Bac blanc de physique", classNames: ["2nde A"], pagesPerCopy: 4, layout: "A3_DOUBLE" });
  await withScheme(stack.api, examId);
  // The scan factory numbers pages up to 1023, so 250 sheets a batch: one batch a class or so, as uploaded.
  const copyIds: string[] = [];
  for (let made = 0; made < size.students; made += 250) {
    const batch = await makeGradableCopies(ctx, { schoolId: stack.schoolId, examId, uploadedById: stack.adminId, copies: Math.min(250, size.students - made), layout: "A3_DOUBLE", dpi: size.dpi });
    copyIds.push(...batch.copyIds);
  }
  const graded = await gradeCopies(ctx, { graderId, copyIds });
  const files = new LocalFileStore(ctx.config.DATA_DIR);
  const pdfs = await ctx.db.gradedPdf.findMany({ where: { id: { in: graded.map((g) => g.gradedPdfId) } }, select: { id: true, sizeBytes: true } });
  const sizeOf = new Map(pdfs.map((p) => [p.id, p.sizeBytes]));
  return {
    examId,
    students: graded.map((g) => ({ login: g.login!, copyId: g.copyId, file: files.pathOf(g.storagePath), sizeBytes: Number(sizeOf.get(g.gradedPdfId)) })),
  };
}

export async function prepareWorld(stack: Stack, base: string, size: WorldSize): Promise<World> {
  const ctx = createContext(loadConfig({ ...stack.env, LOG_LEVEL: "warn" }), "bench");
  const scratch = mkdtempSync(path.join(tmpdir(), "korrigo-bench-load-"));
  const setupSeconds: Record<string, number> = {};
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await work();
    setupSeconds[name] = round((performance.now() - started) / 1000);
    out(`    ${name}: ${setupSeconds[name]} s`);
    return result;
  };
  const teacherUsers = await createStaff(ctx, stack, "TEACHER", size.teachers);
  const adminUsers = await createStaff(ctx, stack, "ADMIN", size.admins);
  const teachers = await step(`${size.teachers} teachers logged in, each holding a copy's lock`, () => prepareTeachers(ctx, stack, base, teacherUsers));
  const admins = await step(`${size.admins} admins: roster imported, batch of ${size.bookletsPerAdmin} booklets generated`, () => prepareAdmins(base, adminUsers, size.bookletsPerAdmin, scratch));
  const published = await step(`${size.students} graded copies (A3 copies doubles, ${size.dpi} dpi)`, () => prepareStudents(ctx, stack, size, teacherUsers[0]!.id));
  return { ctx, base, teachers, admins, publishedExamId: published.examId, publisher: admins[0]?.api ?? stack.api, students: published.students, scratch, setupSeconds };
}
