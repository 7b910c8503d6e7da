// The exam's copies in the administrators' table: filters, how each cell reads, and which
// actions each copy offers.
import type { CopySummary, ExamGrader } from "../../api/types";
import { formatNumber } from "../../format";
import { i18n } from "../../i18n";
import { normalize, studentName } from "../desk";
import type { StatusFilter } from "../grading/copyList";

const { t } = i18n.global;

/** ALL: every copy; NONE: copies dispatched to nobody; otherwise a grader's id. */
export interface CopyFilter {
  status: StatusFilter;
  grader: string;
  query: string;
}

export const ALL = "ALL";
export const NONE = "NONE";

export function emptyFilter(): CopyFilter {
  return { status: ALL, grader: ALL, query: "" };
}

/** The words typed must all appear in the anonymous code or the student's name and class. */
export function filterCopies(copies: readonly CopySummary[], filter: CopyFilter): CopySummary[] {
  const words = normalize(filter.query).split(" ").filter(Boolean);
  return copies.filter((c) => {
    if (filter.status !== ALL && c.status !== filter.status) return false;
    if (filter.grader === NONE ? c.grader !== null : filter.grader !== ALL && c.grader?.id !== filter.grader) return false;
    const text = normalize([c.anonymousCode, c.student ? `${studentName(c.student)} ${c.student.className}` : ""].join(" "));
    return words.every((w) => text.includes(w));
  });
}

export function studentLabel(copy: Pick<CopySummary, "student">): string {
  return copy.student ? `${studentName(copy.student)} (${copy.student.className})` : "—";
}

/** "12,5 / 20" once graded (out of the scheme's points, when it has some), else a dash. */
export function scoreLabel(copy: Pick<CopySummary, "totalScore">, totalPoints: number): string {
  if (copy.totalScore === null) return "—";
  return totalPoints > 0 ? `${formatNumber(copy.totalScore)} / ${formatNumber(totalPoints)}` : formatNumber(copy.totalScore);
}

/** A lock lasts minutes: the time it ends is enough. */
const clock = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit" });

export function lockLabel(copy: Pick<CopySummary, "lock">): string {
  return copy.lock ? t("gradingAdmin.copies.lockedBy", { holder: copy.lock.holder, until: clock.format(new Date(copy.lock.expiresAt)) }) : "—";
}

export interface CopyActions {
  breakLock: boolean;
  reopen: boolean;
  download: boolean;
}

/** A held lock can be broken; a graded copy can be reopened and its PDF downloaded. */
export function copyActions(copy: Pick<CopySummary, "status" | "lock">): CopyActions {
  const graded = copy.status === "GRADED";
  return { breakLock: copy.lock !== null, reopen: graded, download: graded };
}

/** The exam's graders to choose from, plus the copy's own grader if no longer one of them. */
export function graderOptions(graders: readonly ExamGrader[], copy: Pick<CopySummary, "grader">): { id: string; displayName: string }[] {
  const options = graders.map((g) => ({ id: g.id, displayName: g.displayName }));
  if (copy.grader && !options.some((o) => o.id === copy.grader!.id)) options.push(copy.grader);
  return options;
}
