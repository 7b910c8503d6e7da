import { describe, expect, it } from "vitest";
import type { Annotation, DraftContent } from "../../api/types";
import { emptyContent } from "./draft";
import { conflictKey, mergeAnnotations, mergeDrafts, resolveConflicts } from "./merge";

const tick = (id: string, x = 0.5): Annotation => ({ id, page: 1, type: "tick", color: "#e02020", x, y: 0.5, size: 0.05 });
const draft = (over: Partial<DraftContent>): DraftContent => ({ ...emptyContent(), ...over });

describe("merging annotations", () => {
  it("is a union by id: both sides' new objects are kept", () => {
    const base = [tick("a")];
    expect(mergeAnnotations(base, [tick("a"), tick("mine")], [tick("a"), tick("theirs")]).map((a) => a.id)).toEqual(["a", "theirs", "mine"]);
  });

  it("keeps ours for an object both changed, and theirs for one only they changed", () => {
    const base = [tick("a", 0.1), tick("b", 0.1)];
    const merged = mergeAnnotations(base, [tick("a", 0.2), tick("b", 0.1)], [tick("a", 0.3), tick("b", 0.4)]);
    expect(merged).toEqual([tick("a", 0.2), tick("b", 0.4)]);
  });

  it("keeps deleted what we deleted, even if they changed it", () => {
    const base = [tick("a"), tick("b")];
    expect(mergeAnnotations(base, [tick("b")], [tick("a", 0.9), tick("b")]).map((a) => a.id)).toEqual(["b"]);
  });

  it("follows their deletion of an object we left alone, but not of one we changed", () => {
    const base = [tick("a"), tick("b")];
    expect(mergeAnnotations(base, [tick("a"), tick("b", 0.7)], []).map((a) => a.id)).toEqual(["b"]);
  });

  it("matches objects whatever the order of their keys (jsonb reorders them), and keeps ours when they are the same", () => {
    const base = [tick("a", 0.1)];
    const mine = [tick("a", 0.1)];
    const reordered = (x: number) => JSON.parse(`[{"size":0.05,"y":0.5,"x":${x},"color":"#e02020","type":"tick","page":1,"id":"a"}]`) as Annotation[];
    expect(mergeAnnotations(base, mine, reordered(0.1))[0]).toBe(mine[0]);
    expect(mergeAnnotations(base, mine, reordered(0.2))).toEqual(reordered(0.2));
  });
});

describe("merging scores and the comment", () => {
  it("takes each field from the side that changed it", () => {
    const base = draft({ scores: { q1: 1, q2: 2 }, comment: "Bien" });
    const mine = draft({ scores: { q1: 1.5, q2: 2 }, comment: "Bien" });
    const theirs = draft({ scores: { q1: 1, q2: 3, q3: null }, comment: "Très bien" });
    const { content, conflicts } = mergeDrafts(base, mine, theirs);
    expect(conflicts).toEqual([]);
    expect(content.scores).toEqual({ q1: 1.5, q2: 3, q3: null });
    expect(content.comment).toBe("Très bien");
  });

  it("reports a conflict for a field both changed differently, and resolves it by the teacher's choice", () => {
    const base = draft({ scores: { q1: 1, q2: 1 }, comment: "" });
    const mine = draft({ scores: { q1: 2, q2: 4 }, comment: "Soigné" });
    const theirs = draft({ scores: { q1: 3, q2: 4 }, comment: "Peu soigné" });
    const result = mergeDrafts(base, mine, theirs);
    expect(result.conflicts).toEqual([
      { kind: "score", questionId: "q1", mine: 2, theirs: 3 },
      { kind: "comment", mine: "Soigné", theirs: "Peu soigné" },
    ]);
    // Until the teacher chooses, ours stays.
    expect(result.content.scores).toEqual({ q1: 2, q2: 4 });
    const [score, comment] = result.conflicts.map(conflictKey);
    expect(resolveConflicts(result, { [score!]: "theirs", [comment!]: "mine" })).toMatchObject({ scores: { q1: 3, q2: 4 }, comment: "Soigné" });
  });

  it("treats a score removed on one side as a change (unscored is not blank)", () => {
    const base = draft({ scores: { q1: 1 } });
    const result = mergeDrafts(base, draft({ scores: { q1: null } }), draft({ scores: {} }));
    expect(result.conflicts).toEqual([{ kind: "score", questionId: "q1", mine: null, theirs: undefined }]);
    expect(resolveConflicts(result, { "score:q1": "theirs" }).scores).toEqual({});
  });

  it("merges applied rubric items one by one; a question scored by its rubric is no conflict", () => {
    const base = draft({ rubric: { q1: ["i1"] }, scores: { q1: 1 } });
    const mine = draft({ rubric: { q1: ["i1", "i2"] }, scores: { q1: 2 } });
    const theirs = draft({ rubric: { q1: ["i3"] }, scores: { q1: 0.5 } });
    const { content, conflicts } = mergeDrafts(base, mine, theirs);
    expect(content.rubric).toEqual({ q1: ["i3", "i2"] });
    expect(conflicts).toEqual([]);
  });

  it("keeps a typed score over the rubric (override) when only we typed it", () => {
    const base = draft({ rubric: { q1: ["i1"] }, scores: { q1: 1 } });
    const mine = draft({ rubric: { q1: ["i1"] }, scores: { q1: 3 }, overrides: ["q1"] });
    const { content, conflicts } = mergeDrafts(base, mine, base);
    expect(conflicts).toEqual([]);
    expect(content).toMatchObject({ scores: { q1: 3 }, overrides: ["q1"] });
  });
});
