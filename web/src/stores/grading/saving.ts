// Saving the draft: each edit is kept in this browser at once and sent shortly after (autosave),
// with If-Match on the version it stands on. A save refused as stale is merged (conflicts.ts)
// and sent again; one that cannot reach the server is tried again later; a lost lock stops all.
import { computed, ref, type Ref } from "vue";
import { api, ApiError } from "../../api/client";
import type { GradingDraft } from "../../api/types";
import { Autosave, type SaveOutcome } from "../../components/grading/autosave";
import { isUnreachable, retryDelay } from "../../components/grading/offline";
import { errorMessage } from "../../errors";
import type { Conflicts } from "./conflicts";
import type { Draft } from "./draft";
import type { KeptEdits } from "./kept";
import type { CopyLock } from "./lock";

/** How long leaving the editor waits for the last save before releasing the lock. */
const LEAVE_SAVE_MS = 3000;

/** What the save badge says. */
export type SaveStatus = "saved" | "saving" | "offline" | "error" | "conflict" | "kept";

export interface SavingOptions {
  copyId: Readonly<Ref<string | null>>;
  draft: Draft;
  kept: KeptEdits;
  conflicts: Conflicts;
  lock: Pick<CopyLock, "lock" | "token" | "lose">;
}

export function useDraftSaving({ copyId, draft, kept, conflicts, lock }: SavingOptions) {
  /** Edits not yet confirmed by the server. */
  const unsaved = ref(false);
  /** How the last save ended, for the badge. */
  const lastSave = ref<"ok" | "offline" | "error">("ok");
  const saveError = ref<string | null>(null);
  let autosave: Autosave | null = null;
  /** Bumped on every edit: a save knows whether what it sent is still the latest. */
  let revision = 0;

  const saveStatus = computed<SaveStatus>(() => {
    if (conflicts.merge.value) return "conflict";
    if (unsaved.value && lock.lock.value.kind === "lost") return "kept";
    if (lastSave.value === "error") return "error";
    if (lastSave.value === "offline" && unsaved.value) return "offline";
    return unsaved.value ? "saving" : "saved";
  });

  /** After any edit: remembered in the browser at once, sent to the server shortly. */
  function edited(): void {
    revision += 1;
    unsaved.value = true;
    if (lastSave.value === "error") lastSave.value = "ok";
    saveError.value = null;
    kept.keep();
    autosave?.changed();
  }

  function savedAs(server: GradingDraft, sentRevision: number): void {
    draft.saved.value = server;
    lastSave.value = "ok";
    saveError.value = null;
    if (revision !== sentRevision) return kept.keep();
    draft.confirm(server);
    unsaved.value = false;
    kept.forget(server.copyId);
  }

  async function saveOnce(): Promise<SaveOutcome> {
    const id = copyId.value;
    const base = draft.saved.value;
    const lockToken = lock.token.value;
    if (!id || !base || !lockToken || conflicts.merge.value) return "halt";
    const sentRevision = revision;
    try {
      const { draft: server } = await api.saveDraft(id, base.version, lockToken, draft.content.value);
      if (copyId.value !== id) return "halt";
      savedAs(server, sentRevision);
      return "done";
    } catch (e) {
      if (copyId.value !== id) return "halt";
      return saveFailed(id, e, base);
    }
  }

  async function saveFailed(id: string, e: unknown, base: GradingDraft): Promise<SaveOutcome> {
    if (e instanceof ApiError && e.code === "STALE_VERSION") return conflicts.stale(id, e, base).catch((again: unknown) => saveFailed(id, again, base));
    if (e instanceof ApiError && (e.code === "LOCK_REQUIRED" || e.code === "LOCK_LOST")) {
      lock.lose();
      return "halt";
    }
    if (isUnreachable(e)) {
      lastSave.value = "offline";
      return "retry";
    }
    lastSave.value = "error";
    saveError.value = errorMessage(e);
    return "halt";
  }

  /** A copy is opened: its edits are saved from now on. */
  function start(): void {
    autosave = new Autosave({ save: saveOnce, retryDelay });
  }

  /** Saves what waits: the version the server then has, or null if anything is left unsaved. */
  async function flush(): Promise<number | null> {
    const savedAll = autosave ? await autosave.flush() : true;
    const version = draft.saved.value?.version;
    return !savedAll || unsaved.value || conflicts.merge.value || version === undefined ? null : version;
  }

  /** Leaving the copy: the last save gets a moment, not more. */
  async function flushBriefly(): Promise<void> {
    if (autosave) await Promise.race([autosave.flush(), new Promise((resolve) => setTimeout(resolve, LEAVE_SAVE_MS))]);
  }

  /** The connection is back: send what waits now. */
  function retrySaves(): void {
    autosave?.retryNow();
  }

  function reset(): void {
    autosave?.stop();
    autosave = null;
    unsaved.value = false;
    lastSave.value = "ok";
    saveError.value = null;
  }

  return { unsaved, saveError, saveStatus, edited, start, flush, flushBriefly, retrySaves, reset };
}
