// Statistics of an exam's marks, overall, per class and per question. The computations are pure
// functions (tested with known values); one read of the exam's GRADED copies feeds them, and the
// exports reuse both. Only GRADED copies count: a copy being graded or regraded has no mark yet.
import type { AppContext } from "../../lib/context.js";
import type { Db } from "../../lib/db.js";
import { ForbiddenError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { frenchOrder } from "../../lib/collation.js";
import { round2 } from "../../lib/csv.js";
import type { findExam } from "../exams/service.js";
import { gradableExam } from "../grading/copies.js";
import { gradedScores } from "../grading/drafts.js";
import { maxTotalOf, scaledMark, type Scores } from "../grading/scoring.js";
import type { HistogramBin, QuestionStats, StatisticsDto, Stats, Summary } from "./schemas.js";

const EMPTY: Summary = { count: 0, mean: null, median: null, stdDev: null, min: null, max: null };

/** Count, mean, median, population standard deviation, min and max, rounded to 2 decimals. */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return EMPTY;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / n;
  const half = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[half]! : (sorted[half - 1]! + sorted[half]!) / 2;
  // The whole class is the population: these are all the marks, not a sample of them.
  const variance = sorted.reduce((sum, v) => sum + (v - mean) ** 2, 0) / n;
  return { count: n, mean: round2(mean), median: round2(median), stdDev: round2(Math.sqrt(variance)), min: round2(sorted[0]!), max: round2(sorted[n - 1]!) };
}

// A mark that is a whole number of bins up to floating-point noise (3 / 1.5) belongs to the bin it starts.
const BIN_EPSILON = 1e-9;

/**
 * Bins of max(1, reportScale / 20) points from 0 to the report scale: 1 point for /20, 5 points
 * for /100. Each bin holds [from, to) except the last, which also holds the full mark.
 */
export function histogram(marks: readonly number[], reportScale: number): HistogramBin[] {
  const width = Math.max(1, reportScale / 20);
  const count = Math.max(1, Math.ceil(reportScale / width - BIN_EPSILON));
  const bins = Array.from({ length: count }, (_, i) => ({ from: round2(i * width), to: round2(Math.min((i + 1) * width, reportScale)), count: 0 }));
  for (const mark of marks) {
    const index = Math.min(count - 1, Math.max(0, Math.floor(mark / width + BIN_EPSILON)));
    bins[index]!.count += 1;
  }
  return bins;
}

export const statsOf = (marks: readonly number[], reportScale: number): Stats => ({ ...summarize(marks), histogram: histogram(marks, reportScale) });

export interface QuestionInfo {
  id: string;
  label: string;
  maxPoints: number;
}

/** A question left without a score on a graded copy earned nothing: it counts as 0, as in the copy's total. */
export const scoreOn = (scores: Scores, questionId: string): number => scores[questionId] ?? 0;

/** Per question, the average score and the average share of its points obtained (0 to 1, 4 decimals). */
export function questionStats(questions: readonly QuestionInfo[], scores: readonly Scores[]): QuestionStats[] {
  return questions.map((q) => {
    if (scores.length === 0) return { ...q, averageScore: null, averageRatio: null };
    const average = scores.reduce((sum, s) => sum + scoreOn(s, q.id), 0) / scores.length;
    return { ...q, averageScore: round2(average), averageRatio: q.maxPoints > 0 ? Math.round((average / q.maxPoints) * 10_000) / 10_000 : null };
  });
}

export interface MarkedCopy {
  className: string | null;
  mark: number;
  scores: Scores;
}

export interface ExamFacts {
  id: string;
  reportScale: number;
  classNames: readonly string[];
  questions: readonly QuestionInfo[];
}

/**
 * The exam's statistics. Classes: the exam's own, in its order, even without any graded copy yet,
 * then any other class a graded student is in now (moved since). Unidentified copies count overall only.
 */
export function examStatistics(exam: ExamFacts, copies: readonly MarkedCopy[]): StatisticsDto {
  const others = new Set(copies.flatMap((c) => (c.className !== null && !exam.classNames.includes(c.className) ? [c.className] : [])));
  const classNames = [...exam.classNames, ...[...others].sort(frenchOrder)];
  const marksOf = (list: readonly MarkedCopy[]) => list.map((c) => c.mark);
  return {
    examId: exam.id,
    reportScale: exam.reportScale,
    overall: statsOf(marksOf(copies), exam.reportScale),
    classes: classNames.map((className) => ({ className, ...statsOf(marksOf(copies.filter((c) => c.className === className)), exam.reportScale) })),
    questions: questionStats(exam.questions, copies.map((c) => c.scores)),
  };
}

// ---- Reading the graded copies

export type ExamRow = Awaited<ReturnType<typeof findExam>>;

export interface GradedStudent {
  id: string;
  lastName: string;
  firstName: string;
  className: string;
  ine: string | null;
}

export interface GradedResult extends MarkedCopy {
  copyId: string;
  anonymousCode: string;
  student: GradedStudent | null;
  totalScore: number;
  /** The latest graded PDF (relative to DATA_DIR): the one the mark was printed on. */
  pdfPath: string;
}

export interface ExamResults {
  exam: ExamFacts & { title: string; subject: string };
  maxTotal: number;
  graded: GradedResult[];
}

export function examFacts(exam: ExamRow): ExamResults["exam"] {
  return {
    id: exam.id,
    title: exam.title,
    subject: exam.subject,
    reportScale: exam.reportScale.toNumber(),
    classNames: exam.classNames,
    questions: exam.questions.map((q) => ({ id: q.id, label: q.label, maxPoints: q.maxPoints.toNumber() })),
  };
}

/**
 * The exam's GRADED copies with their student, mark and per-question scores, all taken from the
 * latest graded PDF's draft version (what the student's PDF shows).
 */
export async function examResults(db: Db, row: ExamRow): Promise<ExamResults> {
  const exam = examFacts(row);
  const maxTotal = maxTotalOf(exam.questions);
  const copies = await db.copy.findMany({
    where: { examId: exam.id, schoolId: row.schoolId, status: "GRADED", gradedPdfs: { some: {} } },
    select: {
      id: true,
      anonymousCode: true,
      student: { select: { id: true, lastName: true, firstName: true, className: true, ine: true } },
      gradedPdfs: { orderBy: { draftVersion: "desc" }, take: 1, select: { draftVersion: true, storagePath: true, totalScore: true } },
    },
    orderBy: { anonymousCode: "asc" },
  });
  const scoresOf = await gradedScores(db, copies.map((c) => ({ copyId: c.id, draftVersion: c.gradedPdfs[0]!.draftVersion })));
  const graded = copies.map((c) => {
    const pdf = c.gradedPdfs[0]!;
    const totalScore = pdf.totalScore.toNumber();
    return {
      copyId: c.id,
      anonymousCode: c.anonymousCode,
      student: c.student,
      className: c.student?.className ?? null,
      totalScore,
      mark: scaledMark(totalScore, maxTotal, exam.reportScale),
      scores: scoresOf.get(c.id) ?? {},
      pdfPath: pdf.storagePath,
    };
  });
  return { exam, maxTotal, graded };
}

/**
 * The exam if the caller may see its statistics: an admin, or a grader of the exam (who grades:
 * grading's gradableExam). Anyone else gets 404: the exam's existence is not revealed.
 */
export async function statisticsExam(ctx: AppContext, actor: StaffPrincipal, examId: string): Promise<ExamRow> {
  try {
    return await gradableExam(ctx, actor, examId);
  } catch (error) {
    if (error instanceof ForbiddenError) throw new NotFoundError("Examen introuvable.");
    throw error;
  }
}

export async function getStatistics(ctx: AppContext, actor: StaffPrincipal, examId: string): Promise<StatisticsDto> {
  const { exam, graded } = await examResults(ctx.db, await statisticsExam(ctx, actor, examId));
  return examStatistics(exam, graded);
}
