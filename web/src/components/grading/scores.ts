// Scores as teachers type them ("2,5" or "2.5"), checked against the question's maximum and
// step before anything is saved, and the totals the score panel shows.
import type { Question } from "../../api/types";
import { formatNumber } from "../../format";
import { i18n } from "../../i18n";
import { toNumber } from "../markingScheme";

const { t } = i18n.global;

export type ScoreEntry = { kind: "empty" } | { kind: "score"; value: number } | { kind: "invalid"; message: string };

/**
 * A plain decimal with a comma or a point (no sign, no exponent). "2," is read as 2 so that the
 * field does not complain while the teacher is still typing "2,5".
 */
export const DECIMAL = /^(?:\d+(?:[.,]\d*)?|[.,]\d+)$/;

/** Whether value is a whole number of steps (with the slack of binary fractions). */
export function onStep(value: number, step: number): boolean {
  return Math.abs(value / step - Math.round(value / step)) < 1e-9;
}

export function parseScore(text: string, question: Pick<Question, "maxPoints" | "step">): ScoreEntry {
  const trimmed = text.trim();
  if (trimmed === "") return { kind: "empty" };
  if (!DECIMAL.test(trimmed)) return { kind: "invalid", message: t("grading.score.notANumber") };
  const value = toNumber(trimmed);
  if (value > question.maxPoints) return { kind: "invalid", message: t("grading.score.tooHigh", { max: formatNumber(question.maxPoints) }) };
  if (!onStep(value, question.step)) return { kind: "invalid", message: t("grading.score.offStep", { step: formatNumber(question.step) }) };
  return { kind: "score", value };
}

/** What a score field shows for a saved score (nothing when not scored or left blank). */
export function scoreText(value: number | null | undefined): string {
  return typeof value === "number" ? formatNumber(value) : "";
}

export interface Totals {
  total: number;
  max: number;
  /** The total on the exam's reporting scale (e.g. out of 20), to the hundredth. */
  scaled: number;
  /** Questions neither scored nor left blank. */
  missing: number;
}

export function totalsOf(questions: readonly Question[], scores: Record<string, number | null>, reportScale: number): Totals {
  let total = 0;
  let max = 0;
  let missing = 0;
  for (const question of questions) {
    max += question.maxPoints;
    const score = scores[question.id];
    if (typeof score === "number") total += score;
    else if (score === undefined) missing += 1;
  }
  const scaled = max > 0 ? Math.round((total / max) * reportScale * 100) / 100 : 0;
  return { total, max, scaled, missing };
}

/** Questions that still need a score or an explicit blank before the copy can be finalized. */
export function unscored(questions: readonly Question[], scores: Record<string, number | null>): Question[] {
  return questions.filter((q) => scores[q.id] === undefined);
}
