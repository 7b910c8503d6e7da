// The edits a teacher makes to a draft, as pure functions from one content to the next (the
// history keeps each result). A question with rubric items applied gets its score from them,
// unless the teacher typed one (then it is in `overrides` until they go back to the rubric).
import type { Annotation, DraftContent, Question, QuestionRubric } from "../../api/types";
import { derivedScore } from "./rubric";

export interface ScoringRules {
  questions: readonly Question[];
  rubric: readonly QuestionRubric[];
}

/** A point on a page: `page` is the page's position (from 1), x and y are 0–1. */
export interface PagePoint {
  page: number;
  x: number;
  y: number;
}

function derivedFor(content: DraftContent, rules: ScoringRules, question: Question): number | undefined {
  const applied = content.rubric[question.id] ?? [];
  if (applied.length === 0 || content.overrides.includes(question.id)) return undefined;
  const rubric = rules.rubric.find((r) => r.questionId === question.id);
  const points = applied.map((id) => rubric?.items.find((i) => i.id === id)?.points);
  // An archived item is no longer listed: only the server knows its points, keep its score.
  if (points.some((p) => p === undefined)) return undefined;
  return derivedScore(rubric?.mode ?? question.rubricMode, question.maxPoints, points as number[]);
}

/** The scores of questions that follow their rubric, computed again (after any change). */
export function withDerivedScores(content: DraftContent, rules: ScoringRules): DraftContent {
  const scores = { ...content.scores };
  for (const question of rules.questions) {
    const derived = derivedFor(content, rules, question);
    if (derived !== undefined) scores[question.id] = derived;
  }
  return { ...content, scores };
}

const without = (list: readonly string[], id: string) => list.filter((x) => x !== id);

/** A typed score (undefined: the field emptied, null: left blank on purpose). */
export function setScore(content: DraftContent, rules: ScoringRules, questionId: string, value: number | null | undefined): DraftContent {
  const followsRubric = (content.rubric[questionId] ?? []).length > 0;
  const scores = { ...content.scores };
  let overrides = without(content.overrides, questionId);
  if (value === undefined) delete scores[questionId];
  else scores[questionId] = value;
  // Emptying the field of a rubric-scored question gives it back its derived score.
  if (followsRubric && value !== undefined) overrides = [...overrides, questionId];
  return withDerivedScores({ ...content, scores, overrides }, rules);
}

export function backToRubric(content: DraftContent, rules: ScoringRules, questionId: string): DraftContent {
  return withDerivedScores({ ...content, overrides: without(content.overrides, questionId) }, rules);
}

export function toggleItem(content: DraftContent, rules: ScoringRules, questionId: string, itemId: string): DraftContent {
  const applied = content.rubric[questionId] ?? [];
  const next = applied.includes(itemId) ? without(applied, itemId) : [...applied, itemId];
  const rubric = { ...content.rubric, [questionId]: next };
  const scores = { ...content.scores };
  if (next.length === 0) {
    delete rubric[questionId];
    // Nothing applied any more: the question is not scored until the teacher says.
    if (!content.overrides.includes(questionId)) delete scores[questionId];
  }
  return withDerivedScores({ ...content, rubric, scores }, rules);
}

export function setComment(content: DraftContent, comment: string): DraftContent {
  return { ...content, comment };
}

export function setAnnotations(content: DraftContent, annotations: Annotation[]): DraftContent {
  return { ...content, annotations };
}

/** A rubric item stamped on the page, and applied to the copy if it was not yet. */
export function stampItem(content: DraftContent, rules: ScoringRules, questionId: string, itemId: string, at: PagePoint, id: string): DraftContent {
  const stamped = { ...content, annotations: [...content.annotations, { id, type: "rubric" as const, itemId, ...at }] };
  return (content.rubric[questionId] ?? []).includes(itemId) ? stamped : toggleItem(stamped, rules, questionId, itemId);
}

/** A comment of the exam's library put down in a bubble (its own copy of the text). */
export function placeComment(content: DraftContent, text: string, color: string, at: PagePoint, id: string): DraftContent {
  return { ...content, annotations: [...content.annotations, { id, type: "comment", color, text, ...at }] };
}

/** Where a question's score is written on the page: one place per question, the last one chosen. */
export function placeScore(content: DraftContent, questionId: string, at: PagePoint, id: string): DraftContent {
  const others = content.annotations.filter((a) => !(a.type === "score" && a.questionId === questionId));
  return { ...content, annotations: [...others, { id, type: "score", questionId, ...at }] };
}
