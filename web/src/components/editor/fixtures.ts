// Annotations for the editor's unit tests.
import type { Annotation, CommentAnnotation, LineAnnotation, StampAnnotation, StrokeAnnotation, TextAnnotation } from "../../api/types";
import type { PageContext } from "./geometry";

/** An A4 portrait page: 1 unit wide, √2 high. */
export const a4: PageContext = { aspect: 297 / 210, labels: { score: (id) => `score ${id}`, rubric: (id) => `item ${id}` } };

export const stroke = (points: [number, number][], over: Partial<StrokeAnnotation> = {}): StrokeAnnotation => ({
  id: "s",
  page: 1,
  type: "pen",
  color: "#d32f2f",
  width: 0.004,
  points: points.map(([x, y]) => [x, y, 0.5]),
  ...over,
});

export const line = (from: [number, number], to: [number, number], over: Partial<LineAnnotation> = {}): LineAnnotation => ({
  id: "l",
  page: 1,
  type: "line",
  color: "#d32f2f",
  width: 0.004,
  from,
  to,
  ...over,
});

export const text = (over: Partial<TextAnnotation> = {}): TextAnnotation => ({
  id: "t",
  page: 1,
  type: "text",
  color: "#d32f2f",
  x: 0.2,
  y: 0.3,
  w: 0.3,
  h: 0.05,
  size: 0.02,
  text: "Bien",
  ...over,
});

export const stamp = (over: Partial<StampAnnotation> = {}): StampAnnotation => ({ id: "k", page: 1, type: "tick", color: "#d32f2f", x: 0.5, y: 0.5, size: 0.04, ...over });

export const comment = (over: Partial<CommentAnnotation> = {}): CommentAnnotation => ({ id: "c", page: 1, type: "comment", color: "#d32f2f", x: 0.1, y: 0.1, text: "Justifier", ...over });

export const score = (over: Partial<Extract<Annotation, { type: "score" }>> = {}): Annotation => ({ id: "q", page: 1, type: "score", questionId: "q1", x: 0.8, y: 0.1, ...over });
