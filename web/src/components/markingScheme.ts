// The marking scheme editor's rows and their checks, before the PUT.
import type { MarkingSchemeInput, Question, QuestionStep } from "../api/types";
import { i18n } from "../i18n";

const { t } = i18n.global;

export interface QuestionDraft {
  /** Stable v-for key while rows move. */
  key: number;
  label: string;
  /** What the number input holds: a number, or "" while empty or unreadable. */
  maxPoints: number | string;
  step: QuestionStep;
}

export const STEPS: readonly QuestionStep[] = [0.25, 0.5, 1];

let nextKey = 1;

export function newQuestion(label = "", maxPoints: number | string = 1, step: QuestionStep = 0.5): QuestionDraft {
  return { key: nextKey++, label, maxPoints, step };
}

export function draftsFrom(questions: readonly Question[]): QuestionDraft[] {
  return questions.length > 0 ? questions.map((q) => newQuestion(q.label, q.maxPoints, q.step)) : [newQuestion(t("scheme.defaultLabel", { n: 1 }))];
}

export function toNumber(value: number | string): number {
  if (typeof value === "number") return value;
  const text = value.trim().replace(",", ".");
  return text === "" ? Number.NaN : Number(text);
}

/** Sum of the readable points (unreadable rows count as 0 until fixed). */
export function totalOf(rows: readonly QuestionDraft[]): number {
  return rows.reduce((sum, row) => {
    const points = toNumber(row.maxPoints);
    return Number.isFinite(points) && points > 0 ? sum + points : sum;
  }, 0);
}

const quarter = (v: number) => Number.isFinite(v) && v > 0 && Math.abs(v * 4 - Math.round(v * 4)) < 1e-9;

/** The request body, or the French reason it cannot be sent yet. */
export function schemeInput(rows: readonly QuestionDraft[], reportScale: number | string): { input: MarkingSchemeInput } | { error: string } {
  if (rows.length === 0) return { error: t("scheme.needOne") };
  if (rows.some((row) => row.label.trim() === "")) return { error: t("scheme.needLabel") };
  if (rows.some((row) => !quarter(toNumber(row.maxPoints)))) return { error: t("scheme.badPoints") };
  if (rows.some((row) => !Number.isInteger(toNumber(row.maxPoints) / row.step))) return { error: t("scheme.offStep") };
  const scale = toNumber(reportScale);
  if (!Number.isFinite(scale) || scale <= 0) return { error: t("scheme.badScale") };
  return {
    input: {
      questions: rows.map((row) => ({ label: row.label.trim(), maxPoints: toNumber(row.maxPoints), step: row.step })),
      reportScale: scale,
    },
  };
}

/** Moves row `from` by `delta` places; a new array, the rows themselves untouched. */
export function moved<T>(rows: readonly T[], from: number, delta: number): T[] {
  const to = from + delta;
  if (to < 0 || to >= rows.length) return [...rows];
  const copy = [...rows];
  const [row] = copy.splice(from, 1);
  copy.splice(to, 0, row as T);
  return copy;
}
