// The copy open in the grading editor: its pages, marking scheme and rubric, the teacher's lock
// on it (heartbeat, take-over, loss), the draft being edited with its undo history, autosave
// (If-Match, merge on 412, kept in IndexedDB until the server has it) and finalization. Also
// the list of exams a teacher grades, for their home page.
import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api, ApiError } from "../api/client";
import type {
  Annotation,
  DraftContent,
  ExamDocument,
  GradingCopy,
  GradingDraft,
  GradingExamInfo,
  GradingPage,
  MissingScores,
  QuestionRubric,
  RubricItemInput,
  RubricItemPatch,
  RubricMode,
} from "../api/types";
import { Autosave, type SaveOutcome } from "../components/grading/autosave";
import { contentOf, emptyContent, sameValue } from "../components/grading/draft";
import * as edits from "../components/grading/edits";
import { History } from "../components/grading/history";
import { forgetLock, HEARTBEAT_MS, heldByThisTab, heldLock, refusedLock, rememberLock, type LockState } from "../components/grading/lock";
import { mergeDrafts, resolveConflicts, type MergeResult, type Side } from "../components/grading/merge";
import { isUnreachable, PendingDrafts, retryDelay, toRestore } from "../components/grading/offline";
import { errorMessage, inlineErrorMessage, loadErrorMessage } from "../errors";
import { i18n } from "../i18n";
import { loadableList } from "./loadable";

const { t } = i18n.global;

/** How often a finalizing copy is asked for its state. */
export const POLL_MS = 1000;
/** How long leaving the editor waits for the last save before releasing the lock. */
const LEAVE_SAVE_MS = 3000;

/** What the save badge says. */
export type SaveStatus = "saved" | "saving" | "offline" | "error" | "conflict" | "kept";

/** The exams the signed-in teacher grades, with their progress. */
export const useTeacherExamsStore = defineStore("teacherExams", () => loadableList(async () => (await api.gradingExams()).exams));

const newId = () => crypto.randomUUID();

function isDraft(value: unknown): value is GradingDraft {
  return typeof value === "object" && value !== null && typeof (value as GradingDraft).version === "number" && Array.isArray((value as GradingDraft).annotations);
}

export const useGradingStore = defineStore("grading", () => {
  const copyId = ref<string | null>(null);
  const copy = shallowRef<GradingCopy | null>(null);
  const exam = shallowRef<GradingExamInfo | null>(null);
  const pages = shallowRef<GradingPage[]>([]);
  const rubric = shallowRef<QuestionRubric[]>([]);
  const documents = shallowRef<ExamDocument[]>([]);
  const loadError = ref<string | null>(null);
  const lock = shallowRef<LockState>({ kind: "none" });

  /** What the editor shows and edits. */
  const content = shallowRef<DraftContent>(emptyContent());
  /** The server's version the edits stand on (If-Match) — the base of a merge. */
  const saved = shallowRef<GradingDraft | null>(null);
  /** Edits not yet confirmed by the server. */
  const unsaved = ref(false);
  /** How the last save ended, for the badge. */
  const lastSave = ref<"ok" | "offline" | "error">("ok");
  const saveError = ref<string | null>(null);
  /** A merge whose conflicts the teacher must settle before anything more is saved. */
  const merge = shallowRef<MergeResult | null>(null);
  /** Unsaved edits from this browser were put back on opening the copy. */
  const restored = ref(false);
  /** This browser keeps unsaved edits of the copy that could not be put back (no lock). */
  const keptLocally = ref(false);
  const canUndo = ref(false);
  const canRedo = ref(false);

  const finalizing = ref(false);
  const finalizeError = ref<string | null>(null);
  const missing = shallowRef<MissingScores["questions"]>([]);

  const rubricMessage = ref<string | null>(null);
  const rubricError = ref<string | null>(null);

  const pending = new PendingDrafts();
  /** The server's draft a conflict is with: the base of the edits once it is settled. */
  let conflictWith: GradingDraft | null = null;
  let history = new History<DraftContent>(emptyContent());
  let autosave: Autosave | null = null;
  /** Bumped on every edit: a save knows whether what it sent is still the latest. */
  let revision = 0;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let poll: ReturnType<typeof setTimeout> | undefined;

  const questions = computed(() => exam.value?.questions ?? []);
  const rules = computed<edits.ScoringRules>(() => ({ questions: questions.value, rubric: rubric.value }));
  const token = computed(() => (lock.value.kind === "held" ? lock.value.token : null));
  const editable = computed(() => token.value !== null && copy.value?.status === "LOCKED" && !finalizing.value);

  const saveStatus = computed<SaveStatus>(() => {
    if (merge.value) return "conflict";
    if (unsaved.value && lock.value.kind === "lost") return "kept";
    if (lastSave.value === "error") return "error";
    if (lastSave.value === "offline" && unsaved.value) return "offline";
    return unsaved.value ? "saving" : "saved";
  });

  // ---- the draft and its history

  function syncHistory(): void {
    canUndo.value = history.canUndo;
    canRedo.value = history.canRedo;
  }

  function keepPending(): void {
    const id = copyId.value;
    const base = saved.value;
    if (!id || !base) return;
    void pending.keep({ copyId: id, baseVersion: base.version, base: contentOf(base), content: content.value, keptAt: Date.now() });
  }

  /** After any edit: remembered in the browser at once, sent to the server shortly. */
  function edited(): void {
    revision += 1;
    unsaved.value = true;
    if (lastSave.value === "error") lastSave.value = "ok";
    saveError.value = null;
    syncHistory();
    keepPending();
    autosave?.changed();
  }

  /** key: a run of edits with the same key is one undo step (a comment typed letter by letter). */
  function change(next: DraftContent, key: string | null = null): void {
    if (!editable.value || merge.value || sameValue(next, content.value)) return;
    history.push(next, key);
    content.value = next;
    edited();
  }

  /** Content replaced outside the teacher's hand (merge, rubric re-scored): no undo step. */
  function replace(next: DraftContent): void {
    history.replace(next);
    content.value = next;
    edited();
  }

  function undo(): void {
    if (!editable.value || merge.value) return;
    const previous = history.undo();
    if (previous) {
      content.value = previous;
      edited();
    }
  }

  function redo(): void {
    if (!editable.value || merge.value) return;
    const next = history.redo();
    if (next) {
      content.value = next;
      edited();
    }
  }

  const setAnnotations = (next: Annotation[]) => change(edits.setAnnotations(content.value, next));
  const setScore = (questionId: string, value: number | null | undefined) => change(edits.setScore(content.value, rules.value, questionId, value), `score:${questionId}`);
  const backToRubric = (questionId: string) => change(edits.backToRubric(content.value, rules.value, questionId));
  const toggleItem = (questionId: string, itemId: string) => change(edits.toggleItem(content.value, rules.value, questionId, itemId));
  const setComment = (comment: string) => change(edits.setComment(content.value, comment), "comment");
  const placeScore = (questionId: string, at: edits.PagePoint) => change(edits.placeScore(content.value, questionId, at, newId()));

  function stampItem(itemId: string, at: edits.PagePoint): void {
    const question = rubric.value.find((q) => q.items.some((i) => i.id === itemId));
    if (question) change(edits.stampItem(content.value, rules.value, question.questionId, itemId, at, newId()));
  }

  // ---- saving

  function savedAs(draft: GradingDraft, sentRevision: number): void {
    saved.value = draft;
    lastSave.value = "ok";
    saveError.value = null;
    if (revision !== sentRevision) return keepPending();
    // The server's copy of what we sent (with the scores it derived) is now the present.
    const confirmed = contentOf(draft);
    if (!sameValue(confirmed, content.value)) {
      // Same annotations: the editor keeps its objects (it draws each object once).
      if (sameValue(confirmed.annotations, content.value.annotations)) confirmed.annotations = content.value.annotations;
      history.replace(confirmed);
      content.value = confirmed;
    }
    unsaved.value = false;
    void pending.forget(draft.copyId);
  }

  /** 412: the server's version moved on under our edits; merge, or ask the teacher. */
  async function stale(id: string, error: ApiError, base: GradingDraft): Promise<SaveOutcome> {
    const theirs = isDraft(error.details) ? error.details : (await api.getDraft(id)).draft;
    if (copyId.value !== id) return "halt";
    const result = mergeDrafts(contentOf(base), content.value, contentOf(theirs));
    if (result.conflicts.length > 0) {
      // Until the teacher chooses, the kept edits stay on their old base: reopened, the copy asks again.
      merge.value = result;
      conflictWith = theirs;
      return "halt";
    }
    saved.value = theirs;
    replace(edits.withDerivedScores(result.content, rules.value));
    return "again";
  }

  async function saveOnce(): Promise<SaveOutcome> {
    const id = copyId.value;
    const base = saved.value;
    const lockToken = token.value;
    if (!id || !base || !lockToken || merge.value) return "halt";
    const sentRevision = revision;
    const sent = content.value;
    try {
      const { draft } = await api.saveDraft(id, base.version, lockToken, sent);
      if (copyId.value !== id) return "halt";
      savedAs(draft, sentRevision);
      return "done";
    } catch (e) {
      if (copyId.value !== id) return "halt";
      return saveFailed(id, e, base);
    }
  }

  async function saveFailed(id: string, e: unknown, base: GradingDraft): Promise<SaveOutcome> {
    if (e instanceof ApiError && e.code === "STALE_VERSION") return stale(id, e, base).catch((again: unknown) => saveFailed(id, again, base));
    if (e instanceof ApiError && (e.code === "LOCK_REQUIRED" || e.code === "LOCK_LOST")) {
      lockLost();
      return "halt";
    }
    if (isUnreachable(e)) {
      lastSave.value = "offline";
      return "retry";
    }
    lastSave.value = "error";
    saveError.value = errorMessage(e);
    return "halt";
  }

  /** The teacher's choice for each conflict; then the result is saved over the server's version. */
  function settle(choices: Record<string, Side>): void {
    const result = merge.value;
    if (!result || !conflictWith) return;
    merge.value = null;
    saved.value = conflictWith;
    conflictWith = null;
    replace(edits.withDerivedScores(resolveConflicts(result, choices), rules.value));
  }

  /** The connection is back: send what waits now. */
  function retrySaves(): void {
    autosave?.retryNow();
  }

  // ---- the lock

  function stopHeartbeat(): void {
    clearInterval(heartbeat);
    heartbeat = undefined;
  }

  function lockLost(): void {
    stopHeartbeat();
    if (copyId.value) forgetLock(copyId.value);
    lock.value = { kind: "lost" };
    keepPending();
  }

  async function beat(id: string, lockToken: string): Promise<void> {
    try {
      const { lock: renewed } = await api.renewLock(id, lockToken);
      if (token.value === lockToken) lock.value = heldLock(renewed);
    } catch (e) {
      // A missed beat is harmless (the lock lives 10 min); a lost lock is not.
      if (token.value === lockToken && e instanceof ApiError && e.status === 409) lockLost();
    }
  }

  async function acquire(takeOver = false): Promise<void> {
    const id = copyId.value;
    if (!id) return;
    lock.value = { kind: "acquiring" };
    try {
      const { lock: taken } = await api.lockCopy(id, takeOver);
      if (copyId.value !== id) return;
      lock.value = heldLock(taken);
      rememberLock(id, taken.token);
      if (copy.value) copy.value = { ...copy.value, status: "LOCKED" };
      stopHeartbeat();
      heartbeat = setInterval(() => void beat(id, taken.token), HEARTBEAT_MS);
      await restore(id);
    } catch (e) {
      if (copyId.value !== id) return;
      const refused = refusedLock(e);
      // This tab held it before a reload: it is ours to take back without asking.
      if (refused.kind === "elsewhere" && !takeOver && heldByThisTab(id)) return acquire(true);
      lock.value = refused;
    }
  }

  /** The teacher chose only to look at a copy they grade elsewhere. */
  function readOnly(): void {
    if (lock.value.kind === "elsewhere") lock.value = { kind: "none" };
  }

  /** Edits this browser kept for the copy are put back and saved (from the version they started on). */
  async function restore(id: string): Promise<void> {
    const server = saved.value;
    if (!server) return;
    const kept = toRestore(await pending.read(id), server);
    keptLocally.value = false;
    if (!kept || copyId.value !== id) return;
    saved.value = { ...server, ...kept.base, version: kept.baseVersion };
    history.reset(kept.content);
    content.value = kept.content;
    restored.value = true;
    edited();
  }

  // ---- opening and leaving a copy

  function reset(): void {
    stopHeartbeat();
    clearTimeout(poll);
    autosave?.stop();
    autosave = null;
    copyId.value = null;
    copy.value = exam.value = saved.value = merge.value = conflictWith = null;
    pages.value = rubric.value = documents.value = missing.value = [];
    lock.value = { kind: "none" };
    content.value = emptyContent();
    history = new History<DraftContent>(emptyContent());
    syncHistory();
    unsaved.value = restored.value = keptLocally.value = finalizing.value = false;
    lastSave.value = "ok";
    loadError.value = saveError.value = finalizeError.value = rubricMessage.value = rubricError.value = null;
  }

  async function loadExamSide(examId: string): Promise<void> {
    const [rubricAnswer, documentsAnswer] = await Promise.allSettled([api.getRubric(examId), api.examDocuments(examId)]);
    if (rubricAnswer.status === "fulfilled") rubric.value = rubricAnswer.value.questions;
    if (documentsAnswer.status === "fulfilled") documents.value = documentsAnswer.value.documents;
  }

  /** Opens a copy; teachers take its lock when it can be graded (admins only read). */
  async function open(id: string, asGrader: boolean): Promise<void> {
    reset();
    copyId.value = id;
    autosave = new Autosave({ save: saveOnce, retryDelay });
    try {
      const [workspace, { draft }] = await Promise.all([api.getCopy(id), api.getDraft(id)]);
      if (copyId.value !== id) return;
      copy.value = workspace.copy;
      exam.value = workspace.exam;
      pages.value = [...workspace.pages].sort((a, b) => a.position - b.position);
      saved.value = draft;
      content.value = contentOf(draft);
      history.reset(content.value);
      await loadExamSide(workspace.exam.id);
    } catch (e) {
      if (copyId.value === id) loadError.value = loadErrorMessage(e);
      return;
    }
    if (copyId.value !== id) return;
    const status = copy.value?.status;
    if (status === "FINALIZING") schedulePoll(id);
    if (asGrader && (status === "READY" || status === "LOCKED")) await acquire();
    const server = saved.value;
    if (lock.value.kind !== "held" && server && copyId.value === id) keptLocally.value = toRestore(await pending.read(id), server) !== null;
  }

  /** Saves what waits (briefly), releases the lock, and forgets the copy. */
  async function close(): Promise<void> {
    const id = copyId.value;
    const lockToken = token.value;
    const saving = autosave;
    stopHeartbeat();
    if (id && lockToken) {
      if (saving) await Promise.race([saving.flush(), new Promise((resolve) => setTimeout(resolve, LEAVE_SAVE_MS))]);
      await api.releaseLock(id, lockToken).catch(() => undefined);
      forgetLock(id);
    }
    if (copyId.value === id) reset();
  }

  /** The page is going away: release the lock by a request that outlives it (the tab remembers it for a reload). */
  function releaseOnExit(): void {
    const id = copyId.value;
    if (id && token.value) void api.releaseLock(id, token.value, true).catch(() => undefined);
  }

  // ---- finalizing

  function schedulePoll(id: string): void {
    clearTimeout(poll);
    poll = setTimeout(() => void refreshCopy(id), POLL_MS);
  }

  async function refreshCopy(id: string): Promise<void> {
    try {
      const { copy: latest } = await api.getCopy(id);
      if (copyId.value !== id) return;
      copy.value = latest;
    } catch {
      // Polled again below: a blip does not end the wait.
    }
    if (copyId.value === id && copy.value?.status === "FINALIZING") schedulePoll(id);
  }

  function finalized(id: string, next: GradingCopy): void {
    copy.value = next;
    stopHeartbeat();
    forgetLock(id);
    lock.value = { kind: "none" };
    void pending.forget(id);
    schedulePoll(id);
  }

  /** Saves, then asks the server to build the graded PDF; follows it until GRADED or FAILED. */
  async function finalize(): Promise<void> {
    const id = copyId.value;
    if (!id || !editable.value) return;
    finalizing.value = true;
    finalizeError.value = null;
    missing.value = [];
    try {
      const savedAll = autosave ? await autosave.flush() : true;
      const version = saved.value?.version;
      const lockToken = token.value;
      if (!savedAll || unsaved.value || merge.value || version === undefined || !lockToken) {
        finalizeError.value = t("grading.finalize.saveFirst");
        return;
      }
      const { copy: next } = await api.finalizeCopy(id, lockToken, version);
      if (copyId.value === id) finalized(id, next);
    } catch (e) {
      if (copyId.value !== id) return;
      if (e instanceof ApiError && e.code === "MISSING_SCORES") missing.value = (e.details as MissingScores | undefined)?.questions ?? [];
      if (e instanceof ApiError && e.code === "LOCK_REQUIRED") lockLost();
      finalizeError.value = inlineErrorMessage(e);
    } finally {
      finalizing.value = false;
    }
  }

  /** A failed finalization, started again (its grader or an admin). */
  async function retryFinalize(): Promise<void> {
    const id = copyId.value;
    if (!id) return;
    finalizeError.value = null;
    try {
      const { copy: next } = await api.retryCopy(id);
      if (copyId.value === id) finalized(id, next);
    } catch (e) {
      if (copyId.value === id) finalizeError.value = inlineErrorMessage(e);
    }
  }

  // ---- the rubric, shared by the exam's graders

  async function reloadRubric(examId: string): Promise<void> {
    rubric.value = (await api.getRubric(examId)).questions;
    // Scores that follow the rubric follow its new values (the server did the same).
    const rescored = edits.withDerivedScores(content.value, rules.value);
    if (editable.value && !merge.value && !sameValue(rescored, content.value)) replace(rescored);
  }

  async function rubricAction(run: (examId: string) => Promise<string | null>): Promise<boolean> {
    const examId = exam.value?.id;
    if (!examId) return false;
    rubricMessage.value = rubricError.value = null;
    try {
      rubricMessage.value = await run(examId);
      await reloadRubric(examId);
      return true;
    } catch (e) {
      rubricError.value = inlineErrorMessage(e);
      return false;
    }
  }

  const rescoredMessage = (copies: number, regenerated: number) => t("grading.rubric.rescored", { copies: t("grading.rubric.copies", copies), pdfs: t("grading.rubric.pdfs", regenerated) });

  const addItem = (questionId: string, input: Omit<RubricItemInput, "questionId">) =>
    rubricAction(async (examId) => {
      await api.addRubricItem(examId, { ...input, questionId });
      return t("grading.rubric.added");
    });

  const editItem = (itemId: string, patch: RubricItemPatch) =>
    rubricAction(async () => {
      const { rescored } = await api.updateRubricItem(itemId, patch);
      return rescoredMessage(rescored.copies, rescored.regenerated);
    });

  const setMode = (questionId: string, mode: RubricMode) =>
    rubricAction(async () => {
      const { rescored } = await api.setRubricMode(questionId, mode);
      return rescoredMessage(rescored.copies, rescored.regenerated);
    });

  return {
    copyId,
    copy,
    exam,
    pages,
    rubric,
    documents,
    loadError,
    lock,
    content,
    saved,
    unsaved,
    saveStatus,
    saveError,
    merge,
    restored,
    keptLocally,
    canUndo,
    canRedo,
    editable,
    questions,
    finalizing,
    finalizeError,
    missing,
    rubricMessage,
    rubricError,
    open,
    close,
    releaseOnExit,
    acquire,
    readOnly,
    setAnnotations,
    setScore,
    backToRubric,
    toggleItem,
    setComment,
    placeScore,
    stampItem,
    undo,
    redo,
    settle,
    retrySaves,
    finalize,
    retryFinalize,
    addItem,
    editItem,
    setMode,
  };
});
