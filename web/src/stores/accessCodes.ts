// Students' access codes, class by class: who has one, making new ones, and the last codes made
// for each class, whose slips and CSV can be downloaded for a while (the server keeps them
// 30 minutes, never stored in clear).
import { defineStore } from "pinia";
import { shallowRef } from "vue";
import { api } from "../api/client";
import type { AccessCodeClassDto, AccessCodeScope, CodeIssueDto } from "../api/types";
import { loadableList } from "./loadable";

export const useAccessCodesStore = defineStore("accessCodes", () => {
  const classes = loadableList<AccessCodeClassDto>(async () => (await api.accessCodeClasses()).classes);
  /** The last issue of each class (by class name) made on this page. */
  const issues = shallowRef<Readonly<Record<string, CodeIssueDto>>>({});

  /** Makes codes for the class (everyone or those who have none); throws the server's refusal. */
  async function issue(className: string, scope: AccessCodeScope): Promise<CodeIssueDto> {
    const { issue: made } = await api.issueAccessCodes({ className, scope });
    issues.value = { ...issues.value, [className]: made };
    void classes.load();
    return made;
  }

  return { ...classes, issues, issue };
});
