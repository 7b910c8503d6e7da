// The teacher's annotations as vector drawing on an output page. Positions are fractions of the
// page (x of its width, y of its height, from the top-left corner); widths and sizes are
// fractions of its width. Where an annotation sits relative to (x, y):
// - text, score, rubric: (x, y) is the top-left corner of the text (its first line's top); a
//   text box wraps to its width w and is never cut to its height h (nothing typed is lost);
// - tick, cross: (x, y) is the centre of the mark, `size` its side;
// - comment: (x, y) is where the bubble's pointer points; the bubble sits above (below near the
//   top edge), kept inside the page.
import { getStroke } from "perfect-freehand";
import type { PDFFont, PDFRef } from "pdf-lib";
import type { Annotation } from "../schemas.js";
import type { Canvas, Point } from "./canvas.js";
import { STROKE_SCALE, strokeOptions, tracingPoints } from "./stroke-style.js";
import { drawable, formatPoints, wrap } from "./text.js";

export interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

export interface RubricItem {
  label: string;
  points: number;
  mode: "ADD" | "SUBTRACT";
}

export interface PageDrawing {
  canvas: Canvas;
  fonts: Fonts;
  /** The highlighter's graphics state (translucent, multiplied with the page under it). */
  highlighter: PDFRef;
  /** "2,5 / 4" for a question, undefined for a question the exam does not have. */
  scoreText(questionId: string): string | undefined;
  rubricItem(itemId: string): RubricItem | undefined;
}


export const SCORE_COLOR = "#d32f2f";
const RUBRIC_COLORS = { ADD: "#2e7d32", SUBTRACT: "#d32f2f" } as const;
/** Sizes as fractions of the page width (0.028 of an A4 page: 17 pt). */
const SCORE_SIZE = 0.028;
const RUBRIC_SIZE = 0.018;
const COMMENT_SIZE = 0.016;
const COMMENT_WIDTH = 0.32;
const LINE_HEIGHT = 1.2;
/** From a line's top to its baseline, in font sizes (half the leading, then Helvetica's ascent). */
const BASELINE = (LINE_HEIGHT - 1) / 2 + 0.72;

export function drawAnnotation(d: PageDrawing, a: Annotation): void {
  switch (a.type) {
    case "pen":
    case "highlighter":
      return drawStroke(d, a);
    case "line":
    case "arrow":
      return drawLine(d, a);
    case "text":
      return drawTextBox(d, a);
    case "tick":
    case "cross":
      return drawMark(d, a);
    case "comment":
      return drawComment(d, a);
    case "score":
      return drawScore(d, a);
    case "rubric":
      return drawRubric(d, a);
  }
}

type Of<T extends Annotation["type"]> = Extract<Annotation, { type: T }>;

function drawStroke(d: PageDrawing, a: Of<"pen" | "highlighter">): void {
  const { canvas } = d;
  // Traced as the editor traces it (stroke-style.ts), on the page's own proportions.
  const aspect = canvas.height / canvas.width;
  const outline = getStroke(tracingPoints(a.points, aspect), strokeOptions(a.type, a.width, a.points, true));
  if (outline.length < 3) return;
  const s = canvas.width / STROKE_SCALE;
  const path = canvas.path().polygon(outline.map(([x, y]) => [x! * s, y! * s] as const));
  if (a.type === "pen") canvas.fill(path, a.color);
  else canvas.withState(d.highlighter, () => canvas.fill(path, a.color));
}

function drawLine({ canvas }: PageDrawing, a: Of<"line" | "arrow">): void {
  const width = a.width * canvas.width;
  const from: Point = [a.from[0] * canvas.width, a.from[1] * canvas.height];
  const to: Point = [a.to[0] * canvas.width, a.to[1] * canvas.height];
  const length = Math.hypot(to[0] - from[0], to[1] - from[1]);
  if (a.type === "line" || length === 0) {
    canvas.stroke(canvas.path().moveTo(...from).lineTo(...to), { color: a.color, width });
    return;
  }
  // The head: a filled triangle, its length a few line widths (never too small to see).
  const head = Math.min(length, Math.max(4 * width, 0.012 * canvas.width));
  const [ux, uy] = [(to[0] - from[0]) / length, (to[1] - from[1]) / length];
  const base: Point = [to[0] - ux * head, to[1] - uy * head];
  const half = head * 0.5;
  // The shaft stops inside the head, so that its round cap does not blunt the tip.
  const shaftEnd: Point = [to[0] - ux * head * 0.7, to[1] - uy * head * 0.7];
  if (length > head) canvas.stroke(canvas.path().moveTo(...from).lineTo(...shaftEnd), { color: a.color, width });
  canvas.fill(canvas.path().polygon([to, [base[0] - uy * half, base[1] + ux * half], [base[0] + uy * half, base[1] - ux * half]]), a.color);
}

function drawTextBox({ canvas, fonts }: PageDrawing, a: Of<"text">): void {
  const size = a.size * canvas.width;
  const lines = wrap(drawable(a.text, fonts.regular), fonts.regular, size, Math.max(a.w * canvas.width, size));
  drawLines(canvas, lines, { x: a.x * canvas.width, top: a.y * canvas.height, font: fonts.regular, size, color: a.color });
}

function drawLines(canvas: Canvas, lines: string[], o: { x: number; top: number; font: PDFFont; size: number; color: string }): void {
  lines.forEach((line, i) => canvas.text(line, o.x, o.top + (i * LINE_HEIGHT + BASELINE) * o.size, o.font, o.size, o.color));
}

/** ✓ and ✗ as strokes, not glyphs: the standard fonts have neither. */
function drawMark({ canvas }: PageDrawing, a: Of<"tick" | "cross">): void {
  const s = a.size * canvas.width;
  const [cx, cy] = [a.x * canvas.width, a.y * canvas.height];
  const at = (dx: number, dy: number) => [cx + dx * s, cy + dy * s] as const;
  const path = canvas.path();
  if (a.type === "tick") {
    path.moveTo(...at(-0.38, 0.02)).lineTo(...at(-0.12, 0.3)).lineTo(...at(0.4, -0.32));
  } else {
    path.moveTo(...at(-0.32, -0.32)).lineTo(...at(0.32, 0.32)).moveTo(...at(-0.32, 0.32)).lineTo(...at(0.32, -0.32));
  }
  canvas.stroke(path, { color: a.color, width: 0.12 * s });
}

function drawComment({ canvas, fonts }: PageDrawing, a: Of<"comment">): void {
  const size = COMMENT_SIZE * canvas.width;
  const lines = wrap(drawable(a.text, fonts.regular), fonts.regular, size, COMMENT_WIDTH * canvas.width);
  const pad = size * 0.5;
  const boxWidth = Math.max(...lines.map((l) => fonts.regular.widthOfTextAtSize(l, size))) + 2 * pad;
  const boxHeight = lines.length * LINE_HEIGHT * size + 2 * pad;
  const tip: Point = [a.x * canvas.width, a.y * canvas.height];
  const pointer = size * 1.2;
  const above = tip[1] - pointer - boxHeight >= 0;
  const top = above ? tip[1] - pointer - boxHeight : tip[1] + pointer;
  const left = clamp(tip[0] - 2 * size, 1, canvas.width - boxWidth - 1);
  const box = { left, top, right: left + boxWidth, bottom: top + boxHeight };
  canvas.fillAndStroke(bubble(canvas, box, tip, above, size), "#ffffff", { color: a.color, width: size * 0.08 });
  drawLines(canvas, lines, { x: left + pad, top: top + pad, font: fonts.regular, size, color: a.color });
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** A rounded box with a pointer from its bottom (or top) edge to `tip`, as one outline. */
function bubble(canvas: Canvas, box: Box, tip: Point, pointerBelow: boolean, size: number) {
  const r = size * 0.5;
  const k = r * 0.5523; // Bézier handle length for a quarter circle
  const base = size * 0.5; // half the pointer's base
  const px = clamp(tip[0], box.left + r + base, box.right - r - base);
  const { left: l, top: t, right: rt, bottom: b } = box;
  const path = canvas.path().moveTo(l + r, t);
  if (!pointerBelow) path.lineTo(px - base, t).lineTo(...tip).lineTo(px + base, t);
  path.lineTo(rt - r, t).curveTo([rt - r + k, t], [rt, t + r - k], [rt, t + r]);
  path.lineTo(rt, b - r).curveTo([rt, b - r + k], [rt - r + k, b], [rt - r, b]);
  if (pointerBelow) path.lineTo(px + base, b).lineTo(...tip).lineTo(px - base, b);
  path.lineTo(l + r, b).curveTo([l + r - k, b], [l, b - r + k], [l, b - r]);
  return path.lineTo(l, t + r).curveTo([l, t + r - k], [l + r - k, t], [l + r, t]).close();
}

function drawScore({ canvas, fonts, scoreText }: PageDrawing, a: Of<"score">): void {
  const text = scoreText(a.questionId);
  if (text === undefined) return;
  const size = SCORE_SIZE * canvas.width;
  canvas.text(drawable(text, fonts.bold), a.x * canvas.width, a.y * canvas.height + BASELINE * size, fonts.bold, size, SCORE_COLOR);
}

/** "+1 Bonne démarche": the points in bold, then the wording, wrapped beside them. */
function drawRubric({ canvas, fonts, rubricItem }: PageDrawing, a: Of<"rubric">): void {
  const item = rubricItem(a.itemId);
  if (!item) return;
  const size = RUBRIC_SIZE * canvas.width;
  const color = RUBRIC_COLORS[item.mode];
  const [x, top] = [a.x * canvas.width, a.y * canvas.height];
  const points = `${formatPoints(item.points, item.mode)} `;
  canvas.text(points, x, top + BASELINE * size, fonts.bold, size, color);
  const indent = fonts.bold.widthOfTextAtSize(points, size);
  const lines = wrap(drawable(item.label, fonts.regular), fonts.regular, size, 0.4 * canvas.width);
  drawLines(canvas, lines, { x: x + indent, top, font: fonts.regular, size, color });
}

function clamp(value: number, min: number, max: number): number {
  return Math.max(min, Math.min(max, value));
}
