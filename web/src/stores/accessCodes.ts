// Students' access codes, class by class: who has one, making new ones, and the last codes made
// for each class, whose slips and CSV can be downloaded for a while (the server keeps them
// 30 minutes, never stored in clear). A class's students are loaded when the admin opens it,
// to give one student a new code (a lost slip, a code someone else learned).
import { defineStore } from "pinia";
import { shallowRef } from "vue";
import { api } from "../api/client";
import type { AccessCodeClassDto, AccessCodeScope, AccessCodeStudentDto, CodeIssueDto } from "../api/types";
import { loadErrorMessage } from "../errors";
import { loadableList } from "./loadable";

/** A class's students as last loaded, or why they could not be. */
export interface ClassStudents {
  students: AccessCodeStudentDto[];
  loading: boolean;
  error: string | null;
}

export const useAccessCodesStore = defineStore("accessCodes", () => {
  const classes = loadableList<AccessCodeClassDto>(async () => (await api.accessCodeClasses()).classes);
  /** The last issue of each class (by class name) made on this page. */
  const issues = shallowRef<Readonly<Record<string, CodeIssueDto>>>({});
  /** The students of each class opened on this page (by class name). */
  const rosters = shallowRef<Readonly<Record<string, ClassStudents>>>({});
  /** The last code made for one student on this page (by student id). */
  const studentIssues = shallowRef<Readonly<Record<string, CodeIssueDto>>>({});

  function setRoster(className: string, roster: ClassStudents): void {
    rosters.value = { ...rosters.value, [className]: roster };
  }

  /** Loads the class's students; a failure is kept in the class's roster to show it there. */
  async function loadStudents(className: string): Promise<void> {
    setRoster(className, { students: rosters.value[className]?.students ?? [], loading: true, error: null });
    try {
      setRoster(className, { students: (await api.accessCodeStudents(className)).students, loading: false, error: null });
    } catch (e) {
      setRoster(className, { students: rosters.value[className]?.students ?? [], loading: false, error: loadErrorMessage(e) });
    }
  }

  /** What changed with new codes: the classes' counts, and the class's students if opened. */
  function refresh(className: string): void {
    void classes.load();
    if (rosters.value[className]) void loadStudents(className);
  }

  /** Makes codes for the class (everyone or those who have none); throws the server's refusal. */
  async function issue(className: string, scope: AccessCodeScope): Promise<CodeIssueDto> {
    const { issue: made } = await api.issueAccessCodes({ className, scope });
    issues.value = { ...issues.value, [className]: made };
    // New codes for everyone void the students' own earlier codes: their downloads would be empty.
    if (scope === "all") {
      const replaced = new Set(rosters.value[className]?.students.map((s) => s.id));
      studentIssues.value = Object.fromEntries(Object.entries(studentIssues.value).filter(([id]) => !replaced.has(id)));
    }
    refresh(className);
    return made;
  }

  /** Makes a new code for one student of the class, ending their sessions; throws the server's refusal. */
  async function reissue(className: string, studentId: string): Promise<CodeIssueDto> {
    const { issue: made } = await api.reissueAccessCode(studentId);
    studentIssues.value = { ...studentIssues.value, [studentId]: made };
    refresh(className);
    return made;
  }

  return { ...classes, issues, rosters, studentIssues, loadStudents, issue, reissue };
});
