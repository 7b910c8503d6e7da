// Freehand strokes: the points kept while drawing, and the outline perfect-freehand draws around
// them (one filled path per stroke).
import { getStroke } from "perfect-freehand";
import type { StrokeAnnotation, StrokePoint } from "../../api/types";
// The graded PDF outlines strokes with the same settings: one file for both.
import { STROKE_SCALE as SCALE, strokeOptions, tracingPoints } from "../../../../server/modules/grading/flatten/stroke-style";
import { round4 } from "./geometry";

/** The server keeps at most this many points per stroke: a longer one is saved as several. */
export const MAX_POINTS = 5000;

const average = (a: number, b: number) => (a + b) / 2;
const f = (v: number) => +(v / SCALE).toFixed(5);

/** An outline polygon as a closed SVG path (quadratic curves through its points' midpoints). */
export function outlinePath(outline: readonly [number, number][]): string {
  if (outline.length === 0) return "";
  if (outline.length < 4) return `M${outline.map(([x, y]) => `${f(x)} ${f(y)}`).join("L")}Z`;
  const [a, b, c] = outline as [[number, number], [number, number], [number, number]];
  let d = `M${f(a[0])} ${f(a[1])}Q${f(b[0])} ${f(b[1])} ${f(average(b[0], c[0]))} ${f(average(b[1], c[1]))}T`;
  for (let i = 2; i < outline.length - 1; i++) {
    const p = outline[i]!;
    const q = outline[i + 1]!;
    d += `${f(average(p[0], q[0]))} ${f(average(p[1], q[1]))} `;
  }
  return `${d.trimEnd()}Z`;
}

/** A stroke's outline as an SVG path in view units; `last` is false while it is being drawn. */
export function tracePath(type: StrokeAnnotation["type"], width: number, points: readonly StrokePoint[], aspect: number, last: boolean): string {
  return outlinePath(getStroke(tracingPoints(points, aspect), strokeOptions(type, width, points, last)) as [number, number][]);
}

// Annotations are immutable (an edit replaces the object): a committed stroke is traced once.
const paths = new WeakMap<StrokeAnnotation, { aspect: number; d: string }>();

export function strokePath(a: StrokeAnnotation, aspect: number): string {
  const cached = paths.get(a);
  if (cached?.aspect === aspect) return cached.d;
  const d = tracePath(a.type, a.width, a.points, aspect, true);
  paths.set(a, { aspect, d });
  return d;
}

/** A pointer position as it is kept: page coordinates to 4 decimals, pressure to 2. */
export function strokePoint(x: number, y: number, pressure: number): StrokePoint {
  return [round4(x), round4(y), Math.round(pressure * 100) / 100];
}

/**
 * Adds a point unless it is closer than minDistance (view units) to the last one kept: the
 * pointer reports many sub-pixel moves that only make drafts bigger. Returns whether it was kept.
 */
export function appendPoint(points: StrokePoint[], point: StrokePoint, minDistance: number, aspect: number): boolean {
  const last = points[points.length - 1];
  if (last && Math.hypot(point[0] - last[0], (point[1] - last[1]) * aspect) < minDistance) return false;
  points.push(point);
  return true;
}

/** The points with those closer than minDistance (view units) to the previous one kept dropped. */
export function simplify(points: readonly StrokePoint[], minDistance: number, aspect: number): StrokePoint[] {
  const kept: StrokePoint[] = [];
  for (const p of points) appendPoint(kept, p, minDistance, aspect);
  return kept;
}

/** A stroke cut into pieces the server accepts, each starting where the previous one ends. */
export function splitPoints(points: readonly StrokePoint[], max = MAX_POINTS): StrokePoint[][] {
  const pieces: StrokePoint[][] = [];
  for (let start = 0; start === 0 || start < points.length - 1; start += max - 1) pieces.push(points.slice(start, start + max));
  return pieces;
}
