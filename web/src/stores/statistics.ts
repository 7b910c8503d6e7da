// An exam's statistics (marks on its report scale, per class, per question) and its title,
// for the statistics page of admins and graders.
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import { api } from "../api/client";
import type { Exam, StatisticsDto } from "../api/types";
import { loadErrorMessage } from "../errors";

export const useStatisticsStore = defineStore("statistics", () => {
  const examId = ref<string | null>(null);
  const exam = shallowRef<Exam | null>(null);
  const statistics = shallowRef<StatisticsDto | null>(null);
  const error = ref<string | null>(null);

  async function load(id: string): Promise<void> {
    examId.value = id;
    exam.value = statistics.value = null;
    error.value = null;
    try {
      const [examAnswer, statsAnswer] = await Promise.all([api.getExam(id), api.examStatistics(id)]);
      if (examId.value !== id) return;
      exam.value = examAnswer.exam;
      statistics.value = statsAnswer.statistics;
    } catch (e) {
      if (examId.value === id) error.value = loadErrorMessage(e);
    }
  }

  return { examId, exam, statistics, error, load };
});
