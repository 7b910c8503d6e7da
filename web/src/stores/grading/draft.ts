// The draft as the editor shows it: its content with the undo history, the teacher's edits (each
// also recomputes the scores the rubric gives), and the server's version it stands on. Every
// change but the server's confirmation is announced through `edited`, for the saving side.
import { ref, shallowRef } from "vue";
import type { Annotation, DraftContent, GradingDraft } from "../../api/types";
import { contentOf, emptyContent, fieldsOf, sameValue } from "../../components/grading/draft";
import * as edits from "../../components/grading/edits";
import { History } from "../../components/grading/history";

export interface DraftOptions {
  /** Whether the teacher may change the draft now (lock held, nothing to settle first). */
  canEdit: () => boolean;
  rules: () => edits.ScoringRules;
  edited: () => void;
}

export type Draft = ReturnType<typeof useDraft>;

const newId = () => crypto.randomUUID();

export function useDraft({ canEdit, rules, edited }: DraftOptions) {
  /** What the editor shows and edits. */
  const content = shallowRef<DraftContent>(emptyContent());
  /** The server's version the edits stand on (If-Match) — the base of a merge. */
  const saved = shallowRef<GradingDraft | null>(null);
  const canUndo = ref(false);
  const canRedo = ref(false);
  const history = new History<DraftContent>(emptyContent());

  function show(next: DraftContent): void {
    content.value = next;
    canUndo.value = history.canUndo;
    canRedo.value = history.canRedo;
  }

  /** The server's draft as it is (or none): nothing to undo, nothing to save. */
  function start(server: GradingDraft | null): void {
    saved.value = server;
    const initial = server ? contentOf(server) : emptyContent();
    history.reset(initial);
    show(initial);
  }

  /** Edits kept from an earlier visit, put back on the version they started from. */
  function resume(base: GradingDraft, kept: DraftContent): void {
    saved.value = base;
    history.reset(kept);
    show(kept);
    edited();
  }

  /** The server's copy of what was sent (with the scores it derived) becomes the present: no step. */
  function confirm(server: GradingDraft): void {
    // A save's answer is the server's copy of what was sent: compared as it is, not copied first.
    const confirmed = fieldsOf(server);
    if (sameValue(confirmed, content.value)) return;
    // Same annotations: the editor keeps its objects (it draws each object once).
    if (sameValue(confirmed.annotations, content.value.annotations)) confirmed.annotations = content.value.annotations;
    history.replace(confirmed);
    show(confirmed);
  }

  /** key: a run of edits with the same key is one undo step (a comment typed letter by letter). */
  function change(next: DraftContent, key: string | null = null): void {
    if (!canEdit() || sameValue(next, content.value)) return;
    history.push(next, key);
    show(next);
    edited();
  }

  /** Content replaced outside the teacher's hand (merge, rubric re-scored): no undo step. */
  function replace(next: DraftContent): void {
    history.replace(next);
    show(next);
    edited();
  }

  /** The edits now stand on the server's version `base`, merged into `next`. */
  function rebase(base: GradingDraft, next: DraftContent): void {
    saved.value = base;
    replace(edits.withDerivedScores(next, rules()));
  }

  /** The rubric changed: scores that follow it follow its new values (the server did the same). */
  function rescore(): void {
    const rescored = edits.withDerivedScores(content.value, rules());
    if (canEdit() && !sameValue(rescored, content.value)) replace(rescored);
  }

  function step(to: DraftContent | null): void {
    if (!to) return;
    show(to);
    edited();
  }

  function undo(): void {
    if (canEdit()) step(history.undo());
  }

  function redo(): void {
    if (canEdit()) step(history.redo());
  }

  const setAnnotations = (next: Annotation[]) => change(edits.setAnnotations(content.value, next));
  const setScore = (questionId: string, value: number | null | undefined) => change(edits.setScore(content.value, rules(), questionId, value), `score:${questionId}`);
  const backToRubric = (questionId: string) => change(edits.backToRubric(content.value, rules(), questionId));
  const toggleItem = (questionId: string, itemId: string) => change(edits.toggleItem(content.value, rules(), questionId, itemId));
  const setComment = (comment: string) => change(edits.setComment(content.value, comment), "comment");
  const placeScore = (questionId: string, at: edits.PagePoint) => change(edits.placeScore(content.value, questionId, at, newId()));
  const placeComment = (text: string, color: string, at: edits.PagePoint) => change(edits.placeComment(content.value, text, color, at, newId()));

  function stampItem(itemId: string, at: edits.PagePoint): void {
    const question = rules().rubric.find((q) => q.items.some((i) => i.id === itemId));
    if (question) change(edits.stampItem(content.value, rules(), question.questionId, itemId, at, newId()));
  }

  return {
    content,
    saved,
    canUndo,
    canRedo,
    start,
    resume,
    confirm,
    rebase,
    rescore,
    undo,
    redo,
    setAnnotations,
    setScore,
    backToRubric,
    toggleItem,
    setComment,
    placeScore,
    placeComment,
    stampItem,
  };
}
