// Exams visible to the signed-in staff member.
import { defineStore } from "pinia";
import { ref } from "vue";
import { api } from "../api/client";
import type { Exam } from "../api/types";
import { loadErrorMessage } from "../errors";

export const useExamsStore = defineStore("exams", () => {
  const exams = ref<Exam[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);

  async function load(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      exams.value = (await api.listExams()).exams;
    } catch (e) {
      error.value = loadErrorMessage(e);
    } finally {
      loading.value = false;
    }
  }

  return { exams, loading, error, load };
});
