// The tables of the home pages, shown by ListPanel: exams (admins and teachers) and staff (admins).
import type { Exam, StaffUser } from "../api/types";
import { calendarDay } from "../format";
import { i18n } from "../i18n";
import { useExamsStore } from "../stores/exams";
import { useUsersStore } from "../stores/users";
import { copyCountTags } from "./batches";
import type { ListColumn, ListTable } from "./ListPanel.vue";

const { t, d } = i18n.global;

const examColumns: readonly ListColumn<Exam>[] = [
  { heading: "exams.title", text: (exam) => exam.title },
  { heading: "exams.subject", text: (exam) => exam.subject },
  { heading: "exams.date", text: (exam) => d(calendarDay(exam.date), "day") },
  { heading: "exams.classes", text: (exam) => exam.classNames.join(", ") },
  { heading: "exams.questions", text: (exam) => exam.questionCount },
  { heading: "exams.scale", text: (exam) => t("exams.scaleValue", { total: exam.totalPoints, scale: exam.reportScale }) },
  { heading: "exams.status", text: (exam) => t(`exams.statuses.${exam.status}`), badge: true },
];

export const examTable: ListTable<Exam> = {
  columns: examColumns,
  store: useExamsStore,
  empty: "exams.empty",
  testid: "exam-list",
};

/** The administrators' list: each title opens the exam's page, and copies are counted by status. */
export const adminExamTable: ListTable<Exam> = {
  ...examTable,
  columns: [
    { ...examColumns[0]!, link: (exam) => `/admin/examens/${exam.id}` },
    ...examColumns.slice(1),
    { heading: "exams.copies", text: () => "—", tags: copyCountTags },
  ],
};

export const staffTable: ListTable<StaffUser> = {
  columns: [
    { heading: "users.name", text: (user) => user.displayName },
    { heading: "users.email", text: (user) => user.email },
    { heading: "users.role", text: (user) => t(`users.roles.${user.role}`) },
    {
      heading: "users.state",
      text: (user) => (user.disabled ? t("users.disabled") : t("users.active")),
      badge: (user) => (user.disabled ? "ko" : "ok"),
    },
    { heading: "users.lastLogin", text: (user) => (user.lastLoginAt ? d(new Date(user.lastLoginAt), "dateTime") : t("users.never")) },
  ],
  store: useUsersStore,
  empty: "users.empty",
  testid: "staff-list",
};
