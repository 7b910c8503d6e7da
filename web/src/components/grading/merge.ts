// Three-way merge of a draft when the server's version moved on under our edits (412): `base`
// is the version our edits started from, `mine` the editor's content, `theirs` the server's.
// Whatever only one side changed is taken from it; annotations merge by id (ours win, and what
// we deleted stays deleted); applied rubric items merge one by one. A score or the comment that
// both sides changed differently is a conflict the teacher settles: nothing is dropped silently.
import type { Annotation, DraftContent } from "../../api/types";
import { sameValue } from "./draft";

export type Side = "mine" | "theirs";

export type Conflict =
  | { kind: "score"; questionId: string; mine: number | null | undefined; theirs: number | null | undefined }
  | { kind: "comment"; mine: string; theirs: string };

export interface MergeResult {
  /** The merge, holding our side of each conflict until the teacher chooses. */
  content: DraftContent;
  conflicts: Conflict[];
}

/** One side's change wins; the same change on both sides is no conflict. */
function threeWay<T>(base: T, mine: T, theirs: T): { value: T; conflict: boolean } {
  if (sameValue(mine, base)) return { value: theirs, conflict: false };
  if (sameValue(theirs, base) || sameValue(mine, theirs)) return { value: mine, conflict: false };
  return { value: mine, conflict: true };
}

export function mergeAnnotations(base: readonly Annotation[], mine: readonly Annotation[], theirs: readonly Annotation[]): Annotation[] {
  const byId = (list: readonly Annotation[]) => new Map(list.map((a) => [a.id, a]));
  const [b, m, t] = [byId(base), byId(mine), byId(theirs)];
  const merged: Annotation[] = [];
  for (const their of theirs) {
    const ours = m.get(their.id);
    // Ours when both are the same: the editor keeps drawing the objects it has.
    if (ours) merged.push(sameValue(ours, their) || !sameValue(ours, b.get(their.id)) ? ours : their);
    else if (!b.has(their.id)) merged.push(their); // theirs is new; one we deleted stays deleted
  }
  for (const ours of mine) {
    if (t.has(ours.id)) continue;
    const original = b.get(ours.id);
    // Ours is new, or they deleted one we changed since (kept: ours win).
    if (!original || !sameValue(ours, original)) merged.push(ours);
  }
  return merged;
}

function mergeItems(base: readonly string[], mine: readonly string[], theirs: readonly string[]): string[] {
  const all = [...new Set([...theirs, ...mine])];
  return all.filter((id) => (mine.includes(id) === base.includes(id) ? theirs.includes(id) : mine.includes(id)));
}

function mergeRubric(base: DraftContent, mine: DraftContent, theirs: DraftContent): Record<string, string[]> {
  const questions = new Set([...Object.keys(base.rubric), ...Object.keys(mine.rubric), ...Object.keys(theirs.rubric)]);
  const rubric: Record<string, string[]> = {};
  for (const q of questions) {
    const items = mergeItems(base.rubric[q] ?? [], mine.rubric[q] ?? [], theirs.rubric[q] ?? []);
    if (items.length > 0) rubric[q] = items;
  }
  return rubric;
}

function mergeOverrides(base: DraftContent, mine: DraftContent, theirs: DraftContent): string[] {
  return mergeItems(base.overrides, mine.overrides, theirs.overrides);
}

export function mergeDrafts(base: DraftContent, mine: DraftContent, theirs: DraftContent): MergeResult {
  const conflicts: Conflict[] = [];
  const rubric = mergeRubric(base, mine, theirs);
  const overrides = mergeOverrides(base, mine, theirs);
  const scores: Record<string, number | null> = {};
  const questions = new Set([...Object.keys(base.scores), ...Object.keys(mine.scores), ...Object.keys(theirs.scores)]);
  for (const q of questions) {
    const { value, conflict } = threeWay(base.scores[q], mine.scores[q], theirs.scores[q]);
    if (value !== undefined) scores[q] = value;
    // A question that follows its rubric gets its score from the merged items: no conflict.
    const derived = (rubric[q] ?? []).length > 0 && !overrides.includes(q);
    if (conflict && !derived) conflicts.push({ kind: "score", questionId: q, mine: mine.scores[q], theirs: theirs.scores[q] });
  }
  const comment = threeWay(base.comment, mine.comment, theirs.comment);
  if (comment.conflict) conflicts.push({ kind: "comment", mine: mine.comment, theirs: theirs.comment });
  const annotations = mergeAnnotations(base.annotations, mine.annotations, theirs.annotations);
  return { content: { annotations, scores, comment: comment.value, rubric, overrides }, conflicts };
}

export function conflictKey(conflict: Conflict): string {
  return conflict.kind === "score" ? `score:${conflict.questionId}` : "comment";
}

/** The merge with the teacher's choice for each conflict (ours where they chose nothing). */
export function resolveConflicts(result: MergeResult, choices: Readonly<Record<string, Side>>): DraftContent {
  const content: DraftContent = { ...result.content, scores: { ...result.content.scores } };
  for (const conflict of result.conflicts) {
    if (choices[conflictKey(conflict)] !== "theirs") continue;
    if (conflict.kind === "comment") content.comment = conflict.theirs;
    else if (conflict.theirs === undefined) delete content.scores[conflict.questionId];
    else content.scores[conflict.questionId] = conflict.theirs;
  }
  return content;
}
