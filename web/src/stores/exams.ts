// Exams of the school: the list shown on the home pages, and the exam open on its page.
// Changes throw ApiError; the forms that make them show the message next to themselves.
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import { api } from "../api/client";
import type { Exam, ExamInput, MarkingSchemeInput } from "../api/types";
import { loadErrorMessage } from "../errors";
import { loadableList } from "./loadable";

export const useExamsStore = defineStore("exams", () => {
  const list = loadableList(async () => (await api.listExams()).exams);

  const current = shallowRef<Exam | null>(null);
  const currentLoading = ref(false);
  const currentError = ref<string | null>(null);

  /** Loads the exam for its page (the previous one is cleared first). */
  async function open(id: string): Promise<void> {
    if (current.value?.id !== id) current.value = null;
    currentLoading.value = true;
    currentError.value = null;
    try {
      current.value = (await api.getExam(id)).exam;
    } catch (e) {
      currentError.value = loadErrorMessage(e);
    } finally {
      currentLoading.value = false;
    }
  }

  /** Reloads the open exam without a loading state (copy counts after a batch, say). */
  async function refresh(): Promise<void> {
    const id = current.value?.id;
    if (!id) return;
    try {
      const { exam } = await api.getExam(id);
      if (current.value?.id === id) current.value = exam;
    } catch {
      // The page keeps what it shows; the next change or visit loads it again.
    }
  }

  function keep(exam: Exam): Exam {
    current.value = exam;
    return exam;
  }

  async function create(input: ExamInput): Promise<Exam> {
    return keep((await api.createExam(input)).exam);
  }

  /**
   * The server fills the fields a PATCH leaves out that have a default in its schema (layout,
   * nameBox) with that default rather than the exam's value: they are always sent, as they are
   * now unless the patch changes them.
   */
  async function update(id: string, patch: Partial<ExamInput>): Promise<Exam> {
    const exam = current.value?.id === id ? current.value : null;
    const body = exam ? { layout: exam.layout, nameBox: exam.nameBox, ...patch } : patch;
    return keep((await api.updateExam(id, body)).exam);
  }

  async function setMarkingScheme(id: string, scheme: MarkingSchemeInput): Promise<Exam> {
    return keep((await api.setMarkingScheme(id, scheme)).exam);
  }

  async function archive(id: string): Promise<Exam> {
    return keep((await api.archiveExam(id)).exam);
  }

  async function remove(id: string): Promise<void> {
    await api.deleteExam(id);
    if (current.value?.id === id) current.value = null;
    list.items.value = list.items.value.filter((exam) => exam.id !== id);
  }

  return { ...list, current, currentLoading, currentError, open, refresh, create, update, setMarkingScheme, archive, remove };
});
