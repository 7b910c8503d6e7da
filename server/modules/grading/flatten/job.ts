// The copy.flatten job: draws a FINALIZING copy's draft on its scanned pages (on a thread of
// the FlattenPool), stores the graded PDF with its sha256 and marks the copy GRADED, in one
// transaction that checks the copy still waits for this very version. Safe to run twice: a
// version already rendered is reused; a copy no longer waiting for it is left alone.
import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Job } from "bullmq";
import type { AppContext } from "../../../lib/context.js";
import type { Prisma } from "../../../lib/db.js";
import { copyWithQpdf } from "../../scans/pdf/qpdf.js";
import { pgTransaction, poolSql, prismaSql, type Sql } from "../../../lib/sql.js";
import { localPathIfStored, Scratch, storedPath } from "../../../lib/storage.js";
import { copyPages } from "../copies.js";
import { contentOf, maxTotalOf, scaledMark, totalOf, type Scores } from "../scoring.js";
import { FlattenError, type FlattenPool, type FlattenTask, type SourceFile } from "./pool.js";

export interface FlattenEnv {
  ctx: AppContext;
  workerId: string;
  flatten: FlattenPool;
}

const waiting = (copy: { status: string; finalVersion: number | null }, version: number) => copy.status === "FINALIZING" && copy.finalVersion === version;

// Every graded PDF costs these few statements, written in SQL and run on the pg pool
// (server/lib/sql.ts): through Prisma, even as raw SQL, they took about a third of the worker's
// main-thread CPU (a CPU profile of bench:grading: Prisma's WebAssembly query compiler and
// client, 13 s of 38 s busy).

interface Waiting {
  status: string;
  finalVersion: number | null;
  storagePath: string | null;
  sha256: string | null;
  sizeBytes: number | null;
  /** numeric: a string through pg. */
  totalScore: string | null;
}

export async function flattenCopy(env: FlattenEnv, copyId: string, version: number, job: Job): Promise<{ outcome: "graded" | "skipped" }> {
  const { ctx } = env;
  const [copy] = await poolSql(ctx.pool).rows<Waiting>(
    `SELECT c."status"::text AS "status", c."finalVersion", g."storagePath", g."sha256", g."sizeBytes", g."totalScore"
     FROM "Copy" c LEFT JOIN "GradedPdf" g ON g."copyId" = c."id" AND g."draftVersion" = $2
     WHERE c."id" = $1::uuid`,
    [copyId, version],
  );
  if (!copy || !waiting(copy, version)) return { outcome: "skipped" };
  try {
    const done = copy.storagePath ? ({ storagePath: copy.storagePath, sha256: copy.sha256!, sizeBytes: copy.sizeBytes!, totalScore: copy.totalScore! } as Rendered) : null;
    return { outcome: (await markGraded(ctx, copyId, version, done ?? (await render(env, copyId, version)))) ? "graded" : "skipped" };
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
  totalScore: string | number;
}

/** Draws the PDF in a scratch folder (with the pages it is drawn on, as local files), then stores it. */
async function render(env: FlattenEnv, copyId: string, version: number): Promise<Rendered> {
  const { ctx } = env;
  return Scratch.ofWorker(ctx.config.DATA_DIR, env.workerId).withFolder("flatten-", async (folder) => {
    const { key, task } = await taskFor(ctx, folder, copyId, version);
    if (!task.sources.every((s) => s.file)) task.sources = await extractSources(ctx, folder, task.sources);
    const written = await env.flatten.render(task);
    await ctx.files.putFile(key, task.target);
    return { storagePath: key, ...written, totalScore: totalOf(task.input.scores) };
  });
}

interface CopyFacts {
  schoolId: string;
  examId: string;
  anonymousCode: string;
  firstName: string | null;
  lastName: string | null;
  title: string;
  subject: string;
  /** YYYY-MM-DD (a DATE read as text: pg would read it at midnight in the process's zone). */
  date: string;
  /** numeric: a string through pg. */
  reportScale: string;
  content: unknown;
  scores: unknown;
  /** Who asked to finalize, else who wrote the draft: the teacher named on the summary. */
  teacher: string | null;
}

/** The copy, its exam and student, the draft version to draw, and its teacher, in one query. */
async function copyFacts(ctx: AppContext, copyId: string, version: number): Promise<CopyFacts | undefined> {
  const [facts] = await poolSql(ctx.pool).rows<CopyFacts>(
    `SELECT c."schoolId", c."examId", c."anonymousCode", s."firstName", s."lastName", e."title", e."subject",
            to_char(e."date", 'YYYY-MM-DD') AS "date", e."reportScale", d."content", d."scores",
            COALESCE((SELECT u."displayName" FROM "GradingEvent" ge JOIN "User" u ON u."id" = ge."actorId"
                      WHERE ge."copyId" = c."id" AND ge."type" = 'finalize_requested' ORDER BY ge."id" DESC LIMIT 1), a."displayName") AS "teacher"
     FROM "Copy" c JOIN "Exam" e ON e."id" = c."examId" LEFT JOIN "Student" s ON s."id" = c."studentId"
     LEFT JOIN "Draft" d ON d."copyId" = c."id" AND d."version" = $2 LEFT JOIN "User" a ON a."id" = d."authorId"
     WHERE c."id" = $1::uuid`,
    [copyId, version],
  );
  return facts;
}

/** Why a copy cannot be drawn: the draft version it waits for is gone. */
export const DRAFT_VERSION_GONE = "La version de la correction à finaliser n'existe plus : rouvrez la copie et finalisez-la de nouveau.";

// numeric columns: strings through pg.
type QuestionRow = { id: string; label: string; maxPoints: string; rubricMode: "ADD" | "SUBTRACT" };
type ItemRow = { id: string; label: string; points: string; questionId: string };

/**
 * Everything the thread needs, read from the database (pages, draft, marking scheme, names), and
 * the graded PDF's key. The thread writes the PDF into `folder`.
 */
async function taskFor(ctx: AppContext, folder: string, copyId: string, version: number): Promise<{ key: string; task: FlattenTask }> {
  const copy = await copyFacts(ctx, copyId, version);
  if (!copy?.content) throw new FlattenError(DRAFT_VERSION_GONE);
  const sql = poolSql(ctx.pool);
  const pages = await copyPages(sql, copyId);
  if (pages.length === 0) throw new FlattenError("Cette copie n'a plus aucune page : vérifiez-la au bureau d'identification.");
  const content = contentOf(copy.content);
  const scores = copy.scores as Scores;
  const questions = await sql.rows<QuestionRow>(`SELECT "id", "label", "maxPoints", "rubricMode"::text AS "rubricMode" FROM "Question" WHERE "examId" = $1::uuid ORDER BY "position"`, [copy.examId]);
  const usesRubric = Object.keys(content.rubric).length > 0 || content.annotations.some((a) => a.type === "rubric");
  const items = usesRubric ? await sql.rows<ItemRow>(`SELECT "id", "label", "points", "questionId" FROM "RubricItem" WHERE "examId" = $1::uuid`, [copy.examId]) : [];
  const modes = new Map(questions.map((q) => [q.id, q.rubricMode]));
  const maxTotal = maxTotalOf(questions);
  const total = totalOf(scores);
  const reportScale = Number(copy.reportScale);
  // The split page kept when the batch was converted (a page may show twice: two halves of an
  // A3 scan); else cut again from the batch (extractSources).
  const kept = new Map<string, Promise<string | null>>();
  const keptFile = (key: string) => {
    if (!kept.has(key)) kept.set(key, localPathIfStored(ctx.files, key, folder));
    return kept.get(key)!;
  };
  const sources = await Promise.all(pages.map(async ({ batch, scanPageIndex }) => {
    const file = await keptFile(storedPath.pageOf(storedPath.sourcePages(batch.schoolId, batch.id), scanPageIndex, batch.pageCount));
    return { batchPath: batch.storagePath, scanPageIndex, file: file ?? "", pageIndex: 0 };
  }));
  return { key: storedPath.gradedPdf(copy.schoolId, copyId, version), task: {
    target: path.join(folder, "graded.pdf"),
    sources,
    pages: pages.map((p) => ({ half: p.half, rotation: p.rotation as 0 | 90 | 180 | 270 })),
    input: {
      annotations: content.annotations,
      questions: questions.map((q) => ({ id: q.id, label: q.label, maxPoints: Number(q.maxPoints) })),
      scores,
      rubricItems: Object.fromEntries(items.map((i) => [i.id, { label: i.label, points: Number(i.points), mode: modes.get(i.questionId) ?? "ADD", questionId: i.questionId }])),
      applied: content.rubric,
      total,
      maxTotal,
      scaled: scaledMark(total, maxTotal, reportScale),
      reportScale,
      exam: { title: copy.title, subject: copy.subject, date: copy.date },
      anonymousCode: copy.anonymousCode,
      studentName: copy.firstName !== null ? `${copy.firstName} ${copy.lastName}` : null,
      teacher: copy.teacher ?? "",
      gradedAt: new Date().toISOString(),
      comment: content.comment,
    },
  } };
}

/**
 * Pages whose split file is gone are cut out of their batch files with qpdf (one call per batch;
 * pages are copied as they are), so that the thread loads a few pages, not a whole batch.
 */
async function extractSources(ctx: AppContext, folder: string, sources: SourceFile[]): Promise<SourceFile[]> {
  const byBatch = new Map<string, number[]>();
  for (const s of sources) if (!s.file) byBatch.set(s.batchPath, [...new Set([...(byBatch.get(s.batchPath) ?? []), s.scanPageIndex])].sort((a, b) => a - b));
  const files = new Map<string, string>();
  let n = 0;
  for (const [batchPath, indexes] of byBatch) {
    const file = path.join(folder, `source-${n++}.pdf`);
    const result = await copyWithQpdf(["--empty", "--pages", await ctx.files.localPath(batchPath, folder), indexes.map((i) => i + 1).join(","), "--", file], 120_000);
    if (!result.ok) throw new Error(`qpdf could not extract the copy's pages (${result.code}): ${result.stderr.slice(0, 300)}`);
    files.set(batchPath, file);
  }
  return sources.map((s) => (s.file ? s : { ...s, file: files.get(s.batchPath)!, pageIndex: byBatch.get(s.batchPath)!.indexOf(s.scanPageIndex) }));
}

/** The copy, row-locked, if it still waits for this version's PDF. */
async function stillWaiting(sql: Sql, copyId: string, version: number): Promise<{ schoolId: string } | null> {
  const [copy] = await sql.rows<{ schoolId: string; status: string; finalVersion: number | null }>(
    `SELECT "schoolId", "status"::text AS "status", "finalVersion" FROM "Copy" WHERE "id" = $1::uuid FOR UPDATE`,
    [copyId],
  );
  return copy && waiting(copy, version) ? copy : null;
}

async function markGraded(ctx: AppContext, copyId: string, version: number, pdf: Rendered): Promise<boolean> {
  return pgTransaction(ctx.pool, async (sql) => {
    const copy = await stillWaiting(sql, copyId, version);
    if (!copy) return false;
    const total = pdf.totalScore.toString();
    // Timestamps are stored in UTC without a zone, as Prisma writes them.
    const now = new Date().toISOString();
    await sql.rows(
      `WITH kept AS (
         INSERT INTO "GradedPdf" ("id", "schoolId", "copyId", "draftVersion", "storagePath", "sha256", "sizeBytes", "totalScore")
         VALUES ($1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, $8::numeric)
         ON CONFLICT ("copyId", "draftVersion") DO NOTHING
       ), graded AS (
         UPDATE "Copy" SET "status" = 'GRADED', "gradedPdfPath" = $5, "totalScore" = $8::numeric, "finalizedAt" = $9::timestamp, "failureReason" = NULL, "updatedAt" = $9::timestamp
         WHERE "id" = $3::uuid
       )
       INSERT INTO "GradingEvent" ("schoolId", "copyId", "type", "fromStatus", "toStatus", "data")
       VALUES ($2::uuid, $3::uuid, 'graded', 'FINALIZING', 'GRADED', $10::jsonb)`,
      [randomUUID(), copy.schoolId, copyId, version, pdf.storagePath, pdf.sha256, pdf.sizeBytes, total, now, JSON.stringify({ version, sha256: pdf.sha256 })],
    );
    return true;
  });
}

async function markFailed(ctx: AppContext, copyId: string, version: number, reason: string): Promise<void> {
  await ctx.db.$transaction((tx) => failWaitingCopy(tx, copyId, version, reason));
}

/** FINALIZING for this version → FAILED with the reason and its event; null when the copy no longer waits for it. */
export async function failWaitingCopy(tx: Prisma.TransactionClient, copyId: string, version: number, reason: string): Promise<{ schoolId: string } | null> {
  const copy = await stillWaiting(prismaSql(tx), copyId, version);
  if (!copy) return null;
  await tx.copy.update({ where: { id: copyId }, data: { status: "FAILED", failureReason: reason } });
  await tx.gradingEvent.create({ data: { schoolId: copy.schoolId, copyId, type: "failed", fromStatus: "FINALIZING", toStatus: "FAILED", data: { version, reason } } });
  return copy;
}
