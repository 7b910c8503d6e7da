// The state of a form that saves to the server, and the one way its outcome is set.
import { reactive } from "vue";
import { inlineErrorMessage } from "../errors";

/**
 * pending while a save runs (another submit meanwhile is ignored); then error, the refusal to
 * show next to the form (null when the global notice already reports it), or success, the
 * confirmation. Both are already translated.
 */
export function useSaving() {
  const state = reactive({ pending: false, error: null as string | null, success: null as string | null });

  /** Runs save, which resolves to the confirmation to show; onError also sees a failure. */
  async function run(save: () => Promise<string | null>, onError?: (e: unknown) => void): Promise<void> {
    if (state.pending) return;
    state.pending = true;
    state.error = state.success = null;
    try {
      state.success = await save();
    } catch (e) {
      state.error = inlineErrorMessage(e);
      onError?.(e);
    } finally {
      state.pending = false;
    }
  }

  /** Shows an outcome found without asking the server: a value it would refuse, nothing to save… */
  function show(outcome: { error?: string; success?: string }): void {
    if (state.pending) return;
    state.error = outcome.error ?? null;
    state.success = outcome.success ?? null;
  }

  return Object.assign(state, { run, show });
}
