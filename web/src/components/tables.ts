// The tables of the home pages, shown by ListPanel: exams (admins and teachers) and staff (admins).
import type { Exam, StaffUser } from "../api/types";
import { i18n } from "../i18n";
import { useExamsStore } from "../stores/exams";
import { useUsersStore } from "../stores/users";
import type { ListTable } from "./ListPanel.vue";

const { t, d } = i18n.global;

/** Exam dates are calendar days (YYYY-MM-DD): read them in local time, not UTC. */
function day(value: string): Date {
  return new Date(`${value}T00:00:00`);
}

export const examTable: ListTable<Exam> = {
  columns: [
    { heading: "exams.title", text: (exam) => exam.title },
    { heading: "exams.subject", text: (exam) => exam.subject },
    { heading: "exams.date", text: (exam) => d(day(exam.date), "day") },
    { heading: "exams.classes", text: (exam) => exam.classNames.join(", ") },
    { heading: "exams.questions", text: (exam) => exam.questionCount },
    { heading: "exams.scale", text: (exam) => t("exams.scaleValue", { total: exam.totalPoints, scale: exam.reportScale }) },
    { heading: "exams.status", text: (exam) => t(`exams.statuses.${exam.status}`), badge: true },
  ],
  store: useExamsStore,
  empty: "exams.empty",
  testid: "exam-list",
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
