// Edits not yet on the server are kept in the browser (IndexedDB, one entry per copy) from the
// moment they are made until a save has them, so a network cut, a server error, a crash or a
// reload loses nothing: opening the copy again restores them and saves them (with If-Match).
import { del, get, set } from "idb-keyval";
import { ApiError, NETWORK_ERROR } from "../../api/client";
import type { DraftContent, GradingDraft } from "../../api/types";
import { contentOf, plain, sameValue } from "./draft";

export interface PendingDraft {
  copyId: string;
  /** The server version the edits started from, and its content (the base of a merge). */
  baseVersion: number;
  base: DraftContent;
  content: DraftContent;
  /** When they were kept (ms since the epoch). */
  keptAt: number;
}

export interface KeyValueStore {
  get(key: string): Promise<unknown>;
  set(key: string, value: unknown): Promise<void>;
  del(key: string): Promise<void>;
}

export const indexedDbStore: KeyValueStore = { get, set, del };

const keyOf = (copyId: string) => `korrigo.draft.${copyId}`;

function isPending(value: unknown, copyId: string): value is PendingDraft {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Partial<PendingDraft>;
  return entry.copyId === copyId && typeof entry.baseVersion === "number" && typeof entry.content === "object" && typeof entry.base === "object";
}

/** The kept drafts. Writes go one after the other, so the last one made is the one that stays. */
export class PendingDrafts {
  private queue: Promise<void> = Promise.resolve();
  /** The browser refused to store (private mode, quota…): edits then live in memory only. */
  unavailable = false;

  constructor(private readonly store: KeyValueStore = indexedDbStore) {}

  keep(entry: PendingDraft): Promise<void> {
    const value = plain(entry);
    return this.enqueue(() => this.store.set(keyOf(entry.copyId), value));
  }

  forget(copyId: string): Promise<void> {
    return this.enqueue(() => this.store.del(keyOf(copyId)));
  }

  async read(copyId: string): Promise<PendingDraft | null> {
    await this.queue;
    try {
      const value = await this.store.get(keyOf(copyId));
      return isPending(value, copyId) ? value : null;
    } catch {
      this.unavailable = true;
      return null;
    }
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(write).then(
      () => {
        this.unavailable = false;
      },
      () => {
        this.unavailable = true;
      },
    );
    return this.queue;
  }
}

/** Failures to wait out (no connection, server down or overloaded), as opposed to refusals. */
export function isUnreachable(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false;
  return error.code === NETWORK_ERROR || error.status >= 500 || error.status === 429;
}

/** 1 s, 2 s, 4 s… then every 30 s: soon after a blip, without hammering a server that is down. */
export function retryDelay(attempt: number): number {
  return Math.min(30_000, 1000 * 2 ** Math.max(0, attempt));
}

/** The kept edits to restore on opening the copy: none when the server already has them. */
export function toRestore(pending: PendingDraft | null, server: GradingDraft): PendingDraft | null {
  if (!pending) return null;
  return sameValue(pending.content, contentOf(server)) ? null : pending;
}
