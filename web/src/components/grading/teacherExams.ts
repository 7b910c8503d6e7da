// The teacher's home table: the exams they grade, each opening its copies, with their progress.
import type { GradingExam } from "../../api/types";
import { formatDay } from "../../format";
import { i18n } from "../../i18n";
import { useTeacherExamsStore } from "../../stores/grading";
import type { ListTable } from "../ListPanel.vue";

const { t } = i18n.global;

export const teacherExamTable: ListTable<GradingExam> = {
  columns: [
    { heading: "exams.title", text: (exam) => exam.title, link: (exam) => `/enseignant/examens/${exam.id}` },
    { heading: "exams.subject", text: (exam) => exam.subject },
    { heading: "exams.date", text: (exam) => formatDay(exam.date) },
    { heading: "exams.copies", text: (exam) => t("grading.home.progress", { graded: exam.myGraded, total: exam.myCopies }) },
    { heading: "exams.status", text: (exam) => t(`exams.statuses.${exam.status}`), badge: true },
  ],
  store: useTeacherExamsStore,
  empty: "grading.home.empty",
  testid: "teacher-exam-list",
};
