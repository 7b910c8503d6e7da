import { describe, expect, it } from "vitest";
import type { StrokePoint } from "../../api/types";
import { applyEdit, groupByPage, newComment, newLine, newStamp, newStrokes, newText, withText } from "./edits";
import { a4, stamp, text } from "./fixtures";

describe("applyEdit", () => {
  const list = [stamp({ id: "a" }), stamp({ id: "b" }), stamp({ id: "c" })];

  it("adds at the end (on top), replaces in place and removes", () => {
    expect(applyEdit(list, { add: [stamp({ id: "d" })] }).map((a) => a.id)).toEqual(["a", "b", "c", "d"]);
    const replaced = applyEdit(list, { replace: stamp({ id: "b", x: 0.1 }) });
    expect(replaced.map((a) => a.id)).toEqual(["a", "b", "c"]);
    expect(replaced[1]).toMatchObject({ x: 0.1 });
    expect(replaced[0]).toBe(list[0]);
    expect(applyEdit(list, { remove: ["a", "c"] }).map((a) => a.id)).toEqual(["b"]);
  });

  it("leaves the list it was given as it was", () => {
    applyEdit(list, { remove: ["a"] });
    expect(list).toHaveLength(3);
  });
});

describe("groupByPage", () => {
  it("groups annotations by page, in their order", () => {
    const groups = groupByPage([stamp({ id: "a", page: 2 }), stamp({ id: "b", page: 1 }), stamp({ id: "c", page: 2 })]);
    expect(groups.get(1)!.map((a) => a.id)).toEqual(["b"]);
    expect(groups.get(2)!.map((a) => a.id)).toEqual(["a", "c"]);
  });

  it("keeps the previous array of a page whose annotations did not change", () => {
    const a = stamp({ id: "a", page: 1 });
    const b = stamp({ id: "b", page: 2 });
    const before = groupByPage([a, b]);
    const after = groupByPage([a, { ...b, x: 0.2 }], before);
    expect(after.get(1)).toBe(before.get(1));
    expect(after.get(2)).not.toBe(before.get(2));
  });
});

describe("new annotations", () => {
  it("makes strokes with fresh ids, split when too long for the server", () => {
    const points: StrokePoint[] = Array.from({ length: 6000 }, (_, i) => [i / 6000, 0.5, 0.5]);
    const strokes = newStrokes("pen", 3, "#000000", points);
    expect(strokes).toHaveLength(2);
    expect(strokes[0]!.id).not.toBe(strokes[1]!.id);
    expect(strokes[0]).toMatchObject({ page: 3, type: "pen", color: "#000000" });
    expect(strokes[0]!.points).toHaveLength(5000);
  });

  it("rounds a line's ends and centres a stamp on the click", () => {
    expect(newLine("arrow", 1, "#d32f2f", { x: 0.123456, y: 0.2 }, { x: 0.5, y: 0.654321 })).toMatchObject({ type: "arrow", from: [0.1235, 0.2], to: [0.5, 0.6543] });
    expect(newStamp("cross", 1, "#d32f2f", { x: 0.3, y: 0.4 })).toMatchObject({ type: "cross", x: 0.3, y: 0.4 });
  });

  it("opens a text box from the click, moved back onto the page near its edges", () => {
    const t = newText(1, "#d32f2f", { x: 0.9, y: 0.995 }, a4.aspect);
    expect(t.text).toBe("");
    expect(t.x + t.w).toBeLessThanOrEqual(1);
    expect(t.y + t.h).toBeLessThanOrEqual(1);
    expect(newComment(1, "#d32f2f", { x: 0.3, y: 0.4 })).toMatchObject({ type: "comment", x: 0.3, y: 0.4, text: "" });
  });

  it("grows a text box to fit its lines, within the page", () => {
    const t = text({ h: 0.01 });
    expect(withText(t, "a\nb\nc", 3, a4.aspect).h).toBeGreaterThan(0.05);
    expect(withText(text({ y: 0.95 }), "x", 50, a4.aspect).h).toBeCloseTo(0.05);
    expect(withText(text({ h: 0.2 }), "x", 1, a4.aspect).h).toBe(0.2);
  });
});
