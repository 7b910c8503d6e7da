// Geometry of annotations. Annotations keep page-relative coordinates (x a fraction of the page's
// width, y of its height); the overlay draws in view units, where 1 is the page's width in both
// directions (y × aspect, aspect = height / width), so distances and tolerances are the same
// horizontally and vertically.
import type { Annotation, LineAnnotation, StrokeAnnotation, TextAnnotation } from "../../api/types";
import type { Point } from "../nameBox";
import { bubbleBlock, labelBlock, labelText } from "./text";
import type { AnnotationLabels } from "./tools";

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** What laying out a page's annotations needs besides the annotations. */
export interface PageContext {
  aspect: number;
  labels: AnnotationLabels;
}

export type HandleKind = "corner" | "from" | "to";

export interface Handle {
  kind: HandleKind;
  /** In view units. */
  x: number;
  y: number;
}

/** Page coordinates keep 4 decimals: a tenth of a pixel on a 1,240-pixel page, and small drafts. */
export const round4 = (v: number) => Math.round(v * 10_000) / 10_000;
export const clamp = (v: number, min: number, max: number) => Math.min(max, Math.max(min, v));

const MIN_TEXT_SIDE = 0.02;

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const lengthSquared = dx * dx + dy * dy;
  const t = lengthSquared === 0 ? 0 : clamp(((p.x - a.x) * dx + (p.y - a.y) * dy) / lengthSquared, 0, 1);
  return distance(p, { x: a.x + t * dx, y: a.y + t * dy });
}

function boxAround(points: Iterable<Point>, margin: number): Box {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const p of points) {
    minX = Math.min(minX, p.x);
    minY = Math.min(minY, p.y);
    maxX = Math.max(maxX, p.x);
    maxY = Math.max(maxY, p.y);
  }
  return { x: minX - margin, y: minY - margin, w: maxX - minX + 2 * margin, h: maxY - minY + 2 * margin };
}

function* strokeViewPoints(a: StrokeAnnotation, aspect: number): Generator<Point> {
  for (const [x, y] of a.points) yield { x, y: y * aspect };
}

/** The length of an arrow's head: it grows with the line's width, but stays visible on thin lines. */
export const arrowHeadLength = (width: number) => Math.max(0.012, width * 4);

// Annotations are immutable (an edit replaces the object): a stroke's box is computed once.
const strokeBoxes = new WeakMap<StrokeAnnotation, { aspect: number; box: Box }>();

function strokeBox(a: StrokeAnnotation, aspect: number): Box {
  const cached = strokeBoxes.get(a);
  if (cached?.aspect === aspect) return cached.box;
  const box = boxAround(strokeViewPoints(a, aspect), a.width / 2);
  strokeBoxes.set(a, { aspect, box });
  return box;
}

const lineEnds = (a: LineAnnotation, aspect: number): [Point, Point] => [
  { x: a.from[0], y: a.from[1] * aspect },
  { x: a.to[0], y: a.to[1] * aspect },
];

/** The box an annotation covers, in view units. */
export function bounds(a: Annotation, ctx: PageContext): Box {
  switch (a.type) {
    case "pen":
    case "highlighter":
      return strokeBox(a, ctx.aspect);
    case "line":
    case "arrow":
      return boxAround(lineEnds(a, ctx.aspect), a.type === "arrow" ? arrowHeadLength(a.width) / 2 : a.width / 2);
    case "text":
      return { x: a.x, y: a.y * ctx.aspect, w: a.w, h: a.h * ctx.aspect };
    case "tick":
    case "cross":
      return { x: a.x - a.size / 2, y: a.y * ctx.aspect - a.size / 2, w: a.size, h: a.size };
    case "comment": {
      const bubble = bubbleBlock(a, ctx.aspect);
      const anchor = { x: a.x, y: a.y * ctx.aspect };
      return boxAround([anchor, bubble, { x: bubble.x + bubble.w, y: bubble.y + bubble.h }], 0);
    }
    case "score":
    case "rubric": {
      const { x, y, w, h } = labelBlock(a, labelText(a, ctx.labels), ctx.aspect);
      return { x, y, w, h };
    }
  }
}

export function inBox(box: Box, p: Point, tolerance = 0): boolean {
  return p.x >= box.x - tolerance && p.x <= box.x + box.w + tolerance && p.y >= box.y - tolerance && p.y <= box.y + box.h + tolerance;
}

function nearStroke(a: StrokeAnnotation, p: Point, reach: number, aspect: number): boolean {
  const [first, ...rest] = a.points;
  if (!first) return false;
  let previous = { x: first[0], y: first[1] * aspect };
  if (rest.length === 0) return distance(p, previous) <= reach;
  for (const [x, y] of rest) {
    const next = { x, y: y * aspect };
    if (distanceToSegment(p, previous, next) <= reach) return true;
    previous = next;
  }
  return false;
}

/** Whether a point (view units) touches an annotation, within a tolerance (view units). */
export function hitTest(a: Annotation, p: Point, tolerance: number, ctx: PageContext): boolean {
  const box = bounds(a, ctx);
  if (!inBox(box, p, tolerance)) return false;
  switch (a.type) {
    case "pen":
    case "highlighter":
      return nearStroke(a, p, tolerance + a.width / 2, ctx.aspect);
    case "line":
    case "arrow": {
      const [from, to] = lineEnds(a, ctx.aspect);
      if (a.type === "arrow" && distance(p, to) <= arrowHeadLength(a.width) + tolerance) return true;
      return distanceToSegment(p, from, to) <= tolerance + a.width / 2;
    }
    default:
      return true;
  }
}

/** The annotation drawn on top at a point: the last one in the list that the point touches. */
export function topmostHit(list: readonly Annotation[], p: Point, tolerance: number, ctx: PageContext): Annotation | null {
  for (let i = list.length - 1; i >= 0; i--) {
    const a = list[i]!;
    if (hitTest(a, p, tolerance, ctx)) return a;
  }
  return null;
}

/** The page coordinates an annotation spans (its points, ends or box; one point for stamps and labels). */
function extent(a: Annotation): { minX: number; maxX: number; minY: number; maxY: number } {
  const span = (xs: number[], ys: number[]) => ({ minX: Math.min(...xs), maxX: Math.max(...xs), minY: Math.min(...ys), maxY: Math.max(...ys) });
  switch (a.type) {
    case "pen":
    case "highlighter": {
      const box = boxAround(strokeViewPoints(a, 1), 0);
      return { minX: box.x, maxX: box.x + box.w, minY: box.y, maxY: box.y + box.h };
    }
    case "line":
    case "arrow":
      return span([a.from[0], a.to[0]], [a.from[1], a.to[1]]);
    case "text":
      return span([a.x, a.x + a.w], [a.y, a.y + a.h]);
    default:
      return span([a.x], [a.y]);
  }
}

/** The annotation moved by dx, dy (page coordinates), as far as it stays on the page. */
export function moveBy(a: Annotation, dx: number, dy: number): Annotation {
  const { minX, maxX, minY, maxY } = extent(a);
  const mx = clamp(dx, -minX, 1 - maxX);
  const my = clamp(dy, -minY, 1 - maxY);
  const x = (v: number) => round4(clamp(v + mx, 0, 1));
  const y = (v: number) => round4(clamp(v + my, 0, 1));
  switch (a.type) {
    case "pen":
    case "highlighter":
      return { ...a, points: a.points.map(([px, py, pressure]) => [x(px), y(py), pressure]) };
    case "line":
    case "arrow":
      return { ...a, from: [x(a.from[0]), y(a.from[1])], to: [x(a.to[0]), y(a.to[1])] };
    default:
      return { ...a, x: x(a.x), y: y(a.y) };
  }
}

/** The handles a selected annotation offers: a text box's corner, a line's ends. */
export function handles(a: Annotation, aspect: number): Handle[] {
  if (a.type === "text") return [{ kind: "corner", x: a.x + a.w, y: (a.y + a.h) * aspect }];
  if (a.type === "line" || a.type === "arrow") {
    const [from, to] = lineEnds(a, aspect);
    return [
      { kind: "from", ...from },
      { kind: "to", ...to },
    ];
  }
  return [];
}

function resizeText(a: TextAnnotation, p: Point): TextAnnotation {
  return { ...a, w: round4(clamp(p.x - a.x, Math.min(MIN_TEXT_SIDE, 1 - a.x), 1 - a.x)), h: round4(clamp(p.y - a.y, Math.min(MIN_TEXT_SIDE, 1 - a.y), 1 - a.y)) };
}

/** The annotation once a handle is dragged to p (page coordinates). */
export function dragHandle(a: Annotation, kind: HandleKind, p: Point): Annotation {
  const end: [number, number] = [round4(clamp(p.x, 0, 1)), round4(clamp(p.y, 0, 1))];
  if (a.type === "text" && kind === "corner") return resizeText(a, p);
  if ((a.type === "line" || a.type === "arrow") && kind !== "corner") return kind === "from" ? { ...a, from: end } : { ...a, to: end };
  return a;
}

/** An arrow's shaft end and head (a filled triangle, SVG path), in view units. */
export function arrowShape(from: Point, to: Point, width: number): { shaftEnd: Point; head: string } {
  const length = distance(from, to);
  const head = Math.min(arrowHeadLength(width), length);
  const ux = length === 0 ? 1 : (to.x - from.x) / length;
  const uy = length === 0 ? 0 : (to.y - from.y) / length;
  const base = { x: to.x - ux * head, y: to.y - uy * head };
  const half = head / 2;
  const f = (v: number) => +v.toFixed(5);
  return {
    // The shaft stops inside the head, so its round cap does not poke out of the tip.
    shaftEnd: { x: to.x - ux * head * 0.7, y: to.y - uy * head * 0.7 },
    head: `M${f(to.x)} ${f(to.y)}L${f(base.x - uy * half)} ${f(base.y + ux * half)}L${f(base.x + uy * half)} ${f(base.y - ux * half)}Z`,
  };
}
