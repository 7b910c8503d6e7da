// What the access codes page shows of a class, of its students, and of the codes just made.
import type { AccessCodeClassDto, AccessCodeScope, AccessCodeStudentDto, CodeIssueDto } from "../../api/types";
import { formatDateTime } from "../../format";
import { studentName } from "../desk";
import { i18n } from "../../i18n";

const { t } = i18n.global;

/** The slips and CSV of an issue can be downloaded until it expires (30 minutes on the server). */
export function issueExpired(issue: Pick<CodeIssueDto, "expiresAt">, now: number): boolean {
  return new Date(issue.expiresAt).getTime() <= now;
}

/** "12 codes générés, téléchargeables jusqu'à 14:35 (30 minutes)". */
export function issueLine(issue: Pick<CodeIssueDto, "count" | "expiresAt">): string {
  const until = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit" }).format(new Date(issue.expiresAt));
  return t("accessCodes.issued", { count: issue.count, until }, issue.count);
}

/** "28 / 30" of the class's students who have a code. */
export function coverage(cls: Pick<AccessCodeClassDto, "students" | "withCode">): string {
  return `${cls.withCode} / ${cls.students}`;
}

export function lastIssued(cls: Pick<AccessCodeClassDto, "lastIssuedAt">): string {
  return cls.lastIssuedAt ? formatDateTime(cls.lastIssuedAt) : t("accessCodes.never");
}

/** Making new codes for everyone replaces codes students have: asked first when some do. */
export function needsConfirm(cls: Pick<AccessCodeClassDto, "withCode">, scope: AccessCodeScope): boolean {
  return scope === "all" && cls.withCode > 0;
}

/** Nothing to make: every student of the class has a code already. */
export function nothingMissing(cls: Pick<AccessCodeClassDto, "students" | "withCode">): boolean {
  return cls.withCode >= cls.students;
}

/** "code attribué le 3 déc. 2026 à 14:05", or "pas de code". */
export function studentCode(student: Pick<AccessCodeStudentDto, "hasCode" | "codeIssuedAt">): string {
  if (!student.hasCode) return t("accessCodes.students.noCode");
  return student.codeIssuedAt ? t("accessCodes.students.codeSince", { at: formatDateTime(student.codeIssuedAt) }) : t("accessCodes.students.hasCode");
}

/** A disabled account cannot be given a code (the server refuses it). */
export function canReissue(student: Pick<AccessCodeStudentDto, "disabled">): boolean {
  return !student.disabled;
}

/** Asked before making a student a new code: what it ends when they already have one. */
export function reissueQuestion(student: Pick<AccessCodeStudentDto, "lastName" | "firstName" | "hasCode">): string {
  const name = studentName(student);
  return student.hasCode ? t("accessCodes.students.confirmReplace", { name }) : t("accessCodes.students.confirmFirst", { name });
}
