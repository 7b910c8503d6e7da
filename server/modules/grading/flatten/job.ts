// The copy.flatten job: draws a FINALIZING copy's draft on its scanned pages (on a thread of
// the FlattenPool), stores the graded PDF with its sha256 and marks the copy GRADED, in one
// transaction that checks the copy still waits for this very version. Safe to run twice: a
// version already rendered is reused; a copy no longer waiting for it is left alone.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import path from "node:path";
import type { Job } from "bullmq";
import type { AppContext } from "../../../lib/context.js";
import type { Prisma } from "../../../lib/db.js";
import { run } from "../../../lib/exec.js";
import { splitPageName, Storage } from "../../../lib/storage.js";
import { copyPages } from "../copies.js";
import { contentOf, totalOf, type Scores } from "../scoring.js";
import { FlattenError, type FlattenPool, type FlattenTask, type SourceFile } from "./pool.js";

export interface FlattenEnv {
  ctx: AppContext;
  workerId: string;
  flatten: FlattenPool;
}

const waiting = (copy: { status: string; finalVersion: number | null }, version: number) => copy.status === "FINALIZING" && copy.finalVersion === version;

export async function flattenCopy(env: FlattenEnv, copyId: string, version: number, job: Job): Promise<{ outcome: "graded" | "skipped" }> {
  const { ctx } = env;
  const copy = await ctx.db.copy.findUnique({ where: { id: copyId } });
  if (!copy || !waiting(copy, version)) return { outcome: "skipped" };
  try {
    const rendered = (await ctx.db.gradedPdf.findUnique({ where: { copyId_draftVersion: { copyId, draftVersion: version } } })) ?? (await render(env, copyId, version));
    return { outcome: (await markGraded(ctx, copyId, version, rendered)) ? "graded" : "skipped" };
  } catch (error) {
    const permanent = error instanceof FlattenError;
    if (permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await markFailed(ctx, copyId, version, permanent ? error.message : "La génération du PDF corrigé a échoué plusieurs fois. Relancez-la ; si l'échec persiste, prévenez l'administrateur.");
    if (permanent) return { outcome: "skipped" };
    throw error;
  }
}

interface Rendered {
  storagePath: string;
  sha256: string;
  sizeBytes: number;
  totalScore: Prisma.Decimal | number;
}

async function render(env: FlattenEnv, copyId: string, version: number): Promise<Rendered> {
  const { ctx } = env;
  const storage = new Storage(ctx.config.DATA_DIR);
  const tmpOwner = `worker-${env.workerId}`;
  const task = await taskFor(ctx, storage, copyId, version, tmpOwner);
  if (task.sources.every((s) => s.file)) return rendered(task, await env.flatten.render(task));
  const workDir = await mkdtemp(path.join(await storage.ensureDir(storage.tmpDir(tmpOwner)), "flatten-"));
  try {
    task.sources = await extractSources(storage, workDir, task.sources);
    return rendered(task, await env.flatten.render(task));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

const rendered = (task: FlattenTask, written: { sha256: string; sizeBytes: number }): Rendered => ({ storagePath: task.target, ...written, totalScore: totalOf(task.input.scores) });

/** Everything the thread needs, read from the database: pages, draft, marking scheme, names. */
async function taskFor(ctx: AppContext, storage: Storage, copyId: string, version: number, tmpOwner: string): Promise<FlattenTask> {
  const copy = await ctx.db.copy.findUniqueOrThrow({ where: { id: copyId }, include: { exam: { include: { questions: { orderBy: { position: "asc" } } } }, student: true } });
  const [draft] = await ctx.db.$queryRaw<{ content: unknown; scores: unknown; authorId: string }[]>`SELECT "content", "scores", "authorId" FROM "Draft" WHERE "copyId" = ${copyId}::uuid AND "version" = ${version}`;
  if (!draft) throw new FlattenError("La version de la correction à finaliser n'existe plus : rouvrez la copie et finalisez-la de nouveau.");
  const pages = await copyPages(ctx.db, copyId);
  if (pages.length === 0) throw new FlattenError("Cette copie n'a plus aucune page : vérifiez-la au bureau d'identification.");
  const batches = new Map((await ctx.db.scanBatch.findMany({ where: { id: { in: [...new Set(pages.map((p) => p.batchId))] } }, select: { id: true, schoolId: true, storagePath: true, pageCount: true } })).map((b) => [b.id, b]));
  const content = contentOf(draft.content);
  const scores = draft.scores as Scores;
  const items = await ctx.db.rubricItem.findMany({ where: { examId: copy.examId } });
  const teacher = await finalizer(ctx, copyId, draft.authorId);
  const { exam } = copy;
  const maxTotal = exam.questions.reduce((sum, q) => sum + q.maxPoints.toNumber(), 0);
  const total = totalOf(scores);
  return {
    dataDir: ctx.config.DATA_DIR,
    tmpOwner,
    target: storage.gradedPdfPath(copy.schoolId, copyId, version),
    sources: pages.map((p) => {
      const batch = batches.get(p.batchId)!;
      // The split page kept when the batch was converted; else cut again from the batch (below).
      const kept = path.join(storage.sourcePagesDir(batch.schoolId, batch.id), splitPageName(p.scanPageIndex, batch.pageCount));
      return { batchPath: batch.storagePath, scanPageIndex: p.scanPageIndex, file: existsSync(storage.abs(kept)) ? kept : "", pageIndex: 0 };
    }),
    pages: pages.map((p) => ({ half: p.half, rotation: p.rotation as 0 | 90 | 180 | 270 })),
    input: {
      annotations: content.annotations,
      questions: exam.questions.map((q) => ({ id: q.id, label: q.label, maxPoints: q.maxPoints.toNumber() })),
      scores,
      rubricItems: Object.fromEntries(items.map((i) => [i.id, { label: i.label, points: i.points.toNumber(), mode: exam.questions.find((q) => q.id === i.questionId)?.rubricMode ?? "ADD", questionId: i.questionId }])),
      applied: content.rubric,
      total,
      maxTotal,
      scaled: maxTotal > 0 ? Math.round((total / maxTotal) * exam.reportScale.toNumber() * 100) / 100 : 0,
      reportScale: exam.reportScale.toNumber(),
      exam: { title: exam.title, subject: exam.subject, date: exam.date.toISOString().slice(0, 10) },
      anonymousCode: copy.anonymousCode,
      studentName: copy.student ? `${copy.student.firstName} ${copy.student.lastName}` : null,
      teacher,
      gradedAt: new Date().toISOString(),
      comment: content.comment,
    },
  };
}

/** The teacher named on the summary: who asked to finalize, else who wrote the draft. */
async function finalizer(ctx: AppContext, copyId: string, authorId: string): Promise<string> {
  const asked = await ctx.db.gradingEvent.findFirst({ where: { copyId, type: "finalize_requested" }, orderBy: { id: "desc" }, select: { actor: { select: { displayName: true } } } });
  return asked?.actor?.displayName ?? (await ctx.db.user.findUnique({ where: { id: authorId }, select: { displayName: true } }))?.displayName ?? "";
}

/**
 * Pages whose split file is gone are cut out of their batch files with qpdf (one call per batch;
 * pages are copied as they are), so that the thread loads a few pages, not a whole batch.
 */
async function extractSources(storage: Storage, workDir: string, sources: SourceFile[]): Promise<SourceFile[]> {
  const byBatch = new Map<string, number[]>();
  for (const s of sources) if (!s.file) byBatch.set(s.batchPath, [...new Set([...(byBatch.get(s.batchPath) ?? []), s.scanPageIndex])].sort((a, b) => a - b));
  const files = new Map<string, string>();
  let n = 0;
  for (const [batchPath, indexes] of byBatch) {
    const file = path.join(workDir, `source-${n++}.pdf`);
    const result = await run("qpdf", ["--decrypt", "--empty", "--pages", storage.abs(batchPath), indexes.map((i) => i + 1).join(","), "--", file], 120_000);
    if (result.code !== 0 && result.code !== 3) throw new Error(`qpdf could not extract the copy's pages (${result.code}): ${result.stderr.slice(0, 300)}`);
    files.set(batchPath, path.relative(storage.root, file));
  }
  return sources.map((s) => (s.file ? s : { ...s, file: files.get(s.batchPath)!, pageIndex: byBatch.get(s.batchPath)!.indexOf(s.scanPageIndex) }));
}

async function markGraded(ctx: AppContext, copyId: string, version: number, pdf: Rendered): Promise<boolean> {
  return ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Copy" WHERE "id" = ${copyId}::uuid FOR UPDATE`;
    const copy = await tx.copy.findUniqueOrThrow({ where: { id: copyId } });
    if (!waiting(copy, version)) return false;
    await tx.gradedPdf.upsert({
      where: { copyId_draftVersion: { copyId, draftVersion: version } },
      create: { schoolId: copy.schoolId, copyId, draftVersion: version, storagePath: pdf.storagePath, sha256: pdf.sha256, sizeBytes: pdf.sizeBytes, totalScore: pdf.totalScore },
      update: {},
    });
    await tx.copy.update({ where: { id: copyId }, data: { status: "GRADED", gradedPdfPath: pdf.storagePath, totalScore: pdf.totalScore, finalizedAt: new Date(), failureReason: null } });
    await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId, type: "graded", fromStatus: "FINALIZING", toStatus: "GRADED", data: { version, sha256: pdf.sha256 } } });
    return true;
  });
}

async function markFailed(ctx: AppContext, copyId: string, version: number, reason: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    await tx.$queryRaw`SELECT 1 FROM "Copy" WHERE "id" = ${copyId}::uuid FOR UPDATE`;
    const copy = await tx.copy.findUniqueOrThrow({ where: { id: copyId } });
    if (!waiting(copy, version)) return;
    await tx.copy.update({ where: { id: copyId }, data: { status: "FAILED", failureReason: reason } });
    await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId, type: "failed", fromStatus: "FINALIZING", toStatus: "FAILED", data: { version, reason } } });
  });
}
