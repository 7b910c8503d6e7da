// The copy open in the grading editor: its pages, marking scheme, rubric and documents, put
// together from the parts in ./grading/ — the teacher's lock on it (lock.ts), the draft being
// edited with its undo history (draft.ts), its saving (saving.ts, conflicts.ts, kept.ts),
// finalization (finalize.ts) and the shared rubric (rubric.ts). Also the list of exams a
// teacher grades, for their home page.
import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api } from "../api/client";
import type { ExamDocument, GradingCopy, GradingExamInfo, GradingPage, QuestionRubric } from "../api/types";
import type { ScoringRules } from "../components/grading/edits";
import { loadErrorMessage } from "../errors";
import { useConflicts } from "./grading/conflicts";
import { useDraft } from "./grading/draft";
import { useFinalize } from "./grading/finalize";
import { useKeptEdits } from "./grading/kept";
import { useCopyLock } from "./grading/lock";
import { useRubricEditing } from "./grading/rubric";
import { useCommentLibrary } from "./grading/comments";
import { useDraftSaving } from "./grading/saving";
import { loadableList } from "./loadable";

export { POLL_MS } from "./grading/finalize";
export type { SaveStatus } from "./grading/saving";

/** The exams the signed-in teacher grades, with their progress. */
export const useTeacherExamsStore = defineStore("teacherExams", () => loadableList(async () => (await api.gradingExams()).exams));

export const useGradingStore = defineStore("grading", () => {
  const copyId = ref<string | null>(null);
  const copy = shallowRef<GradingCopy | null>(null);
  const exam = shallowRef<GradingExamInfo | null>(null);
  const pages = shallowRef<GradingPage[]>([]);
  const rubric = shallowRef<QuestionRubric[]>([]);
  const documents = shallowRef<ExamDocument[]>([]);
  const loadError = ref<string | null>(null);

  const questions = computed(() => exam.value?.questions ?? []);
  const rules = computed<ScoringRules>(() => ({ questions: questions.value, rubric: rubric.value }));
  const editable = computed(() => copyLock.token.value !== null && copy.value?.status === "LOCKED" && !finalizer.finalizing.value);

  // The parts call one another through these hooks: a taken lock puts back the edits kept in the
  // browser, a lost one keeps them; every edit is saved; a finalized copy ends the lock.
  const copyLock = useCopyLock(copyId, {
    taken: async (id) => {
      if (copy.value) copy.value = { ...copy.value, status: "LOCKED" };
      await kept.restore(id);
    },
    lost: () => kept.keep(),
  });
  const draft = useDraft({ canEdit: () => editable.value && !conflicts.merge.value, rules: () => rules.value, edited: () => saving.edited() });
  const kept = useKeptEdits(copyId, draft);
  const conflicts = useConflicts(copyId, draft);
  const saving = useDraftSaving({ copyId, draft, kept, conflicts, lock: copyLock });
  const finalizer = useFinalize({
    copyId,
    copy,
    editable,
    token: copyLock.token,
    saveAll: saving.flush,
    lockLost: copyLock.lose,
    finalized: (id) => {
      copyLock.end(id);
      kept.forget(id);
    },
  });
  const rubricEditing = useRubricEditing({ examId: () => exam.value?.id, rubric, rescore: draft.rescore });
  const library = useCommentLibrary(() => exam.value?.id);

  function reset(): void {
    copyLock.reset();
    finalizer.reset();
    saving.reset();
    conflicts.reset();
    kept.reset();
    rubricEditing.reset();
    library.reset();
    draft.start(null);
    copyId.value = null;
    copy.value = exam.value = null;
    pages.value = rubric.value = documents.value = [];
    loadError.value = null;
  }

  async function loadExamSide(examId: string): Promise<void> {
    const [rubricAnswer, documentsAnswer] = await Promise.allSettled([api.getRubric(examId), api.examDocuments(examId), library.load(examId)]);
    if (rubricAnswer.status === "fulfilled") rubric.value = rubricAnswer.value.questions;
    if (documentsAnswer.status === "fulfilled") documents.value = documentsAnswer.value.documents;
  }

  /** Opens a copy; teachers take its lock when it can be graded (admins only read). */
  async function open(id: string, asGrader: boolean): Promise<void> {
    reset();
    copyId.value = id;
    saving.start();
    try {
      const [workspace, { draft: server }] = await Promise.all([api.getCopy(id), api.getDraft(id)]);
      if (copyId.value !== id) return;
      copy.value = workspace.copy;
      exam.value = workspace.exam;
      pages.value = [...workspace.pages].sort((a, b) => a.position - b.position);
      draft.start(server);
      await loadExamSide(workspace.exam.id);
    } catch (e) {
      if (copyId.value === id) loadError.value = loadErrorMessage(e);
      return;
    }
    if (copyId.value !== id) return;
    const status = copy.value?.status;
    if (status === "FINALIZING") finalizer.follow(id);
    if (asGrader && (status === "READY" || status === "LOCKED")) await copyLock.acquire();
    if (copyLock.lock.value.kind !== "held") await kept.check(id);
  }

  /** Saves what waits (briefly), releases the lock, and forgets the copy. */
  async function close(): Promise<void> {
    const id = copyId.value;
    await copyLock.release(saving.flushBriefly);
    if (copyId.value === id) reset();
  }

  return {
    copyId,
    copy,
    exam,
    pages,
    rubric,
    documents,
    loadError,
    lock: copyLock.lock,
    content: draft.content,
    saved: draft.saved,
    unsaved: saving.unsaved,
    saveStatus: saving.saveStatus,
    saveError: saving.saveError,
    merge: conflicts.merge,
    restored: kept.restored,
    keptLocally: kept.keptLocally,
    canUndo: draft.canUndo,
    canRedo: draft.canRedo,
    editable,
    questions,
    finalizing: finalizer.finalizing,
    finalizeError: finalizer.finalizeError,
    missing: finalizer.missing,
    rubricMessage: rubricEditing.rubricMessage,
    rubricError: rubricEditing.rubricError,
    comments: library.comments,
    commentsError: library.commentsError,
    open,
    close,
    /** The page goes away: the edits still waiting to be kept are written, the lock released. */
    releaseOnExit: () => {
      kept.flushNow();
      copyLock.releaseOnExit();
    },
    acquire: copyLock.acquire,
    readOnly: copyLock.readOnly,
    setAnnotations: draft.setAnnotations,
    setScore: draft.setScore,
    backToRubric: draft.backToRubric,
    toggleItem: draft.toggleItem,
    setComment: draft.setComment,
    placeScore: draft.placeScore,
    placeComment: draft.placeComment,
    stampItem: draft.stampItem,
    undo: draft.undo,
    redo: draft.redo,
    settle: conflicts.settle,
    retrySaves: saving.retrySaves,
    finalize: finalizer.finalize,
    retryFinalize: finalizer.retryFinalize,
    addItem: rubricEditing.addItem,
    editItem: rubricEditing.editItem,
    setMode: rubricEditing.setMode,
    removeItem: rubricEditing.removeItem,
    addComment: library.addComment,
    removeComment: library.removeComment,
  };
});
