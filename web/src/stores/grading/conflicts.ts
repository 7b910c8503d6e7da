// A save refused with 412: the server's version moved on under the teacher's edits. Both sides
// are merged; where the same score or the comment changed on both, the teacher chooses which to
// keep, and nothing more is saved until then.
import { shallowRef, type Ref } from "vue";
import { api, type ApiError } from "../../api/client";
import type { GradingDraft } from "../../api/types";
import type { SaveOutcome } from "../../components/grading/autosave";
import { contentOf } from "../../components/grading/draft";
import { mergeDrafts, resolveConflicts, type MergeResult, type Side } from "../../components/grading/merge";
import type { Draft } from "./draft";

function isDraft(value: unknown): value is GradingDraft {
  return typeof value === "object" && value !== null && typeof (value as GradingDraft).version === "number" && Array.isArray((value as GradingDraft).annotations);
}

export type Conflicts = ReturnType<typeof useConflicts>;

export function useConflicts(copyId: Readonly<Ref<string | null>>, draft: Draft) {
  /** A merge whose conflicts the teacher must settle before anything more is saved. */
  const merge = shallowRef<MergeResult | null>(null);
  /** The server's draft a conflict is with: the base of the edits once it is settled. */
  let conflictWith: GradingDraft | null = null;

  /** Merges the server's version (sent with the 412, else asked for) with the edits made on `base`. */
  async function stale(id: string, error: ApiError, base: GradingDraft): Promise<SaveOutcome> {
    const theirs = isDraft(error.details) ? error.details : (await api.getDraft(id)).draft;
    if (copyId.value !== id) return "halt";
    const result = mergeDrafts(contentOf(base), draft.content.value, contentOf(theirs));
    if (result.conflicts.length > 0) {
      // Until the teacher chooses, the kept edits stay on their old base: reopened, the copy asks again.
      merge.value = result;
      conflictWith = theirs;
      return "halt";
    }
    draft.rebase(theirs, result.content);
    return "again";
  }

  /** The teacher's choice for each conflict; then the result is saved over the server's version. */
  function settle(choices: Record<string, Side>): void {
    const result = merge.value;
    if (!result || !conflictWith) return;
    const theirs = conflictWith;
    merge.value = null;
    conflictWith = null;
    draft.rebase(theirs, resolveConflicts(result, choices));
  }

  function reset(): void {
    merge.value = null;
    conflictWith = null;
  }

  return { merge, stale, settle, reset };
}
