import { describe, expect, it } from "vitest";
import { shapeView } from "./shapes";
import { a4, comment, line, score, stamp, stroke } from "./fixtures";

describe("shapeView", () => {
  it("fills a stroke's outline, the highlighter's marked as such", () => {
    const pen = shapeView(stroke([[0.1, 0.1], [0.2, 0.2]]), a4);
    expect(pen).toMatchObject({ kind: "stroke", highlight: false, color: "#d32f2f" });
    const highlighter = shapeView(stroke([[0.1, 0.1], [0.2, 0.1]], { type: "highlighter", width: 0.02 }), a4);
    expect(highlighter).toMatchObject({ kind: "stroke", highlight: true });
  });

  it("traces the stroke being drawn afresh each time", () => {
    const s = stroke([[0.1, 0.1], [0.2, 0.2]]);
    const drafting = shapeView(s, a4, true);
    expect(drafting.kind === "stroke" && drafting.d).toMatch(/^M.+Z$/);
  });

  it("draws lines in view units and gives arrows a head", () => {
    const plain = shapeView(line([0.1, 0.5], [0.5, 0.5]), a4);
    expect(plain).toMatchObject({ kind: "line", x1: 0.1, y1: 0.5 * a4.aspect, x2: 0.5, head: null });
    const arrow = shapeView(line([0.1, 0.5], [0.5, 0.5], { type: "arrow" }), a4);
    expect(arrow.kind === "line" && arrow.head).toMatch(/^M0\.5 .+Z$/);
  });

  it("draws a tick as one stroke and a cross as two", () => {
    const tick = shapeView(stamp(), a4);
    const cross = shapeView(stamp({ type: "cross" }), a4);
    expect(tick.kind === "stamp" && tick.d.match(/M/g)).toHaveLength(1);
    expect(cross.kind === "stamp" && cross.d.match(/M/g)).toHaveLength(2);
  });

  it("gives a comment a bubble with a tail to its anchor, and a score its label", () => {
    const bubble = shapeView(comment({ x: 0.1, y: 0.1 }), a4);
    expect(bubble.kind === "bubble" && bubble.tail).toContain(`L0.1 ${+(0.1 * a4.aspect).toFixed(5)}L`);
    const label = shapeView(score({ questionId: "q7" }), a4);
    expect(label.kind === "label" && label.block.lines[0]!.text).toBe("score q7");
  });
});
