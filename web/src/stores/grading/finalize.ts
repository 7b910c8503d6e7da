// Finalizing the copy: everything saved first, then the server builds the graded PDF, and the
// copy is asked for its state until it is GRADED or FAILED. A failed one can be started again.
import { ref, shallowRef, type Ref, type ShallowRef } from "vue";
import { api, ApiError } from "../../api/client";
import type { GradingCopy, MissingScores } from "../../api/types";
import { inlineErrorMessage } from "../../errors";
import { i18n } from "../../i18n";

const { t } = i18n.global;

/** How often a finalizing copy is asked for its state. */
export const POLL_MS = 1000;

export interface FinalizeOptions {
  copyId: Readonly<Ref<string | null>>;
  copy: ShallowRef<GradingCopy | null>;
  /** Whether the teacher may finalize the copy now (they hold its lock). */
  editable: Readonly<Ref<boolean>>;
  token: Readonly<Ref<string | null>>;
  /** Saves what waits: the version the server then has, or null if anything is left unsaved. */
  saveAll: () => Promise<number | null>;
  lockLost: () => void;
  /** The copy is finalizing: its lock has ended and its kept edits are on the server. */
  finalized: (copyId: string) => void;
}

export function useFinalize({ copyId, copy, editable, token, saveAll, lockLost, finalized }: FinalizeOptions) {
  const finalizing = ref(false);
  const finalizeError = ref<string | null>(null);
  const missing = shallowRef<MissingScores["questions"]>([]);
  let poll: ReturnType<typeof setTimeout> | undefined;

  /** Asks for the copy's state again shortly, until it is no longer finalizing. */
  function follow(id: string): void {
    clearTimeout(poll);
    poll = setTimeout(() => void refresh(id), POLL_MS);
  }

  async function refresh(id: string): Promise<void> {
    try {
      const { copy: latest } = await api.getCopy(id);
      if (copyId.value !== id) return;
      copy.value = latest;
    } catch {
      // Polled again below: a blip does not end the wait.
    }
    if (copyId.value === id && copy.value?.status === "FINALIZING") follow(id);
  }

  function started(id: string, next: GradingCopy): void {
    copy.value = next;
    finalized(id);
    follow(id);
  }

  /** Saves, then asks the server to build the graded PDF; follows it until GRADED or FAILED. */
  async function finalize(): Promise<void> {
    const id = copyId.value;
    if (!id || !editable.value) return;
    finalizing.value = true;
    finalizeError.value = null;
    missing.value = [];
    try {
      const version = await saveAll();
      const lockToken = token.value;
      if (version === null || !lockToken) {
        finalizeError.value = t("grading.finalize.saveFirst");
        return;
      }
      const { copy: next } = await api.finalizeCopy(id, lockToken, version);
      if (copyId.value === id) started(id, next);
    } catch (e) {
      if (copyId.value !== id) return;
      if (e instanceof ApiError && e.code === "MISSING_SCORES") missing.value = (e.details as MissingScores | undefined)?.questions ?? [];
      if (e instanceof ApiError && e.code === "LOCK_REQUIRED") lockLost();
      finalizeError.value = inlineErrorMessage(e);
    } finally {
      finalizing.value = false;
    }
  }

  /** A failed finalization, started again (its grader or an admin). */
  async function retryFinalize(): Promise<void> {
    const id = copyId.value;
    if (!id) return;
    finalizeError.value = null;
    try {
      const { copy: next } = await api.retryCopy(id);
      if (copyId.value === id) started(id, next);
    } catch (e) {
      if (copyId.value === id) finalizeError.value = inlineErrorMessage(e);
    }
  }

  function reset(): void {
    clearTimeout(poll);
    finalizing.value = false;
    finalizeError.value = null;
    missing.value = [];
  }

  return { finalizing, finalizeError, missing, follow, finalize, retryFinalize, reset };
}
