// Rubric items and the scores they give: per question, ADD starts from 0 and adds the points of
// the items applied, SUBTRACT starts from the maximum and takes them off; clamped to [0, max].
// The server computes the same on save and its value is the one kept.
import type { QuestionRubric, RubricItem, RubricItemInput, RubricMode } from "../../api/types";
import { formatNumber } from "../../format";
import { i18n } from "../../i18n";
import { toNumber } from "../markingScheme";
import { DECIMAL } from "./scores";

const { t } = i18n.global;

export function derivedScore(mode: RubricMode, maxPoints: number, points: readonly number[]): number {
  const sum = points.reduce((a, b) => a + b, 0);
  const raw = mode === "ADD" ? sum : maxPoints - sum;
  return Math.min(maxPoints, Math.max(0, raw));
}

/** "+1" for an item that adds, "−0,5" (minus sign) for one that takes off. */
export function itemPoints(mode: RubricMode, points: number): string {
  return `${mode === "ADD" ? "+" : "\u2212"}${formatNumber(points)}`;
}

/** Shortcuts are digits, unique in the exam (the letters choose the annotation tools). */
export function normalizedShortcut(key: string): string | null {
  const text = key.trim();
  return /^[0-9]$/.test(text) ? text : null;
}

export function itemForShortcut(rubric: readonly QuestionRubric[], key: string): { questionId: string; item: RubricItem } | null {
  const wanted = normalizedShortcut(key);
  if (!wanted) return null;
  for (const question of rubric) {
    const item = question.items.find((i) => i.shortcut !== null && normalizedShortcut(i.shortcut) === wanted);
    if (item) return { questionId: question.questionId, item };
  }
  return null;
}

export function findItem(rubric: readonly QuestionRubric[], itemId: string): { question: QuestionRubric; item: RubricItem } | null {
  for (const question of rubric) {
    const item = question.items.find((i) => i.id === itemId);
    if (item) return { question, item };
  }
  return null;
}

/** The item a grader filled in, or why it cannot be sent. */
export function rubricItemInput(label: string, points: string, shortcut: string): { input: Omit<RubricItemInput, "questionId"> } | { error: string } {
  if (label.trim() === "") return { error: t("grading.rubric.needLabel") };
  if (!DECIMAL.test(points.trim())) return { error: t("grading.rubric.badPoints") };
  const key = shortcut.trim();
  if (key !== "" && normalizedShortcut(key) === null) return { error: t("grading.rubric.badShortcut") };
  return { input: { label: label.trim(), points: toNumber(points), shortcut: key === "" ? null : key } };
}
