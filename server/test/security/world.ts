// The world the authorization matrix and the IDOR suite run in: one test environment whose app
// serves a built SPA, and schools that each hold the same set of real objects (access-matrix.ts
// names them), with logged-in clients. Also: sending a table entry's request, a stand-in worker
// answering pings, and fingerprints of the database and the file store to prove nothing changed.
import { createHash, randomUUID } from "node:crypto";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Worker } from "bullmq";
import sharp from "sharp";
import type { Response } from "supertest";
import type { AppContext } from "../../lib/context.js";
import { beat, forget } from "../../lib/heartbeat.js";
import { createRedis } from "../../lib/redis.js";
import { Scratch, storedPath } from "../../lib/storage.js";
import { handlePing } from "../../modules/system/jobs.js";
import { makeGradableCopies } from "../copy-factory.js";
import { filesUnder } from "../files.js";
import { createSchool, createStaff, createTestEnv, anonymousClient, staffClient, studentClient, type Client, type TestEnv } from "../harness.js";
import { createFixtureStudent, fixturePdf } from "../marks-fixture.js";
import { CLASS, REVIEW_DEADLINE, splitKey, type Call, type Objects } from "./access-matrix.js";

export interface SecurityEnv extends TestEnv {
  dataDir: string;
}

/** A test environment with its own DATA_DIR and a built SPA (so the SPA's route exists, as in production). */
export async function createSecurityEnv(): Promise<SecurityEnv> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-security-data-"));
  const webDist = await mkdtemp(path.join(tmpdir(), "korrigo-security-web-"));
  await writeFile(path.join(webDist, "index.html"), "<!doctype html><title>Korrigo</title>");
  const env = await createTestEnv({ DATA_DIR: dataDir, WEB_DIST_DIR: webDist });
  return {
    ...env,
    dataDir,
    async close() {
      await env.close();
      await rm(dataDir, { recursive: true, force: true });
      await rm(webDist, { recursive: true, force: true });
    },
  };
}

export interface SchoolWorld {
  schoolId: string;
  objects: Objects;
  /** Logged-in clients: the exam's admin and grader, the student and the classmate. */
  clients: Record<"admin" | "teacher" | "student" | "classmate", Client>;
  /** E-mail or login of each, to open another session. */
  accounts: Record<"admin" | "teacher" | "student" | "classmate", string>;
}

const jpeg = () => sharp({ create: { width: 8, height: 8, channels: 3, background: "#ffffff" } }).jpeg().toBuffer();

/** A graded copy as the worker leaves it: a draft, its graded PDF stored, the copy GRADED. */
async function markGraded(ctx: AppContext, scratch: Scratch, copy: { schoolId: string; copyId: string; graderId: string; questionIds: string[] }) {
  const scores = Object.fromEntries(copy.questionIds.map((id) => [id, 5]));
  await ctx.db.draft.create({ data: { copyId: copy.copyId, version: 1, content: { annotations: [], comment: "", rubric: {}, overrides: [] }, scores, authorId: copy.graderId } });
  const pdf = await fixturePdf(copy.copyId);
  const key = storedPath.gradedPdf(copy.schoolId, copy.copyId, 1);
  await ctx.files.put(key, pdf, scratch);
  const total = 5 * copy.questionIds.length;
  await ctx.db.gradedPdf.create({ data: { schoolId: copy.schoolId, copyId: copy.copyId, draftVersion: 1, storagePath: key, sha256: createHash("sha256").update(pdf).digest("hex"), sizeBytes: pdf.byteLength, totalScore: total } });
  await ctx.db.copy.update({ where: { id: copy.copyId }, data: { status: "GRADED", totalScore: total, gradedPdfPath: key, finalVersion: 1, finalizedAt: new Date() } });
}

/** The booklet of a copy, with its pages in order. */
const bookletOf = (ctx: AppContext, copyId: string) => ctx.db.booklet.findFirstOrThrow({ where: { copyId }, include: { pages: { orderBy: { position: "asc" } } } });

/**
 * A school with every object of OBJECT_KEYS: an exam published to CLASS with three scanned copies
 * (one READY, two GRADED: the student's and the classmate's), its graders, rubric, comments,
 * document, review requests, a spare exam, and students of the "Codes 1/2/3" classes.
 */
export async function buildSchool(env: SecurityEnv, label: string): Promise<SchoolWorld> {
  const { ctx } = env;
  const scratch = new Scratch(ctx.config.DATA_DIR, "security-world");
  const schoolId = (await createSchool(ctx, `Lycée ${label}`)).id;
  const admin = await createStaff(ctx, schoolId, "ADMIN");
  const teacher = await createStaff(ctx, schoolId, "TEACHER");
  const exam = await ctx.db.exam.create({
    data: { schoolId, title: `DS ${label}`, subject: "Maths", date: new Date("2026-11-20"), classNames: [CLASS], pagesPerCopy: 2, layout: "A4_BATCH", status: "PUBLISHED", reviewDeadline: new Date(REVIEW_DEADLINE), createdById: admin.id },
  });
  const questionIds: string[] = [];
  for (const position of [1, 2]) questionIds.push((await ctx.db.question.create({ data: { examId: exam.id, position, label: `Exercice ${position}`, maxPoints: 10 } })).id);
  await ctx.db.examGrader.create({ data: { examId: exam.id, userId: teacher.id } });
  await ctx.db.publication.create({ data: { schoolId, examId: exam.id, className: CLASS, publishedById: admin.id } });
  const spareExam = await ctx.db.exam.create({ data: { schoolId, title: `DS ${label} bis`, subject: "Maths", date: new Date("2026-12-20"), classNames: [CLASS], pagesPerCopy: 2, layout: "A4_BATCH", createdById: admin.id } });

  const { batchId, copyIds } = await makeGradableCopies(ctx, { schoolId, examId: exam.id, uploadedById: admin.id, copies: 3, layout: "A4_BATCH", pagesPerCopy: 2, dpi: 40 });
  const [readyCopy, gradedCopy, classmateCopy] = copyIds as [string, string, string];
  for (const copyId of [gradedCopy, classmateCopy]) await markGraded(ctx, scratch, { schoolId, copyId, graderId: teacher.id, questionIds });
  const ready = await bookletOf(ctx, readyCopy);
  const graded = await bookletOf(ctx, gradedCopy);
  const [readyPage, discardedPage] = ready.pages as [(typeof ready.pages)[0], (typeof ready.pages)[0]];
  const image = storedPath.pageImage(schoolId, batchId, readyPage.scanPageIndex, readyPage.half, "image");
  const thumb = storedPath.pageImage(schoolId, batchId, readyPage.scanPageIndex, readyPage.half, "thumb");
  const header = storedPath.headerCrop(schoolId, ready.id);
  for (const key of [image, thumb, header]) await ctx.files.put(key, await jpeg(), scratch);
  await ctx.db.page.update({ where: { id: readyPage.id }, data: { imagePath: image, thumbPath: thumb } });
  await ctx.db.page.update({ where: { id: discardedPage.id }, data: { discardedAt: new Date() } });
  await ctx.db.booklet.update({ where: { id: ready.id }, data: { headerCropPath: header } });

  const copies = await ctx.db.copy.findMany({ where: { id: { in: [gradedCopy, classmateCopy] } }, include: { student: true } });
  const studentOf = (copyId: string) => copies.find((c) => c.id === copyId)!.student!;
  const student = studentOf(gradedCopy);
  const classmate = studentOf(classmateCopy);
  // The same INE in every school (it is unique per school only): roster matching must stay in its school.
  await ctx.db.student.update({ where: { id: student.id }, data: { ine: "123456789AA" } });

  const documentId = randomUUID();
  const documentKey = storedPath.examDocument(schoolId, documentId);
  const subject = await fixturePdf("Sujet");
  await ctx.files.put(documentKey, subject, scratch);
  await ctx.db.examDocument.create({
    data: { id: documentId, schoolId, examId: exam.id, kind: "SUBJECT", version: 1, originalName: "sujet.pdf", storagePath: documentKey, sha256: createHash("sha256").update(subject).digest("hex"), sizeBytes: subject.byteLength, uploadedById: admin.id },
  });
  const rubric = (label: string, position: number) =>
    ctx.db.rubricItem.create({ data: { schoolId, examId: exam.id, questionId: questionIds[0]!, position, label, points: 1, createdById: teacher.id } });
  const rubricItem = await rubric("Bonne méthode", 1);
  const spareRubricItem = await rubric("Schéma clair", 2);
  const comment = (text: string) => ctx.db.commentTemplate.create({ data: { schoolId, examId: exam.id, text, createdById: teacher.id } });
  const libraryComment = await comment("Justifier");
  const spareComment = await comment("Unité manquante");
  const review = await ctx.db.reviewRequest.create({ data: { schoolId, copyId: classmateCopy, questionId: questionIds[0]!, studentId: classmate.id, message: "Merci de relire." } });
  const answeredReview = await ctx.db.reviewRequest.create({
    data: { schoolId, copyId: classmateCopy, questionId: questionIds[1]!, studentId: classmate.id, message: "Et celle-ci ?", status: "ANSWERED", answer: "Note maintenue.", answeredById: teacher.id, answeredAt: new Date() },
  });
  const codes = async (className: string) => createFixtureStudent(ctx, schoolId, { lastName: "CODE", firstName: className, className });
  await codes("Codes 1");
  await codes("Codes 2");
  const codesStudent = await codes("Codes 3");

  const clients = {
    admin: await staffClient(env.app, admin.email),
    teacher: await staffClient(env.app, teacher.email),
    student: await studentClient(env.app, student.login),
    classmate: await studentClient(env.app, classmate.login),
  };
  const issued = await clients.admin.agent.post("/api/access-codes").set("X-CSRF-Token", clients.admin.csrf).send({ className: "Codes 1", scope: "all" });
  if (issued.status !== 201) throw new Error(`world: access codes not issued (${issued.status} ${issued.text})`);

  return {
    schoolId,
    clients,
    accounts: { admin: admin.email, teacher: teacher.email, student: student.login, classmate: classmate.login },
    objects: {
      exam: exam.id, spareExam: spareExam.id, question: questionIds[0]!, batch: batchId,
      readyCopy, readyBooklet: ready.id, readyPage: readyPage.id, discardedPage: discardedPage.id,
      gradedCopy, gradedBooklet: graded.id, gradedPage: graded.pages[0]!.id, classmateCopy,
      student: student.id, classmate: classmate.id, codesStudent, teacher: teacher.id,
      document: documentId, rubricItem: rubricItem.id, spareRubricItem: spareRubricItem.id, comment: libraryComment.id, spareComment: spareComment.id,
      review: review.id, answeredReview: answeredReview.id, issue: issued.body.issue.id as string,
    },
  };
}

/** A session of its own for an account of the world (for routes that end the caller's session). */
export function freshClient(env: TestEnv, kind: "anonymous" | "staff" | "student", account?: string): Promise<Client> {
  if (kind === "anonymous") return anonymousClient(env.app);
  return kind === "staff" ? staffClient(env.app, account!) : studentClient(env.app, account!);
}

// ---------------------------------------------------------------------------------------------

/** A route's URL with the target school's ids in its parameters. */
export function urlOf(path: string, call: Call, target: Objects): string {
  const url = call.url ?? path.replace(/:(\w+)/g, (_m, name: string) => {
    const value = call.params?.[name];
    if (!value) throw new Error(`${path}: no object for :${name} in access-matrix.ts`);
    return encodeURIComponent(value === "className" ? CLASS : target[value]);
  });
  const query = new URLSearchParams(call.query ?? {}).toString();
  return query ? `${url}?${query}` : url;
}

let uploadPdf: Buffer | undefined;

/** Sends a table entry's request: CSRF token, headers, the JSON body from the caller's objects, or a PDF upload. */
export async function send(client: Client, key: string, call: Call, target: Objects, own: Objects): Promise<Response> {
  const { method, path } = splitKey(key);
  let req = client.agent[method](urlOf(path, call, target)).set("X-CSRF-Token", client.csrf);
  for (const [name, value] of Object.entries(call.headers ?? {})) req = req.set(name, value);
  if (call.upload) return req.attach("file", (uploadPdf ??= await fixturePdf("Envoi")), "copies.pdf");
  return method === "get" ? req : req.send(call.body?.(own) ?? {});
}

/** Ids among `ids` that appear in a response's text (JSON, CSV, HTML; binary bodies are not searched). */
export function leakedIds(res: Response, ids: readonly string[]): string[] {
  const text = typeof res.text === "string" ? res.text : JSON.stringify(res.body ?? "");
  return ids.filter((id) => text.includes(id));
}

// ---------------------------------------------------------------------------------------------

/**
 * A worker that only answers system.ping and beats, so readiness and the ping route answer as in
 * production while no other job (scan, identification, flatten) runs behind the tests' backs.
 */
export async function standInWorker(ctx: AppContext): Promise<{ close(): Promise<void> }> {
  const prefix = ctx.config.REDIS_PREFIX;
  const id = `security-suite-${process.pid}`;
  const connection = createRedis(ctx.config.REDIS_URL, { forWorker: true });
  const worker = new Worker("system", async (job) => handlePing(id, job.data), { connection, prefix });
  await worker.waitUntilReady();
  await beat(ctx.redis, prefix, id);
  const timer = setInterval(() => void beat(ctx.redis, prefix, id).catch(() => undefined), 1000);
  return {
    async close() {
      clearInterval(timer);
      await worker.close();
      await forget(ctx.redis, prefix, id);
      connection.disconnect();
    },
  };
}

// ---------------------------------------------------------------------------------------------

/** A digest of every table's rows (sessions apart: reading a page may touch its session). */
export async function dbFingerprint(ctx: AppContext): Promise<Record<string, string>> {
  const tables = await ctx.db.$queryRaw<{ name: string }[]>`
    SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() AND tablename NOT IN ('session', '_prisma_migrations') ORDER BY tablename`;
  const digests = await ctx.db.$queryRawUnsafe<{ name: string; digest: string }[]>(
    tables.map((t) => `SELECT '${t.name}' AS name, md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) AS digest FROM "${t.name}" r`).join(" UNION ALL "),
  );
  return Object.fromEntries(digests.map((d) => [d.name, d.digest]));
}

/** Every file under DATA_DIR (scratch space included) with its size. */
export async function filesFingerprint(dataDir: string): Promise<Record<string, number>> {
  const files = await filesUnder(dataDir);
  return Object.fromEntries(await Promise.all(files.map(async (f) => [f, (await stat(path.join(dataDir, f))).size] as const)));
}

export interface Fingerprint {
  db: Record<string, string>;
  files: Record<string, number>;
}

export const fingerprint = async (env: SecurityEnv): Promise<Fingerprint> => ({ db: await dbFingerprint(env.ctx), files: await filesFingerprint(env.dataDir) });

/** What differs between two fingerprints: table names and file paths. */
export function changes(before: Fingerprint, after: Fingerprint): string[] {
  const differ = <T>(a: Record<string, T>, b: Record<string, T>, label: string) =>
    [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).map((k) => `${label} ${k}`);
  return [...differ(before.db, after.db, "table"), ...differ(before.files, after.files, "file")];
}
