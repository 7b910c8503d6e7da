// Edits kept in this browser (IndexedDB) until the server has them: put back and saved when the
// copy is opened again with its lock; opened without it, the page only says some are kept.
import { ref, type Ref } from "vue";
import { contentOf } from "../../components/grading/draft";
import { PendingDrafts, toRestore } from "../../components/grading/offline";
import type { Draft } from "./draft";

export type KeptEdits = ReturnType<typeof useKeptEdits>;

export function useKeptEdits(copyId: Readonly<Ref<string | null>>, draft: Draft) {
  const pending = new PendingDrafts();
  /** Unsaved edits from this browser were put back on opening the copy. */
  const restored = ref(false);
  /** This browser keeps unsaved edits of the copy that could not be put back (no lock). */
  const keptLocally = ref(false);

  function keep(): void {
    const id = copyId.value;
    const base = draft.saved.value;
    if (!id || !base) return;
    void pending.keep({ copyId: id, baseVersion: base.version, base: contentOf(base), content: draft.content.value, keptAt: Date.now() });
  }

  function forget(id: string): void {
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

  function reset(): void {
    restored.value = keptLocally.value = false;
  }

  return { restored, keptLocally, keep, forget, restore, check, reset };
}
