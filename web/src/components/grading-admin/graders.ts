// Choosing an exam's graders among the school's teachers, and what a dispatch did.
import type { DispatchMode, ExamGrader, StaffUser } from "../../api/types";
import { i18n } from "../../i18n";

const { t } = i18n.global;

export interface GraderChoice {
  id: string;
  displayName: string;
  email: string;
  /** Copies of the exam dispatched to this teacher (0 when not a grader). */
  copies: number;
  /** A disabled account is listed only while it still grades the exam, so that it can be removed. */
  disabled: boolean;
}

/** The school's active teachers, and any current grader whose account was disabled since, by name. */
export function graderChoices(users: readonly StaffUser[], graders: readonly ExamGrader[]): GraderChoice[] {
  const copies = new Map(graders.map((g) => [g.id, g.copies]));
  return users
    .filter((u) => u.role === "TEACHER" && (!u.disabled || copies.has(u.id)))
    .map((u) => ({ id: u.id, displayName: u.displayName, email: u.email, copies: copies.get(u.id) ?? 0, disabled: u.disabled }))
    .sort((a, b) => a.displayName.localeCompare(b.displayName, "fr"));
}

/** The same teachers, in any order. */
export function sameIds(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return set.size === new Set(b).size && b.every((id) => set.has(id));
}

/** "Marie Curie : 12 copies · Paul Langevin : 11 copies". */
export function dispatchSummary(graders: readonly ExamGrader[]): string {
  return graders.map((g) => t("gradingAdmin.graders.share", { name: g.displayName, copies: t("gradingAdmin.graders.copyCount", g.copies) })).join(" · ");
}

const names = new Intl.ListFormat("fr", { type: "conjunction" });

/** The confirmation asked before a dispatch: which copies go to whom, and how. */
export function dispatchQuestion(mode: DispatchMode, redistribute: boolean, graders: readonly Pick<ExamGrader, "displayName">[]): string {
  const which = t(redistribute ? "gradingAdmin.graders.allCopies" : "gradingAdmin.graders.unassignedCopies");
  const key = mode === "even" ? "gradingAdmin.graders.confirmEven" : "gradingAdmin.graders.confirmClass";
  return t(key, { which, names: names.format(graders.map((g) => g.displayName)) }, graders.length);
}
