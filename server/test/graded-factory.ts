// GRADED copies with real graded PDFs, without going through the editor: a draft written as a
// grader would save it, the copy sent to FINALIZING, and the worker's copy.flatten job run in
// this process on a thread pool of its own. For tests of what comes after grading (portal,
// publication, reviews, exports).
import type { Job } from "bullmq";
import type { AppContext } from "../lib/context.js";
import { FlattenPool } from "../modules/grading/flatten/pool.js";
import { flattenCopy } from "../modules/grading/flatten/job.js";
import { makeGradableCopies } from "./copy-factory.js";

export interface ScoredQuestion {
  id: string;
  label: string;
  maxPoints: number;
}

/** A question's score on the copy at `copyIndex` (null: left blank on purpose). */
export type ScoreOf = (question: ScoredQuestion, copyIndex: number) => number | null;

export interface GradedCopy {
  copyId: string;
  studentId: string | null;
  /** The student's login (their access code is the harness' STUDENT_CODE); null for a copy without student. */
  login: string | null;
  gradedPdfId: string;
  storagePath: string;
  sha256: string;
  totalScore: number;
}

const halfMarks: ScoreOf = (question) => question.maxPoints / 2;

// flattenCopy reads the attempts only when rendering fails: one attempt, no retry.
const oneAttempt = { attemptsMade: 0, opts: { attempts: 1 } } as unknown as Job;

/**
 * Grades READY copies of one exam (the exam needs its marking scheme): a new draft version by
 * `graderId` with `scores` (default: half of each question's points), then the graded PDF.
 * Works again on a reopened copy: its next draft version is drawn, the earlier PDF kept.
 */
export async function gradeCopies(ctx: AppContext, opts: { graderId: string; copyIds: string[]; scores?: ScoreOf }): Promise<GradedCopy[]> {
  const scoreOf = opts.scores ?? halfMarks;
  const pool = new FlattenPool({ threads: 1, timeoutMs: 120_000 });
  const graded: GradedCopy[] = [];
  try {
    for (const [index, copyId] of opts.copyIds.entries()) {
      const copy = await ctx.db.copy.findUniqueOrThrow({ where: { id: copyId }, include: { student: true, exam: { include: { questions: { orderBy: { position: "asc" } } } } } });
      const scores = Object.fromEntries(copy.exam.questions.map((q) => [q.id, scoreOf({ id: q.id, label: q.label, maxPoints: q.maxPoints.toNumber() }, index)]));
      const last = await ctx.db.draft.findFirst({ where: { copyId }, orderBy: { version: "desc" }, select: { version: true } });
      const version = (last?.version ?? 0) + 1;
      await ctx.db.draft.create({ data: { copyId, version, content: { annotations: [], comment: "Copie corrigée par la fabrique de test.", rubric: {}, overrides: [] }, scores, authorId: opts.graderId } });
      await ctx.db.copy.update({ where: { id: copyId }, data: { status: "FINALIZING", finalVersion: version, failureReason: null } });
      await flattenCopy({ ctx, workerId: "graded-factory", flatten: pool }, copyId, version, oneAttempt);
      const done = await ctx.db.copy.findUniqueOrThrow({ where: { id: copyId } });
      if (done.status !== "GRADED") throw new Error(`graded-factory: copy ${copyId} ended ${done.status}: ${done.failureReason ?? ""}`);
      const pdf = await ctx.db.gradedPdf.findUniqueOrThrow({ where: { copyId_draftVersion: { copyId, draftVersion: version } } });
      graded.push({ copyId, studentId: copy.studentId, login: copy.student?.login ?? null, gradedPdfId: pdf.id, storagePath: pdf.storagePath, sha256: pdf.sha256, totalScore: pdf.totalScore.toNumber() });
    }
  } finally {
    await pool.close();
  }
  return graded;
}

// The generated scans are the same bytes for the same size and resolution, and an exam refuses
// the same batch twice: each call scans at a slightly different resolution.
let calls = 0;
const nextDpi = () => 60 + (calls++ % 40);

/**
 * `copies` new copies of the exam, each with a new student of `className` (default the
 * harness' "2nde A"), graded with real PDFs (A4 scans of `pagesPerCopy` pages, default 2).
 * May be called several times for the same exam.
 * Set DATA_DIR in createTestEnv to a temporary directory: the PDFs are written there.
 */
export async function makeGradedCopies(
  ctx: AppContext,
  opts: { schoolId: string; examId: string; uploadedById: string; graderId: string; copies: number; className?: string; pagesPerCopy?: number; scores?: ScoreOf },
): Promise<{ batchId: string; copies: GradedCopy[] }> {
  const { batchId, copyIds } = await makeGradableCopies(ctx, { schoolId: opts.schoolId, examId: opts.examId, uploadedById: opts.uploadedById, copies: opts.copies, layout: "A4_BATCH", pagesPerCopy: opts.pagesPerCopy ?? 2, dpi: nextDpi() });
  if (opts.className) {
    await ctx.db.student.updateMany({ where: { copies: { some: { id: { in: copyIds } } } }, data: { className: opts.className } });
  }
  return { batchId, copies: await gradeCopies(ctx, { graderId: opts.graderId, copyIds, scores: opts.scores }) };
}
