import { z } from "zod";

export const IssueInput = z.object({
  className: z.string().trim().min(1, "Choisissez une classe.").max(100),
  /** "missing": only the students who have no code yet (new arrivals); "all": everyone gets a new one. */
  scope: z.enum(["all", "missing"]),
});
export type IssueInput = z.infer<typeof IssueInput>;

export const StudentParams = z.object({ id: z.uuid() });
export const IssueParams = z.object({ issueId: z.uuid() });
export const ClassParams = z.object({ className: z.string().trim().min(1).max(100) });

export interface CodeIssueDto {
  id: string;
  /** Null when the issue is one student's new code. */
  className: string | null;
  count: number;
  expiresAt: string;
}

export interface AccessCodeClassDto {
  className: string;
  students: number;
  withCode: number;
  lastIssuedAt: string | null;
}

/** A student of a class as the access codes page lists them: whether they have a code, never the code. */
export interface AccessCodeStudentDto {
  id: string;
  lastName: string;
  firstName: string;
  login: string;
  disabled: boolean;
  hasCode: boolean;
  codeIssuedAt: string | null;
}
