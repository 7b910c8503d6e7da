import { describe, expect, it } from "vitest";
import type { Annotation } from "../../api/types";
import { arrowShape, bounds, distanceToSegment, dragHandle, handles, hitTest, moveBy, topmostHit } from "./geometry";
import { a4, comment, line, score, stamp, stroke, text } from "./fixtures";

/** A point given in page coordinates, as the hit tests take it (view units). */
const at = (x: number, y: number) => ({ x, y: y * a4.aspect });
const tolerance = 0.005;

describe("distanceToSegment", () => {
  it("measures to the nearest point of the segment, ends included", () => {
    expect(distanceToSegment({ x: 0.5, y: 1 }, { x: 0, y: 0 }, { x: 1, y: 0 })).toBe(1);
    expect(distanceToSegment({ x: 2, y: 0 }, { x: 0, y: 0 }, { x: 1, y: 0 })).toBe(1);
    expect(distanceToSegment({ x: 3, y: 4 }, { x: 0, y: 0 }, { x: 0, y: 0 })).toBe(5);
  });
});

describe("hitTest", () => {
  const s = stroke([
    [0.1, 0.1],
    [0.3, 0.1],
    [0.3, 0.3],
  ]);

  it("hits a stroke along its path within the tolerance and half its width", () => {
    expect(hitTest(s, at(0.2, 0.1), tolerance, a4)).toBe(true);
    expect(hitTest(s, { x: 0.2, y: 0.1 * a4.aspect + 0.006 }, tolerance, a4)).toBe(true);
    expect(hitTest(s, { x: 0.2, y: 0.1 * a4.aspect + 0.01 }, tolerance, a4)).toBe(false);
  });

  it("misses a stroke inside its bounding box but away from its path", () => {
    expect(hitTest(s, at(0.15, 0.25), tolerance, a4)).toBe(false);
  });

  it("hits a single-point stroke (a dot) around the point", () => {
    const dot = stroke([[0.5, 0.5]]);
    expect(hitTest(dot, { x: 0.503, y: 0.5 * a4.aspect }, tolerance, a4)).toBe(true);
    expect(hitTest(dot, { x: 0.52, y: 0.5 * a4.aspect }, tolerance, a4)).toBe(false);
  });

  it("hits a line near its segment and an arrow near its head", () => {
    const l = line([0.1, 0.5], [0.5, 0.5]);
    expect(hitTest(l, at(0.3, 0.5), tolerance, a4)).toBe(true);
    expect(hitTest(l, at(0.6, 0.5), tolerance, a4)).toBe(false);
    const arrow = line([0.1, 0.5], [0.5, 0.5], { type: "arrow" });
    expect(hitTest(arrow, { x: 0.495, y: 0.5 * a4.aspect + 0.01 }, tolerance, a4)).toBe(true);
  });

  it("hits a text box anywhere inside it, and a little around it", () => {
    const t = text();
    expect(hitTest(t, at(0.35, 0.32), tolerance, a4)).toBe(true);
    expect(hitTest(t, { x: 0.503, y: 0.32 * a4.aspect }, tolerance, a4)).toBe(true);
    expect(hitTest(t, at(0.55, 0.32), tolerance, a4)).toBe(false);
  });

  it("hits a stamp within its square, centred on its point", () => {
    const k = stamp();
    expect(hitTest(k, at(0.5, 0.5), tolerance, a4)).toBe(true);
    expect(hitTest(k, { x: 0.515, y: 0.5 * a4.aspect - 0.015 }, tolerance, a4)).toBe(true);
    expect(hitTest(k, at(0.6, 0.5), tolerance, a4)).toBe(false);
  });

  it("hits a comment's bubble and a score's label", () => {
    const c = comment();
    const bubble = bounds(c, a4);
    expect(hitTest(c, { x: bubble.x + bubble.w - 0.001, y: bubble.y + bubble.h - 0.001 }, 0, a4)).toBe(true);
    const q = score();
    expect(hitTest(q, { x: 0.801, y: 0.1 * a4.aspect + 0.001 }, 0, a4)).toBe(true);
    expect(hitTest(q, at(0.7, 0.1), 0, a4)).toBe(false);
  });

  it("finds the topmost annotation: the last drawn of those hit", () => {
    const under = text({ id: "under" });
    const over = text({ id: "over" });
    expect(topmostHit([under, over], at(0.3, 0.32), tolerance, a4)?.id).toBe("over");
    expect(topmostHit([under, over], at(0.9, 0.9), tolerance, a4)).toBeNull();
  });
});

describe("bounds", () => {
  it("takes a stroke's points and half its width, in view units", () => {
    const b = bounds(
      stroke([
        [0.1, 0.2],
        [0.3, 0.4],
      ]),
      a4,
    );
    expect(b.x).toBeCloseTo(0.098);
    expect(b.y).toBeCloseTo(0.2 * a4.aspect - 0.002);
    expect(b.w).toBeCloseTo(0.204);
    expect(b.h).toBeCloseTo(0.2 * a4.aspect + 0.004);
  });

  it("takes a text box as it is, and a stamp around its centre", () => {
    expect(bounds(text(), a4)).toEqual({ x: 0.2, y: 0.3 * a4.aspect, w: 0.3, h: 0.05 * a4.aspect });
    const b = bounds(stamp(), a4);
    expect(b.x).toBeCloseTo(0.48);
    expect(b.w).toBeCloseTo(0.04);
  });

  it("sizes a score label from its text", () => {
    const short = bounds(score(), { ...a4, labels: { ...a4.labels, score: () => "1" } });
    const long = bounds(score(), { ...a4, labels: { ...a4.labels, score: () => "12,5 / 20" } });
    expect(long.w).toBeGreaterThan(short.w);
    expect(long.h).toBeCloseTo(short.h);
  });
});

describe("moveBy", () => {
  /** The page coordinates an annotation is placed by. */
  const coordinatesOf = (a: Annotation): number[] => {
    switch (a.type) {
      case "pen":
      case "highlighter":
        return a.points.flatMap(([x, y]) => [x, y]);
      case "line":
      case "arrow":
        return [...a.from, ...a.to];
      case "text":
        return [a.x, a.y, a.x + a.w, a.y + a.h];
      default:
        return [a.x, a.y];
    }
  };

  it("moves every point of a stroke", () => {
    const moved = moveBy(
      stroke([
        [0.1, 0.1],
        [0.2, 0.2],
      ]),
      0.1,
      0.05,
    );
    expect(moved.type === "pen" && moved.points).toEqual([
      [0.2, 0.15, 0.5],
      [0.3, 0.25, 0.5],
    ]);
  });

  it("stops a stroke at the page's edges, keeping its shape", () => {
    const moved = moveBy(
      stroke([
        [0.1, 0.1],
        [0.3, 0.2],
      ]),
      0.9,
      -0.5,
    );
    expect(moved.type === "pen" && moved.points).toEqual([
      [0.8, 0, 0.5],
      [1, 0.1, 0.5],
    ]);
  });

  it("keeps a text box whole on the page", () => {
    const moved = moveBy(text(), 0.8, 0.8);
    expect(moved).toMatchObject({ x: 0.7, y: 0.95, w: 0.3, h: 0.05 });
  });

  it("keeps lines, stamps, comments and labels within [0, 1]", () => {
    for (const a of [line([0.1, 0.1], [0.9, 0.2]), stamp(), comment(), score()]) {
      for (const [dx, dy] of [
        [2, 2],
        [-2, -2],
        [0.5, -0.7],
      ] as const) {
        for (const v of coordinatesOf(moveBy(a, dx, dy))) expect(v >= 0 && v <= 1).toBe(true);
      }
    }
  });

  it("does not move what does not move", () => {
    expect(moveBy(stamp(), 0, 0)).toEqual(stamp());
  });
});

describe("handles", () => {
  it("offers a text box's corner, which resizes it within the page", () => {
    const t = text();
    expect(handles(t, a4.aspect)).toEqual([{ kind: "corner", x: 0.5, y: 0.35 * a4.aspect }]);
    expect(dragHandle(t, "corner", { x: 0.6, y: 0.5 })).toMatchObject({ x: 0.2, y: 0.3, w: 0.4, h: 0.2 });
    expect(dragHandle(t, "corner", { x: 2, y: 0 })).toMatchObject({ w: 0.8, h: 0.02 });
  });

  it("offers a line's ends, which move one at a time", () => {
    const l = line([0.1, 0.1], [0.5, 0.5]);
    expect(handles(l, a4.aspect).map((h) => h.kind)).toEqual(["from", "to"]);
    expect(dragHandle(l, "to", { x: 0.7, y: 0.2 })).toMatchObject({ from: [0.1, 0.1], to: [0.7, 0.2] });
    expect(handles(stamp(), a4.aspect)).toEqual([]);
  });
});

describe("arrowShape", () => {
  it("puts the head's tip at the end and stops the shaft inside it", () => {
    const { shaftEnd, head } = arrowShape({ x: 0, y: 0 }, { x: 0.5, y: 0 }, 0.004);
    expect(head.startsWith("M0.5 0L")).toBe(true);
    expect(head.endsWith("Z")).toBe(true);
    expect(shaftEnd.x).toBeLessThan(0.5);
    expect(shaftEnd.x).toBeGreaterThan(0.48);
  });
});
