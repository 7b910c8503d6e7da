// How a freehand stroke is outlined, shared by the editor (web/src/components/editor/freehand.ts
// imports this file) and the graded PDF, so that a stroke prints as it looked on screen.
// Kept free of any server dependency for that reason.
import type { StrokeOptions } from "perfect-freehand";

/**
 * perfect-freehand's thresholds (smallest radius, end noise, a dot's second point) are in
 * pixels: strokes are traced on a page STROKE_SCALE units wide, then scaled back.
 */
export const STROKE_SCALE = 1000;

type Pressured = readonly (readonly [number, number, number])[];

/** A pressure of 0.5 throughout is a mouse or a finger: the pen's speed then makes its width. */
const hasNoPressure = (points: Pressured) => points.every((p) => p[2] === 0.5);

/** `width` is the stroke's, as a fraction of the page width; `last` is false while drawing. */
export function strokeOptions(type: "pen" | "highlighter", width: number, points: Pressured, last: boolean): StrokeOptions {
  const size = width * STROKE_SCALE;
  // The highlighter keeps its width and irons out the hand's wobble: a straight-ish band.
  if (type === "highlighter") return { size, thinning: 0, smoothing: 0.6, streamline: 0.8, last };
  return { size, thinning: 0.5, smoothing: 0.5, streamline: 0.5, simulatePressure: hasNoPressure(points), last };
}

/** Page-relative points (y as a fraction of the height) on the tracing scale; aspect = height / width. */
export const tracingPoints = (points: Pressured, aspect: number) => points.map(([x, y, pressure]) => [x * STROKE_SCALE, y * aspect * STROKE_SCALE, pressure]);
