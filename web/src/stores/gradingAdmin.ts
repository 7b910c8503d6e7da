// The grading side of an exam's page for administrators: the exam's graders (chosen among the
// school's teachers) and the dispatch of its copies, then the copies with their grader, lock and
// state. Changes throw ApiError; the panels that make them show the message next to themselves,
// and every change reloads graders and copies (counts, holders and states move together).
import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api } from "../api/client";
import type { CopyHistoryEvent, CopySummary, DispatchMode, ExamGrader } from "../api/types";
import { graderChoices } from "../components/grading-admin/graders";
import { loadErrorMessage } from "../errors";
import { useExamsStore } from "./exams";
import { useUsersStore } from "./users";

export const useGradingAdminStore = defineStore("gradingAdmin", () => {
  const examId = ref<string | null>(null);
  const graders = shallowRef<ExamGrader[]>([]);
  const copies = shallowRef<CopySummary[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const users = useUsersStore();
  const exams = useExamsStore();

  /** The teachers an admin may tick as graders. */
  const choices = computed(() => graderChoices(users.items, graders.value));
  /** Why the school's teachers could not be listed (the graders panel says it). */
  const choicesError = computed(() => users.error);

  function current(): string {
    if (!examId.value) throw new Error("No exam is open");
    return examId.value;
  }

  /** Loads the exam's graders and copies, and the school's staff to choose graders from. */
  async function open(id: string): Promise<void> {
    examId.value = id;
    graders.value = copies.value = [];
    error.value = null;
    loading.value = true;
    try {
      const [g, c] = await Promise.all([api.examGraders(id), api.examCopies(id), users.load()]);
      if (examId.value !== id) return;
      graders.value = g.graders;
      copies.value = c.copies;
    } catch (e) {
      if (examId.value === id) error.value = loadErrorMessage(e);
    } finally {
      if (examId.value === id) loading.value = false;
    }
  }

  /** Reloads graders and copies, keeping what is shown until the answer comes. */
  async function refresh(): Promise<void> {
    const id = current();
    const [g, c] = await Promise.all([api.examGraders(id), api.examCopies(id)]);
    if (examId.value !== id) return;
    graders.value = g.graders;
    copies.value = c.copies;
  }

  async function setGraders(userIds: readonly string[]): Promise<void> {
    const id = current();
    const answer = await api.setExamGraders(id, userIds);
    if (examId.value === id) graders.value = answer.graders;
  }

  /** Shares the copies out; resolves to the graders with their new counts. */
  async function dispatch(mode: DispatchMode, redistribute: boolean): Promise<ExamGrader[]> {
    await api.dispatchCopies(current(), { mode, redistribute });
    await refresh();
    return graders.value;
  }

  async function reassign(copyId: string, userId: string): Promise<void> {
    await api.reassignCopy(copyId, userId);
    await refresh();
  }

  /** The copy goes back to READY: the exam's copy counts change too. */
  async function breakLock(copyId: string): Promise<void> {
    await api.breakCopyLock(copyId);
    await refresh();
    void exams.refresh();
  }

  /** The copy goes back to READY (its graded PDF stays in its history). */
  async function reopen(copyId: string): Promise<void> {
    await api.reopenCopy(copyId);
    await refresh();
    void exams.refresh();
  }

  async function history(copyId: string): Promise<CopyHistoryEvent[]> {
    return (await api.copyHistory(copyId)).events;
  }

  /** Leaving the exam's page: an answer still on its way is dropped. */
  function close(): void {
    examId.value = null;
    graders.value = copies.value = [];
    error.value = null;
    loading.value = false;
  }

  return { examId, graders, copies, loading, error, choices, choicesError, open, refresh, setGraders, dispatch, reassign, breakLock, reopen, history, close };
});
