// Edits kept in this browser (IndexedDB) until the server has them: put back and saved when the
// copy is opened again with its lock; opened without it, the page only says some are kept.
import { ref, type Ref } from "vue";
import { fieldsOf } from "../../components/grading/draft";
import { PendingDrafts, toRestore } from "../../components/grading/offline";
import type { Draft } from "./draft";

export type KeptEdits = ReturnType<typeof useKeptEdits>;

/**
 * Edits are written to IndexedDB this long after the last one, not in the input handler: a
 * write copies the whole draft (tens of ms with hundreds of annotations), which would stall
 * the frame in which a stroke ends (bench:editor). Still well before the autosave (1–2 s).
 */
export const KEEP_DELAY_MS = 300;

export function useKeptEdits(copyId: Readonly<Ref<string | null>>, draft: Draft) {
  const pending = new PendingDrafts();
  /** Unsaved edits from this browser were put back on opening the copy. */
  const restored = ref(false);
  /** This browser keeps unsaved edits of the copy that could not be put back (no lock). */
  const keptLocally = ref(false);

  let scheduled: ReturnType<typeof setTimeout> | undefined;
  let idle: number | undefined;

  /**
   * Writes the edits as they are when it runs: later edits within the delay share one write,
   * done when the browser is idle (between two strokes) if it says when it is.
   */
  function keep(): void {
    if (scheduled !== undefined || idle !== undefined) return;
    scheduled = setTimeout(() => {
      scheduled = undefined;
      if (typeof requestIdleCallback === "function") idle = requestIdleCallback(flush, { timeout: KEEP_DELAY_MS });
      else flush();
    }, KEEP_DELAY_MS);
  }

  function flush(): void {
    idle = undefined;
    const id = copyId.value;
    const base = draft.saved.value;
    if (!id || !base) return;
    // The pending store makes the one plain copy IndexedDB needs, of base and edits together.
    void pending.keep({ copyId: id, baseVersion: base.version, base: fieldsOf(base), content: draft.content.value, keptAt: Date.now() });
  }

  function cancel(): void {
    clearTimeout(scheduled);
    if (idle !== undefined) cancelIdleCallback(idle);
    scheduled = idle = undefined;
  }

  /** The server has everything: nothing to keep (a write still waiting would keep stale edits). */
  function forget(id: string): void {
    cancel();
    void pending.forget(id);
  }

  /** The kept edits, from the version they started on, become the draft (and are saved). */
  async function restore(id: string): Promise<void> {
    const server = draft.saved.value;
    if (!server) return;
    const kept = toRestore(await pending.read(id), server);
    keptLocally.value = false;
    if (!kept || copyId.value !== id) return;
    draft.resume({ ...server, ...kept.base, version: kept.baseVersion }, kept.content);
    restored.value = true;
  }

  /** Opened without the lock: whether this browser keeps edits the server does not have. */
  async function check(id: string): Promise<void> {
    const server = draft.saved.value;
    if (server && copyId.value === id) keptLocally.value = toRestore(await pending.read(id), server) !== null;
  }

  /** Writes at once what waits to be written (the copy is closed or the page goes away). */
  function flushNow(): void {
    if (scheduled !== undefined || idle !== undefined) {
      cancel();
      flush();
    }
  }

  function reset(): void {
    flushNow();
    restored.value = keptLocally.value = false;
  }

  return { restored, keptLocally, keep, flushNow, forget, restore, check, reset };
}
