// The teacher's lock on the open copy: taken (or taken over) on opening, renewed by a heartbeat,
// lost when the server says so, released on leaving. What a taken or a lost lock means for the
// draft is the caller's (hooks).
import { computed, shallowRef, type Ref } from "vue";
import { api, ApiError } from "../../api/client";
import { forgetLock, HEARTBEAT_MS, heldByThisTab, heldLock, refusedLock, rememberLock, type LockState } from "../../components/grading/lock";

export interface LockHooks {
  /** The lock is ours: the copy can be edited from now on. */
  taken: (copyId: string) => Promise<void>;
  /** The lock went elsewhere: nothing more can be saved. */
  lost: () => void;
}

export type CopyLock = ReturnType<typeof useCopyLock>;

export function useCopyLock(copyId: Readonly<Ref<string | null>>, hooks: LockHooks) {
  const lock = shallowRef<LockState>({ kind: "none" });
  const token = computed(() => (lock.value.kind === "held" ? lock.value.token : null));
  let heartbeat: ReturnType<typeof setInterval> | undefined;

  function stopHeartbeat(): void {
    clearInterval(heartbeat);
    heartbeat = undefined;
  }

  function lose(): void {
    stopHeartbeat();
    if (copyId.value) forgetLock(copyId.value);
    lock.value = { kind: "lost" };
    hooks.lost();
  }

  async function beat(id: string, lockToken: string): Promise<void> {
    try {
      const { lock: renewed } = await api.renewLock(id, lockToken);
      if (token.value === lockToken) lock.value = heldLock(renewed);
    } catch (e) {
      // A missed beat is harmless (the lock lives 10 min); a lost lock is not.
      if (token.value === lockToken && e instanceof ApiError && e.status === 409) lose();
    }
  }

  async function acquire(takeOver = false): Promise<void> {
    const id = copyId.value;
    if (!id) return;
    lock.value = { kind: "acquiring" };
    try {
      const { lock: taken } = await api.lockCopy(id, takeOver);
      if (copyId.value !== id) return;
      lock.value = heldLock(taken);
      rememberLock(id, taken.token);
      stopHeartbeat();
      heartbeat = setInterval(() => void beat(id, taken.token), HEARTBEAT_MS);
      await hooks.taken(id);
    } catch (e) {
      if (copyId.value !== id) return;
      const refused = refusedLock(e);
      // This tab held it before a reload: it is ours to take back without asking.
      if (refused.kind === "elsewhere" && !takeOver && heldByThisTab(id)) return acquire(true);
      lock.value = refused;
    }
  }

  /** The teacher chose only to look at a copy they grade elsewhere. */
  function readOnly(): void {
    if (lock.value.kind === "elsewhere") lock.value = { kind: "none" };
  }

  /** The server ended the lock itself (the copy went to finalizing). */
  function end(id: string): void {
    stopHeartbeat();
    forgetLock(id);
    lock.value = { kind: "none" };
  }

  /** Stops the heartbeat; a held lock is released once `beforeRelease` (the last save) is done. */
  async function release(beforeRelease: () => Promise<unknown>): Promise<void> {
    const id = copyId.value;
    const lockToken = token.value;
    stopHeartbeat();
    if (!id || !lockToken) return;
    await beforeRelease();
    await api.releaseLock(id, lockToken).catch(() => undefined);
    forgetLock(id);
  }

  /** The page is going away: release the lock by a request that outlives it (the tab remembers it for a reload). */
  function releaseOnExit(): void {
    const id = copyId.value;
    if (id && token.value) void api.releaseLock(id, token.value, true).catch(() => undefined);
  }

  function reset(): void {
    stopHeartbeat();
    lock.value = { kind: "none" };
  }

  return { lock, token, acquire, readOnly, lose, end, release, releaseOnExit, reset };
}
