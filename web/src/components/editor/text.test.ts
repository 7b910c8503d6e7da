import { describe, expect, it } from "vitest";
import { blockHeight, bubbleBlock, bubbleEditorBox, labelBlock, measureText, textBlock, wrapText, type Measure } from "./text";
import { a4, comment, text } from "./fixtures";

/** Every character half a font size wide. */
const half: Measure = (s, size) => s.length * size * 0.5;

describe("wrapText", () => {
  it("breaks between words to stay within the width", () => {
    expect(wrapText("un deux trois quatre", 3, 1, half)).toEqual(["un", "deux", "trois", "quatre"]);
    expect(wrapText("un deux trois quatre", 6, 1, half)).toEqual(["un deux", "trois quatre"]);
    expect(wrapText("un deux trois quatre", 10, 1, half)).toEqual(["un deux trois quatre"]);
  });

  it("keeps the lines typed, empty ones too", () => {
    expect(wrapText("a\n\nb", 10, 1, half)).toEqual(["a", "", "b"]);
  });

  it("gives a word longer than the width a line of its own", () => {
    expect(wrapText("a anticonstitutionnellement b", 4, 1, half)).toEqual(["a", "anticonstitutionnellement", "b"]);
  });

  it("estimates widths where there is no canvas (Node)", () => {
    expect(measureText("abcd", 0.02)).toBeCloseTo(4 * 0.02 * 0.55);
  });
});

describe("blocks", () => {
  it("lays a text box's lines inside it, one line height apart", () => {
    const block = textBlock(text({ text: "Bien\nvu" }), a4.aspect, half);
    expect(block).toMatchObject({ x: 0.2, y: 0.3 * a4.aspect, w: 0.3, fontSize: 0.02 });
    expect(block.lines.map((l) => l.text)).toEqual(["Bien", "vu"]);
    expect(block.lines[1]!.y - block.lines[0]!.y).toBeCloseTo(0.025);
    expect(block.lines[0]!.x).toBeGreaterThan(0.2);
  });

  it("puts a comment's bubble below and right of its anchor, or across near the edges", () => {
    const near = bubbleBlock(comment({ x: 0.1, y: 0.1 }), a4.aspect, half);
    expect(near.x).toBeGreaterThan(0.1);
    expect(near.y).toBeGreaterThan(0.1 * a4.aspect);
    const corner = bubbleBlock(comment({ x: 0.98, y: 0.99 }), a4.aspect, half);
    expect(corner.x + corner.w).toBeLessThanOrEqual(0.98);
    expect(corner.y + corner.h).toBeLessThanOrEqual(0.99 * a4.aspect);
  });

  it("sizes a bubble to its text and a comment's editor to four lines", () => {
    const short = bubbleBlock(comment({ text: "Oui" }), a4.aspect, half);
    const long = bubbleBlock(comment({ text: "Il manque l'unité du résultat final, et la justification" }), a4.aspect, half);
    expect(long.w).toBeGreaterThan(short.w);
    expect(long.lines.length).toBeGreaterThan(1);
    expect(bubbleEditorBox(comment(), a4.aspect).h).toBeCloseTo(blockHeight(4, 0.015));
  });

  it("writes a score's label bold and bigger than a rubric item's", () => {
    const s = labelBlock({ id: "a", page: 1, type: "score", questionId: "q", x: 0.5, y: 0.5 }, "2,5 / 4", a4.aspect, half);
    const r = labelBlock({ id: "b", page: 1, type: "rubric", itemId: "i", x: 0.5, y: 0.5 }, "2,5 / 4", a4.aspect, half);
    expect(s.bold).toBe(true);
    expect(r.bold).toBe(false);
    expect(s.fontSize).toBeGreaterThan(r.fontSize);
    expect(s.lines).toHaveLength(1);
  });
});
