import { createPinia, setActivePinia } from "pinia";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, NETWORK_ERROR } from "../api/client";
import type { CopyWorkspaceResponse, DraftContent, GradingCopy, GradingDraft, Question } from "../api/types";
import { emptyContent } from "../components/grading/draft";
import { POLL_MS, useGradingStore } from "./grading";

// IndexedDB stand-in: the kept drafts live in this map.
const idb = vi.hoisted(() => new Map<string, unknown>());
vi.mock("idb-keyval", () => ({
  get: (key: string) => Promise.resolve(idb.get(key)),
  set: (key: string, value: unknown) => Promise.resolve(void idb.set(key, structuredClone(value))),
  del: (key: string) => Promise.resolve(void idb.delete(key)),
}));

const TOKEN = "t".repeat(32);
const questions: Question[] = [
  { id: "q1", position: 1, label: "Exercice 1", maxPoints: 4, step: 0.5, rubricMode: "ADD" },
  { id: "q2", position: 2, label: "Exercice 2", maxPoints: 6, step: 0.25, rubricMode: "SUBTRACT" },
];

function copyOf(over: Partial<GradingCopy> = {}): GradingCopy {
  return { id: "c1", examId: "e1", anonymousCode: "K7Q2", status: "READY", student: null, lock: null, totalScore: null, failureReason: null, finalizedAt: null, gradedPdf: null, ...over };
}

function workspace(over: Partial<GradingCopy> = {}): CopyWorkspaceResponse {
  return {
    copy: copyOf(over),
    exam: { id: "e1", title: "DS 3", subject: "Maths", reportScale: 20, anonymousGrading: true, questions },
    pages: [{ id: "p1", position: 1, width: 1240, height: 1754, imageUrl: "/api/pages/p1/image", thumbUrl: "/api/pages/p1/thumb" }],
  };
}

const draftOf = (version: number, content: Partial<DraftContent> = {}): GradingDraft => ({ copyId: "c1", version, savedAt: null, ...emptyContent(), ...content });
const apiError = (status: number, code: string, details?: unknown) => new ApiError({ status, code, message: `${code} !`, requestId: "r", details });

/** The server's answer to a save: the next version, with what was sent. */
function echoSaves() {
  return vi.spyOn(api, "saveDraft").mockImplementation((_id, base, _token, content) => Promise.resolve({ draft: draftOf(base + 1, content) }));
}

async function opened(draft = draftOf(3)) {
  vi.spyOn(api, "getCopy").mockResolvedValue(workspace());
  vi.spyOn(api, "getDraft").mockResolvedValue({ draft });
  vi.spyOn(api, "getRubric").mockResolvedValue({ questions: [{ questionId: "q2", mode: "SUBTRACT", items: [{ id: "i1", label: "Unité", points: 0.5, shortcut: null, position: 1, usage: 2 }] }] });
  vi.spyOn(api, "examDocuments").mockResolvedValue({ documents: [] });
  const lock = vi.spyOn(api, "lockCopy").mockResolvedValue({ lock: { copyId: "c1", token: TOKEN, expiresAt: "2026-12-01T10:00:00.000Z" } });
  vi.spyOn(api, "releaseLock").mockResolvedValue(undefined);
  const grading = useGradingStore();
  await grading.open("c1", true);
  return { grading, lock };
}

describe("grading store", () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    idb.clear();
    vi.useFakeTimers();
  });

  afterEach(() => {
    vi.clearAllTimers();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it("opens a copy, takes its lock and keeps it with a heartbeat every minute", async () => {
    const renew = vi.spyOn(api, "renewLock").mockResolvedValue({ lock: { copyId: "c1", token: TOKEN, expiresAt: "2026-12-01T10:01:00.000Z" } });
    const { grading, lock } = await opened();
    expect(lock).toHaveBeenCalledWith("c1", false);
    expect(grading.editable).toBe(true);
    expect(grading.copy?.status).toBe("LOCKED");
    expect(grading.saveStatus).toBe("saved");
    await vi.advanceTimersByTimeAsync(60_000);
    expect(renew).toHaveBeenCalledWith("c1", TOKEN);
    expect(grading.lock).toEqual({ kind: "held", token: TOKEN, expiresAt: "2026-12-01T10:01:00.000Z" });
  });

  it("opens read-only, saying who grades it, when another teacher holds the lock", async () => {
    vi.spyOn(api, "getCopy").mockResolvedValue(workspace({ status: "LOCKED" }));
    vi.spyOn(api, "getDraft").mockResolvedValue({ draft: draftOf(1, { scores: { q1: 2 } }) });
    vi.spyOn(api, "getRubric").mockResolvedValue({ questions: [] });
    vi.spyOn(api, "examDocuments").mockResolvedValue({ documents: [] });
    vi.spyOn(api, "lockCopy").mockRejectedValue(apiError(409, "LOCKED_BY_OTHER", { holder: "Marc Durand", expiresAt: "2026-12-01T10:00:00.000Z" }));
    const save = echoSaves();
    const grading = useGradingStore();
    await grading.open("c1", true);
    expect(grading.lock).toEqual({ kind: "other", holder: "Marc Durand", expiresAt: "2026-12-01T10:00:00.000Z" });
    expect(grading.editable).toBe(false);
    grading.setScore("q1", 4);
    await vi.advanceTimersByTimeAsync(5000);
    expect(grading.content.scores).toEqual({ q1: 2 });
    expect(save).not.toHaveBeenCalled();
  });

  it("asks before taking over its own lock from another tab, and takes it over without asking after a reload of this tab", async () => {
    const storage = new Map<string, string>();
    vi.stubGlobal("sessionStorage", { getItem: (k: string) => storage.get(k) ?? null, setItem: (k: string, v: string) => void storage.set(k, v), removeItem: (k: string) => void storage.delete(k) });
    try {
      vi.spyOn(api, "getCopy").mockResolvedValue(workspace({ status: "LOCKED" }));
      vi.spyOn(api, "getDraft").mockResolvedValue({ draft: draftOf(1) });
      vi.spyOn(api, "getRubric").mockResolvedValue({ questions: [] });
      vi.spyOn(api, "examDocuments").mockResolvedValue({ documents: [] });
      const lock = vi
        .spyOn(api, "lockCopy")
        .mockImplementation((_id, takeOver) => (takeOver ? Promise.resolve({ lock: { copyId: "c1", token: TOKEN, expiresAt: "2026-12-01T10:00:00.000Z" } }) : Promise.reject(apiError(409, "LOCK_HELD_BY_YOU"))));
      const grading = useGradingStore();
      await grading.open("c1", true);
      expect(grading.lock.kind).toBe("elsewhere");
      await grading.acquire(true);
      expect(grading.editable).toBe(true);
      expect(storage.get("korrigo.lock.c1")).toBe(TOKEN);

      // The page is reloaded: the same tab finds its lock "held by you" and takes it back.
      setActivePinia(createPinia());
      lock.mockClear();
      await useGradingStore().open("c1", true);
      expect(lock.mock.calls).toEqual([
        ["c1", false],
        ["c1", true],
      ]);
      expect(useGradingStore().editable).toBe(true);
    } finally {
      vi.unstubAllGlobals();
    }
  });

  it("saves within two seconds with If-Match, one request at a time, and takes the server's version", async () => {
    const { grading } = await opened();
    let finish: () => void = () => undefined;
    const save = vi.spyOn(api, "saveDraft").mockImplementation(
      (_id, base, _token, content) =>
        new Promise((resolve) => {
          finish = () => resolve({ draft: draftOf(base + 1, content) });
        }),
    );
    grading.setScore("q1", 2.5);
    expect(grading.saveStatus).toBe("saving");
    await vi.advanceTimersByTimeAsync(1000);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenLastCalledWith("c1", 3, TOKEN, expect.objectContaining({ scores: { q1: 2.5 } }));
    // Changed while the save runs: no second request until it ends.
    grading.setComment("Bon travail");
    await vi.advanceTimersByTimeAsync(3000);
    expect(save).toHaveBeenCalledTimes(1);
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(save).toHaveBeenCalledTimes(2);
    expect(save).toHaveBeenLastCalledWith("c1", 4, TOKEN, expect.objectContaining({ scores: { q1: 2.5 }, comment: "Bon travail" }));
    finish();
    await vi.advanceTimersByTimeAsync(0);
    expect(grading.saved?.version).toBe(5);
    expect(grading.saveStatus).toBe("saved");
    expect(idb.size).toBe(0);
  });

  it("merges with the server's draft on 412 and saves the merge over its version", async () => {
    const { grading } = await opened(draftOf(3, { scores: { q1: 1 } }));
    const theirs = draftOf(4, { scores: { q1: 1, q2: 6 }, comment: "vu" });
    const save = echoSaves().mockRejectedValueOnce(apiError(412, "STALE_VERSION", theirs));
    grading.setScore("q1", 3);
    // Saved again at once (fake timers count a 0 ms timer set while they run as 1 ms).
    await vi.advanceTimersByTimeAsync(1001);
    expect(save).toHaveBeenCalledTimes(2);
    expect(save).toHaveBeenLastCalledWith("c1", 4, TOKEN, expect.objectContaining({ scores: { q1: 3, q2: 6 }, comment: "vu" }));
    expect(grading.saveStatus).toBe("saved");
    expect(grading.saved?.version).toBe(5);
  });

  it("asks the teacher when both sides changed the same score, and saves nothing until then", async () => {
    const { grading } = await opened(draftOf(3, { scores: { q1: 1 } }));
    const save = echoSaves().mockRejectedValueOnce(apiError(412, "STALE_VERSION", draftOf(4, { scores: { q1: 2 } })));
    grading.setScore("q1", 3);
    await vi.advanceTimersByTimeAsync(1000);
    expect(grading.saveStatus).toBe("conflict");
    expect(grading.merge?.conflicts).toEqual([{ kind: "score", questionId: "q1", mine: 3, theirs: 2 }]);
    // Kept in the browser on the version it started from: reopened before choosing, it would ask again.
    expect(idb.get("korrigo.draft.c1")).toMatchObject({ baseVersion: 3, content: { scores: { q1: 3 } } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(save).toHaveBeenCalledTimes(1);
    grading.settle({ "score:q1": "theirs" });
    await vi.advanceTimersByTimeAsync(2000);
    expect(save).toHaveBeenLastCalledWith("c1", 4, TOKEN, expect.objectContaining({ scores: { q1: 2 } }));
    expect(grading.saveStatus).toBe("saved");
  });

  it("keeps edits in IndexedDB while the server cannot be reached, retries, and forgets them once saved", async () => {
    const { grading } = await opened();
    const save = echoSaves().mockRejectedValueOnce(apiError(0, NETWORK_ERROR)).mockRejectedValueOnce(apiError(503, "UNAVAILABLE"));
    grading.setScore("q2", 5.75);
    await vi.advanceTimersByTimeAsync(1000);
    expect(grading.saveStatus).toBe("offline");
    expect(idb.get("korrigo.draft.c1")).toMatchObject({ baseVersion: 3, content: { scores: { q2: 5.75 } } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(save).toHaveBeenCalledTimes(2);
    expect(grading.saveStatus).toBe("offline");
    // The connection comes back before the next attempt (2 s later).
    grading.retrySaves();
    await vi.advanceTimersByTimeAsync(0);
    expect(save).toHaveBeenCalledTimes(3);
    expect(grading.saveStatus).toBe("saved");
    expect(idb.has("korrigo.draft.c1")).toBe(false);
  });

  it("keeps a burst of edits in the browser once, shortly after the last, not in the input handler", async () => {
    const { grading } = await opened();
    echoSaves().mockRejectedValue(apiError(0, NETWORK_ERROR));
    grading.setScore("q1", 1);
    grading.setScore("q1", 2);
    await vi.advanceTimersByTimeAsync(100);
    grading.setScore("q2", 5);
    expect(idb.has("korrigo.draft.c1")).toBe(false);
    await vi.advanceTimersByTimeAsync(300);
    expect(idb.get("korrigo.draft.c1")).toMatchObject({ content: { scores: { q1: 2, q2: 5 } } });
  });

  it("restores edits kept in this browser on opening the copy, and saves them from the version they started on", async () => {
    idb.set("korrigo.draft.c1", { copyId: "c1", baseVersion: 3, base: emptyContent(), content: { ...emptyContent(), scores: { q1: 4 } }, keptAt: 1 });
    const save = echoSaves();
    const { grading } = await opened(draftOf(3));
    expect(grading.restored).toBe(true);
    expect(grading.content.scores).toEqual({ q1: 4 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(save).toHaveBeenCalledWith("c1", 3, TOKEN, expect.objectContaining({ scores: { q1: 4 } }));
    expect(grading.saveStatus).toBe("saved");
  });

  it("does not restore what the server already has", async () => {
    idb.set("korrigo.draft.c1", { copyId: "c1", baseVersion: 2, base: emptyContent(), content: { ...emptyContent(), scores: { q1: 4 } }, keptAt: 1 });
    const { grading } = await opened(draftOf(3, { scores: { q1: 4 } }));
    expect(grading.restored).toBe(false);
    expect(grading.unsaved).toBe(false);
  });

  it("stops editing when the lock is lost, and keeps the edits in the browser", async () => {
    const { grading } = await opened();
    echoSaves().mockRejectedValueOnce(apiError(409, "LOCK_REQUIRED"));
    grading.setScore("q1", 1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(grading.lock.kind).toBe("lost");
    expect(grading.editable).toBe(false);
    expect(grading.saveStatus).toBe("kept");
    expect(idb.get("korrigo.draft.c1")).toMatchObject({ content: { scores: { q1: 1 } } });
    grading.setScore("q1", 2);
    expect(grading.content.scores).toEqual({ q1: 1 });
  });

  it("loses the lock when the heartbeat says so", async () => {
    vi.spyOn(api, "renewLock").mockRejectedValue(apiError(409, "LOCK_LOST"));
    const { grading } = await opened();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(grading.lock.kind).toBe("lost");
  });

  it("undoes and redoes whole snapshots, each saved", async () => {
    const { grading } = await opened();
    const save = echoSaves();
    grading.setScore("q1", 1);
    grading.toggleItem("q2", "i1");
    expect(grading.content.scores).toEqual({ q1: 1, q2: 5.5 });
    grading.undo();
    expect(grading.content).toMatchObject({ scores: { q1: 1 }, rubric: {} });
    grading.undo();
    expect(grading.content.scores).toEqual({});
    expect(grading.canUndo).toBe(false);
    grading.redo();
    expect(grading.content.scores).toEqual({ q1: 1 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(save).toHaveBeenLastCalledWith("c1", 3, TOKEN, expect.objectContaining({ scores: { q1: 1 } }));
  });

  it("finalizes after saving, then follows the copy until it is graded", async () => {
    const { grading } = await opened();
    echoSaves();
    const finalize = vi.spyOn(api, "finalizeCopy").mockResolvedValue({ copy: copyOf({ status: "FINALIZING" }) });
    const poll = vi
      .spyOn(api, "getCopy")
      .mockResolvedValueOnce(workspace({ status: "FINALIZING" }))
      .mockResolvedValueOnce(workspace({ status: "GRADED", gradedPdf: { version: 1, createdAt: "", sizeBytes: 1, sha256: "x", url: "/api/copies/c1/graded.pdf" } }));
    grading.setScore("q1", 4);
    grading.setScore("q2", null);
    await grading.finalize();
    expect(finalize).toHaveBeenCalledWith("c1", TOKEN, 4);
    expect(grading.copy?.status).toBe("FINALIZING");
    expect(grading.editable).toBe(false);
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(grading.copy?.status).toBe("FINALIZING");
    await vi.advanceTimersByTimeAsync(POLL_MS);
    expect(grading.copy?.gradedPdf?.url).toBe("/api/copies/c1/graded.pdf");
    await vi.advanceTimersByTimeAsync(5 * POLL_MS);
    // Opening the copy, then two polls: none once it is graded.
    expect(poll).toHaveBeenCalledTimes(3);
  });

  it("names the questions still without a score when finalizing is refused", async () => {
    const { grading } = await opened();
    vi.spyOn(api, "finalizeCopy").mockRejectedValue(apiError(422, "MISSING_SCORES", { questions: [{ id: "q2", label: "Exercice 2" }] }));
    await grading.finalize();
    expect(grading.missing).toEqual([{ id: "q2", label: "Exercice 2" }]);
    expect(grading.finalizeError).toBe("MISSING_SCORES !");
    expect(grading.editable).toBe(true);
  });

  it("on leaving, saves what waits, then releases the lock", async () => {
    const { grading } = await opened();
    const save = echoSaves();
    const release = vi.spyOn(api, "releaseLock").mockResolvedValue(undefined);
    grading.setComment("À revoir");
    await grading.close();
    expect(save).toHaveBeenCalledTimes(1);
    expect(release).toHaveBeenCalledWith("c1", TOKEN);
    expect(save.mock.invocationCallOrder[0]!).toBeLessThan(release.mock.invocationCallOrder[0]!);
    expect(grading.copyId).toBeNull();
  });

  it("says how many copies a rubric change re-scored, and follows the new value", async () => {
    const { grading } = await opened();
    echoSaves();
    grading.toggleItem("q2", "i1");
    expect(grading.content.scores.q2).toBe(5.5);
    vi.spyOn(api, "updateRubricItem").mockResolvedValue({ item: { id: "i1", label: "Unité", points: 1, shortcut: null, position: 1, usage: 3 }, rescored: { copies: 3, regenerated: 1 } });
    vi.spyOn(api, "getRubric").mockResolvedValue({ questions: [{ questionId: "q2", mode: "SUBTRACT", items: [{ id: "i1", label: "Unité", points: 1, shortcut: null, position: 1, usage: 3 }] }] });
    await expect(grading.editItem("i1", { points: 1 })).resolves.toBe(true);
    expect(grading.rubricMessage).toBe("3 copies recalculées (dont 1 PDF régénéré)");
    expect(grading.content.scores.q2).toBe(5);
  });
});
