// The editor's hold on a copy: what the lock request answered, in the terms the page shows it.
// The token is also remembered for the tab (sessionStorage): reloading the page finds the lock
// still held "by you" and takes it back without asking, since it is this very tab's.
import { ApiError } from "../../api/client";
import type { CopyLock } from "../../api/types";
import { errorMessage } from "../../errors";

/** The heartbeat pushes the lock's expiry (TTL 10 min) while the editor is open. */
export const HEARTBEAT_MS = 60_000;

export type LockState =
  /** Not asked for: an admin reading, a copy finalizing or graded. */
  | { kind: "none" }
  | { kind: "acquiring" }
  | { kind: "held"; token: string; expiresAt: string }
  /** Another teacher grades it. */
  | { kind: "other"; holder: string; expiresAt: string }
  /** The same teacher holds it in another tab or device: take it over here? */
  | { kind: "elsewhere" }
  /** Taken over elsewhere or broken by an admin while the editor was open. */
  | { kind: "lost" }
  | { kind: "refused"; message: string };

export function heldLock(lock: CopyLock): LockState {
  return { kind: "held", token: lock.token, expiresAt: lock.expiresAt };
}

function detailsOf(error: ApiError): { holder?: unknown; expiresAt?: unknown } {
  return typeof error.details === "object" && error.details !== null ? error.details : {};
}

/** What a refused lock request means for the editor. */
export function refusedLock(error: unknown): LockState {
  if (error instanceof ApiError && error.code === "LOCKED_BY_OTHER") {
    const { holder, expiresAt } = detailsOf(error);
    if (typeof holder === "string" && typeof expiresAt === "string") return { kind: "other", holder, expiresAt };
  }
  if (error instanceof ApiError && error.code === "LOCK_HELD_BY_YOU") return { kind: "elsewhere" };
  return { kind: "refused", message: errorMessage(error) };
}

/** "14:05": when a lock expires, in the teacher's time. */
export function hourOf(iso: string): string {
  return new Date(iso).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
}

const tabKey = (copyId: string) => `korrigo.lock.${copyId}`;
const tabStorage = (): Storage | null => (typeof sessionStorage === "undefined" ? null : sessionStorage);

export function rememberLock(copyId: string, token: string): void {
  tabStorage()?.setItem(tabKey(copyId), token);
}

/** Whether this tab held the copy's lock before a reload. */
export function heldByThisTab(copyId: string): boolean {
  return Boolean(tabStorage()?.getItem(tabKey(copyId)));
}

export function forgetLock(copyId: string): void {
  tabStorage()?.removeItem(tabKey(copyId));
}
