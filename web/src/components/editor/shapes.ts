// What the overlay draws for an annotation, in view units: filled outlines, lines, stamps, text
// blocks and labels. One pure function per annotation, so the component drawing it can keep the
// result until the annotation object is replaced.
import type { Annotation, CommentAnnotation, StampAnnotation } from "../../api/types";
import { arrowShape, type PageContext } from "./geometry";
import { strokePath, tracePath } from "./freehand";
import { bubbleBlock, labelBlock, labelText, textBlock, type TextBlock } from "./text";

export type ShapeView =
  | { kind: "stroke"; d: string; color: string; highlight: boolean }
  | { kind: "line"; x1: number; y1: number; x2: number; y2: number; width: number; color: string; head: string | null }
  | { kind: "stamp"; d: string; width: number; color: string }
  | { kind: "text"; block: TextBlock; color: string }
  | { kind: "bubble"; tail: string; block: TextBlock; color: string }
  | { kind: "label"; block: TextBlock; color: string };

/** Score and rubric labels are the teacher's marks: in red whatever the pen's colour. */
const LABEL_COLOR = "#d32f2f";

const f = (v: number) => +v.toFixed(5);

/** A tick (✓) or a cross (✗) of `size`, centred on (cx, cy). */
function stampPath(type: StampAnnotation["type"], cx: number, cy: number, size: number): string {
  const p = (dx: number, dy: number) => `${f(cx + dx * size)} ${f(cy + dy * size)}`;
  if (type === "tick") return `M${p(-0.4, 0)}L${p(-0.12, 0.3)}L${p(0.42, -0.36)}`;
  return `M${p(-0.35, -0.35)}L${p(0.35, 0.35)}M${p(0.35, -0.35)}L${p(-0.35, 0.35)}`;
}

/**
 * A comment bubble's tail, from its corner nearest the anchor to the anchor. The path is left
 * open: its fill covers the bubble's corner, its stroke draws the two sides only.
 */
function tailPath(a: CommentAnnotation, block: TextBlock, aspect: number): string {
  const { x, y, w, h } = block;
  const ax = a.x;
  const ay = a.y * aspect;
  // The tail leaves the bubble's corner nearest the anchor, along its two sides.
  const cx = ax <= x ? x : x + w;
  const cy = ay <= y ? y : y + h;
  const along = Math.min(w, h) * 0.4;
  const sx = cx === x ? along : -along;
  const sy = cy === y ? along : -along;
  return `M${f(cx + sx)} ${f(cy)}L${f(ax)} ${f(ay)}L${f(cx)} ${f(cy + sy)}`;
}

/**
 * How to draw an annotation. `drafting` is set for the stroke being drawn: it is traced as
 * unfinished and never cached (each frame brings a new one).
 */
export function shapeView(a: Annotation, ctx: PageContext, drafting = false): ShapeView {
  const { aspect } = ctx;
  switch (a.type) {
    case "pen":
    case "highlighter": {
      const d = drafting ? tracePath(a.type, a.width, a.points, aspect, false) : strokePath(a, aspect);
      return { kind: "stroke", d, color: a.color, highlight: a.type === "highlighter" };
    }
    case "line":
    case "arrow": {
      const from = { x: a.from[0], y: a.from[1] * aspect };
      const to = { x: a.to[0], y: a.to[1] * aspect };
      const arrow = a.type === "arrow" ? arrowShape(from, to, a.width) : null;
      const end = arrow?.shaftEnd ?? to;
      return { kind: "line", x1: from.x, y1: from.y, x2: end.x, y2: end.y, width: a.width, color: a.color, head: arrow?.head ?? null };
    }
    case "tick":
    case "cross":
      return { kind: "stamp", d: stampPath(a.type, a.x, a.y * aspect, a.size), width: a.size * 0.12, color: a.color };
    case "text":
      return { kind: "text", block: textBlock(a, aspect), color: a.color };
    case "comment": {
      const block = bubbleBlock(a, aspect);
      return { kind: "bubble", tail: tailPath(a, block, aspect), block, color: a.color };
    }
    case "score":
    case "rubric":
      return { kind: "label", block: labelBlock(a, labelText(a, ctx.labels), aspect), color: LABEL_COLOR };
  }
}
