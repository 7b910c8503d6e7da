// How a copy's scores follow from its draft: a question with rubric items applied (and not typed
// over by the teacher) scores what its items give; the total adds every scored question.
import type { Prisma } from "../../lib/db.js";
import type { Annotation } from "./schemas.js";

export type Scores = Record<string, number | null>;

/** What a draft holds besides its scores (stored as the draft's `content`). */
export interface DraftContent {
  annotations: Annotation[];
  comment: string;
  /** Question id → rubric item ids applied. */
  rubric: Record<string, string[]>;
  /** Questions whose score was typed over what their rubric items give. */
  overrides: string[];
}

export const EMPTY_CONTENT: DraftContent = { annotations: [], comment: "", rubric: {}, overrides: [] };

/** Drafts saved before rubrics existed have no rubric or overrides: read them as empty. */
export function contentOf(stored: unknown): DraftContent {
  return { ...EMPTY_CONTENT, ...(stored as Partial<DraftContent> | null) };
}

/** A numeric column as read: a Decimal through Prisma, a string through pg (see lib/sql.ts). */
export type Numeric = Prisma.Decimal | string;

export interface ScoredQuestion {
  id: string;
  label: string;
  maxPoints: Numeric;
  step: Numeric;
  rubricMode: "ADD" | "SUBTRACT";
}

export interface RubricPoints {
  id: string;
  questionId: string;
  points: Numeric;
}

/** ADD: from 0, each item adds; SUBTRACT: from the maximum, each item removes; kept in [0, max]. */
export function derivedScore(question: ScoredQuestion, items: readonly RubricPoints[]): number {
  const max = Number(question.maxPoints);
  const sum = items.reduce((total, item) => total + Number(item.points), 0);
  const raw = question.rubricMode === "ADD" ? sum : max - sum;
  return Math.min(max, Math.max(0, raw));
}

/** The scores with every rubric-driven question recomputed from its applied items. */
export function withRubricScores(questions: readonly ScoredQuestion[], items: ReadonlyMap<string, RubricPoints>, content: DraftContent, scores: Scores): Scores {
  const next = { ...scores };
  for (const question of questions) {
    const applied = content.rubric[question.id] ?? [];
    if (applied.length === 0 || content.overrides.includes(question.id)) continue;
    next[question.id] = derivedScore(question, applied.flatMap((id) => items.get(id) ?? []));
  }
  return next;
}

export function totalOf(scores: Scores): number {
  return Object.values(scores).reduce<number>((sum, points) => sum + (points ?? 0), 0);
}

/** The points an exam's marking scheme is out of. */
export const maxTotalOf = (questions: readonly { maxPoints: Numeric | number }[]): number => questions.reduce((sum, q) => sum + Number(q.maxPoints), 0);

/**
 * The mark on the exam's report scale, to the cent: printed on the graded PDF, shown on the
 * portal, exported to Pronote. One function, so that they all agree.
 */
export function scaledMark(totalScore: number, maxTotal: number, reportScale: number): number {
  return maxTotal > 0 ? Math.round((totalScore / maxTotal) * reportScale * 100) / 100 : 0;
}

export const sameScores = (a: Scores, b: Scores) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => (a[key] ?? null) === (b[key] ?? null));
};
