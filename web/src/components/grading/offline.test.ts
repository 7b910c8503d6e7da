import { describe, expect, it } from "vitest";
import { ApiError, NETWORK_ERROR } from "../../api/client";
import type { GradingDraft } from "../../api/types";
import { emptyContent } from "./draft";
import { isUnreachable, PendingDrafts, retryDelay, toRestore, type KeyValueStore, type PendingDraft } from "./offline";

/** IndexedDB stand-in whose writes land in an order the test decides. */
function memoryStore(delays: number[] = []): KeyValueStore & { data: Map<string, unknown> } {
  const data = new Map<string, unknown>();
  const wait = () => new Promise((resolve) => setTimeout(resolve, delays.shift() ?? 0));
  return {
    data,
    get: async (key) => data.get(key),
    set: async (key, value) => {
      await wait();
      data.set(key, value);
    },
    del: async (key) => {
      await wait();
      data.delete(key);
    },
  };
}

const entry = (comment: string, baseVersion = 3): PendingDraft => ({
  copyId: "c1",
  baseVersion,
  base: emptyContent(),
  content: { ...emptyContent(), comment },
  keptAt: 1,
});

const server = (version: number, comment: string): GradingDraft => ({ copyId: "c1", version, savedAt: null, ...emptyContent(), comment });
const error = (status: number, code = "X") => new ApiError({ status, code, message: "", requestId: "" });

describe("kept drafts", () => {
  it("keeps the last write made, even when an earlier one is slower", async () => {
    const store = memoryStore([30, 0, 0]);
    const drafts = new PendingDrafts(store);
    void drafts.keep(entry("first"));
    void drafts.keep(entry("second"));
    expect((await drafts.read("c1"))?.content.comment).toBe("second");
    await drafts.forget("c1");
    expect(await drafts.read("c1")).toBeNull();
  });

  it("stores plain data (IndexedDB cannot clone Vue proxies) and ignores what is not a kept draft", async () => {
    const store = memoryStore();
    const drafts = new PendingDrafts(store);
    const reactiveLike = new Proxy(entry("x"), {});
    await drafts.keep(reactiveLike);
    expect(Object.getPrototypeOf(store.data.get("korrigo.draft.c1"))).toBe(Object.prototype);
    store.data.set("korrigo.draft.c1", { copyId: "other" });
    expect(await drafts.read("c1")).toBeNull();
  });

  it("says when the browser refuses to store", async () => {
    const drafts = new PendingDrafts({ get: () => Promise.reject(new Error("no")), set: () => Promise.reject(new Error("quota")), del: () => Promise.resolve() });
    await drafts.keep(entry("x"));
    expect(drafts.unavailable).toBe(true);
    expect(await drafts.read("c1")).toBeNull();
  });
});

describe("offline policy", () => {
  it("waits out network failures and server errors, not refusals", () => {
    expect(isUnreachable(error(0, NETWORK_ERROR))).toBe(true);
    expect(isUnreachable(error(502, "UNEXPECTED_RESPONSE"))).toBe(true);
    expect(isUnreachable(error(503))).toBe(true);
    expect(isUnreachable(error(429))).toBe(true);
    expect(isUnreachable(error(400, "VALIDATION_FAILED"))).toBe(false);
    expect(isUnreachable(error(412, "STALE_VERSION"))).toBe(false);
    expect(isUnreachable(new Error("bug"))).toBe(false);
  });

  it("backs off from 1 s up to 30 s", () => {
    expect([0, 1, 2, 3, 4, 5, 10].map(retryDelay)).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
  });

  it("restores kept edits only when the server does not have them already", () => {
    expect(toRestore(null, server(3, ""))).toBeNull();
    expect(toRestore(entry("same"), server(4, "same"))).toBeNull();
    expect(toRestore(entry("newer"), server(3, "old"))?.content.comment).toBe("newer");
    // Edits made on an older version are restored too: saving them goes through If-Match and the merge.
    expect(toRestore(entry("newer", 2), server(5, "old"))?.baseVersion).toBe(2);
  });
});
