import { describe, expect, it } from "vitest";
import type { StrokePoint } from "../../api/types";
import { strokeOptions } from "../../../../server/modules/grading/flatten/stroke-style";
import { appendPoint, outlinePath, simplify, splitPoints, strokePath, strokePoint, tracePath } from "./freehand";
import { a4, stroke } from "./fixtures";

const wave = (n: number): [number, number][] => Array.from({ length: n }, (_, i) => [0.1 + i * 0.01, 0.2 + Math.sin(i / 3) * 0.02]);

/** The numbers of a path, in pairs. */
const pairs = (d: string) => {
  const numbers = d.match(/-?\d+(\.\d+)?/g)!.map(Number);
  return Array.from({ length: numbers.length / 2 }, (_, i): [number, number] => [numbers[2 * i]!, numbers[2 * i + 1]!]);
};

describe("stroke paths", () => {
  it("outlines a stroke as one closed path in view units, around its points", () => {
    const d = strokePath(stroke(wave(20)), a4.aspect);
    expect(d.startsWith("M")).toBe(true);
    expect(d.endsWith("Z")).toBe(true);
    expect(d.match(/M/g)).toHaveLength(1);
    for (const [x, y] of pairs(d)) {
      expect(x).toBeGreaterThan(0.09);
      expect(x).toBeLessThan(0.31);
      expect(y).toBeGreaterThan(0.17 * a4.aspect);
      expect(y).toBeLessThan(0.23 * a4.aspect);
    }
  });

  it("draws a dot for a single point", () => {
    const d = strokePath(stroke([[0.5, 0.5]]), a4.aspect);
    expect(d).toMatch(/^M.+Z$/);
    for (const [x] of pairs(d)) expect(Math.abs(x - 0.5)).toBeLessThan(0.01);
  });

  it("traces a committed stroke once (annotations are immutable)", () => {
    const s = stroke(wave(10));
    expect(strokePath(s, a4.aspect)).toBe(strokePath(s, a4.aspect));
    expect(tracePath(s.type, s.width, s.points, a4.aspect, true)).toBe(strokePath(s, a4.aspect));
  });

  it("closes a short outline with straight sides", () => {
    expect(outlinePath([])).toBe("");
    expect(
      outlinePath([
        [0, 0],
        [1000, 0],
        [1000, 1000],
      ]),
    ).toBe("M0 0L1 0L1 1Z");
  });

  it("keeps the highlighter's width and makes the pen's speed its pressure when it has none", () => {
    const mouse: StrokePoint[] = [
      [0, 0, 0.5],
      [0.1, 0, 0.5],
    ];
    const pen: StrokePoint[] = [
      [0, 0, 0.3],
      [0.1, 0, 0.8],
    ];
    expect(strokeOptions("highlighter", 0.02, mouse, true)).toMatchObject({ size: 20, thinning: 0 });
    expect(strokeOptions("pen", 0.0025, mouse, true).simulatePressure).toBe(true);
    expect(strokeOptions("pen", 0.0025, pen, true).simulatePressure).toBe(false);
  });
});

describe("points", () => {
  it("keeps 4 decimals of position and 2 of pressure", () => {
    expect(strokePoint(0.123456, 0.987654, 0.33333)).toEqual([0.1235, 0.9877, 0.33]);
  });

  it("drops points closer than the minimum distance to the last one kept", () => {
    const points: StrokePoint[] = [[0.1, 0.1, 0.5]];
    expect(appendPoint(points, [0.1002, 0.1, 0.5], 0.001, 1)).toBe(false);
    expect(appendPoint(points, [0.102, 0.1, 0.5], 0.001, 1)).toBe(true);
    expect(points).toHaveLength(2);
  });

  it("measures that distance in view units (y scaled by the page's aspect)", () => {
    const points: StrokePoint[] = [[0.1, 0.1, 0.5]];
    // 0.0008 of the page's height is 0.0008 × 1.414 ≈ 0.00113 of its width.
    expect(appendPoint(points, [0.1, 0.1008, 0.5], 0.001, a4.aspect)).toBe(true);
  });

  it("simplifies a stroke of sub-pixel jitter to its real moves", () => {
    const jitter: StrokePoint[] = Array.from({ length: 100 }, (_, i) => [0.1 + i * 0.0001, 0.1, 0.5]);
    const kept = simplify(jitter, 0.001, 1);
    expect(kept.length).toBeLessThanOrEqual(11);
    expect(kept[0]).toEqual(jitter[0]);
  });

  it("cuts a long stroke into pieces the server accepts, joined end to start", () => {
    const long: StrokePoint[] = Array.from({ length: 12 }, (_, i) => [i / 100, 0, 0.5]);
    const pieces = splitPoints(long, 5);
    expect(pieces.map((p) => p.length)).toEqual([5, 5, 4]);
    expect(pieces[1]![0]).toEqual(pieces[0]![4]);
    expect(pieces.at(-1)!.at(-1)).toEqual(long.at(-1));
    expect(splitPoints(long.slice(0, 5), 5)).toHaveLength(1);
    expect(splitPoints(long.slice(0, 1), 5)).toEqual([long.slice(0, 1)]);
  });
});
