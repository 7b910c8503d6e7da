import { describe, expect, it } from "vitest";
import { History } from "./history";

describe("undo/redo history", () => {
  it("undoes and redoes whole snapshots, and a new change drops what could be redone", () => {
    const history = new History("a");
    history.push("b");
    history.push("c");
    expect(history.undo()).toBe("b");
    expect(history.undo()).toBe("a");
    expect(history.undo()).toBeNull();
    expect(history.present).toBe("a");
    expect(history.redo()).toBe("b");
    expect(history.canRedo).toBe(true);
    history.push("d");
    expect(history.canRedo).toBe(false);
    expect(history.redo()).toBeNull();
    expect(history.undo()).toBe("b");
  });

  it("keeps at most `cap` steps back", () => {
    const history = new History(0, 3);
    for (let i = 1; i <= 5; i += 1) history.push(i);
    const back: number[] = [];
    for (let step = history.undo(); step !== null; step = history.undo()) back.push(step);
    expect(back).toEqual([4, 3, 2]);
    expect(history.canUndo).toBe(false);
  });

  it("groups a run of changes with the same key into one step", () => {
    const history = new History("");
    history.push("1", "score:q1");
    history.push("1,", "score:q1");
    history.push("1,5", "score:q1");
    history.push("1,5 + comment", "comment");
    expect(history.undo()).toBe("1,5");
    expect(history.undo()).toBe("");
    // After an undo, the same key starts a new step.
    history.redo();
    history.push("2", "score:q1");
    history.push("2,5", "score:q1");
    expect(history.undo()).toBe("1,5");
  });

  it("replaces the present without a step, and resets", () => {
    const history = new History({ v: 1 });
    history.push({ v: 2 });
    history.replace({ v: 3 });
    expect(history.present).toEqual({ v: 3 });
    expect(history.undo()).toEqual({ v: 1 });
    expect(history.redo()).toEqual({ v: 3 });
    history.reset({ v: 9 });
    expect(history.canUndo || history.canRedo).toBe(false);
    expect(history.present).toEqual({ v: 9 });
  });
});
