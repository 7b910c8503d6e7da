import { describe, expect, it } from "vitest";
import type { QuestionRubric } from "../../api/types";
import { editorAction } from "./keys";

const rubric: QuestionRubric[] = [{ questionId: "q1", mode: "ADD", items: [{ id: "i1", label: "Justifier", points: 1, shortcut: "1", position: 1, usage: 0 }] }];
const press = (key: string, mods: Partial<Record<"ctrlKey" | "metaKey" | "altKey" | "shiftKey", boolean>> = {}) => ({ key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...mods });

describe("editor keys", () => {
  it("undoes with Ctrl+Z (⌘Z), redoes with Ctrl+Y or Ctrl+Shift+Z", () => {
    expect(editorAction(press("z", { ctrlKey: true }), false, rubric)).toEqual({ kind: "undo" });
    expect(editorAction(press("z", { metaKey: true }), false, rubric)).toEqual({ kind: "undo" });
    expect(editorAction(press("Z", { ctrlKey: true, shiftKey: true }), false, rubric)).toEqual({ kind: "redo" });
    expect(editorAction(press("y", { ctrlKey: true }), false, rubric)).toEqual({ kind: "redo" });
    expect(editorAction(press("c", { ctrlKey: true }), true, rubric)).toBeNull();
  });

  it("applies a rubric item by its shortcut only while the copy has the focus", () => {
    expect(editorAction(press("1"), true, rubric)).toEqual({ kind: "rubric", questionId: "q1", itemId: "i1" });
    expect(editorAction(press("1"), false, rubric)).toBeNull();
  });

  it("chooses a tool by its key, without modifiers", () => {
    expect(editorAction(press("P"), false, rubric)).toEqual({ kind: "tool", tool: "pen" });
    expect(editorAction(press("x"), true, rubric)).toEqual({ kind: "tool", tool: "cross" });
    expect(editorAction(press("p", { altKey: true }), true, rubric)).toBeNull();
  });
});
