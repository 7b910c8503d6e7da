import { describe, expect, it } from "vitest";
import { dragsOnPage, isPlaceTool, isTypingTarget, placeReference, TOOLS, toolForKey, usesLabels } from "./tools";

describe("toolForKey", () => {
  it("maps the shortcut letters, in either case, to their tools", () => {
    expect(toolForKey("p")).toBe("pen");
    expect(toolForKey("P")).toBe("pen");
    expect(toolForKey("s")).toBe("highlighter");
    expect(toolForKey("l")).toBe("line");
    expect(toolForKey("f")).toBe("arrow");
    expect(toolForKey("t")).toBe("text");
    expect(toolForKey("v")).toBe("tick");
    expect(toolForKey("X")).toBe("cross");
    expect(toolForKey("c")).toBe("comment");
    expect(toolForKey("e")).toBe("eraser");
  });

  it("goes back to selection on Escape", () => {
    expect(toolForKey("Escape")).toBe("select");
  });

  it("leaves other keys alone, Space included (held, it pans for a moment)", () => {
    expect(toolForKey(" ")).toBeNull();
    expect(toolForKey("a")).toBeNull();
    expect(toolForKey("Enter")).toBeNull();
    expect(toolForKey("1")).toBeNull();
  });

  it("gives every toolbar tool but panning a distinct key", () => {
    const keys = TOOLS.map((t) => t.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const { tool, key } of TOOLS) if (tool !== "pan") expect(toolForKey(key)).toBe(tool);
  });
});

describe("tool kinds", () => {
  it("tells placement tools apart", () => {
    expect(isPlaceTool({ place: "score", questionId: "q1" })).toBe(true);
    expect(isPlaceTool("pen")).toBe(false);
  });

  it("says what a placement tool puts down", () => {
    expect(placeReference({ place: "score", questionId: "q1" })).toBe("q1");
    expect(placeReference({ place: "rubric", itemId: "i1" })).toBe("i1");
    expect(placeReference({ place: "comment", text: "Justifier" })).toBe("Justifier");
  });

  it("takes touch gestures only for tools dragged across the page", () => {
    expect(dragsOnPage("pen")).toBe(true);
    expect(dragsOnPage("eraser")).toBe(true);
    expect(dragsOnPage("select")).toBe(false);
    expect(dragsOnPage("tick")).toBe(false);
    expect(dragsOnPage({ place: "rubric", itemId: "r1" })).toBe(false);
  });

  it("recognises fields that take typed text", () => {
    expect(isTypingTarget({ tagName: "TEXTAREA" } as unknown as EventTarget)).toBe(true);
    expect(isTypingTarget({ tagName: "DIV", isContentEditable: true } as unknown as EventTarget)).toBe(true);
    expect(isTypingTarget({ tagName: "BUTTON", isContentEditable: false } as unknown as EventTarget)).toBe(false);
    expect(isTypingTarget(null)).toBe(false);
  });
});

describe("usesLabels", () => {
  it("is true of score and rubric annotations only", () => {
    expect(usesLabels({ type: "score" })).toBe(true);
    expect(usesLabels({ type: "rubric" })).toBe(true);
    expect(usesLabels({ type: "pen" })).toBe(false);
    expect(usesLabels({ type: "comment" })).toBe(false);
  });
});
