// The text of annotations laid out in view units (1 = the page's width): text boxes, comment
// bubbles and score / rubric labels. The drawing and the hit tests share these layouts, so what
// a click hits is what is drawn.
import type { CommentAnnotation, RubricAnnotation, ScoreAnnotation, TextAnnotation } from "../../api/types";
import type { AnnotationLabels } from "./tools";

/** The graded PDF writes in Helvetica: the screen shows the closest font it has. */
export const FONT_FAMILY = "Helvetica, Arial, sans-serif";
export const LINE_HEIGHT = 1.25;
/** Where no canvas measures text (unit tests), an average Helvetica character's width. */
const AVERAGE_CHAR = 0.55;

const COMMENT_SIZE = 0.015;
const COMMENT_MAX_WIDTH = 0.28;
/** How far a comment's bubble sits from the point it is anchored to. */
const COMMENT_OFFSET = 0.015;
const LABEL_SIZES = { score: 0.022, rubric: 0.016 } as const;

export type Measure = (text: string, fontSize: number, bold?: boolean) => number;

let context: CanvasRenderingContext2D | null | undefined;

/** A text's width at a font size (both in view units). */
export const measureText: Measure = (text, fontSize, bold = false) => {
  if (context === undefined) context = typeof document === "undefined" ? null : document.createElement("canvas").getContext("2d");
  if (!context) return text.length * fontSize * AVERAGE_CHAR;
  context.font = `${bold ? "bold " : ""}100px ${FONT_FAMILY}`;
  return (context.measureText(text).width / 100) * fontSize;
};

/** Lines of at most maxWidth, broken between words (a word longer than that gets a line of its own). */
export function wrapText(text: string, maxWidth: number, fontSize: number, measure: Measure = measureText): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ")) {
      const candidate = line ? `${line} ${word}` : word;
      if (line && measure(candidate, fontSize) > maxWidth) {
        lines.push(line);
        line = word;
      } else {
        line = candidate;
      }
    }
    lines.push(line);
  }
  return lines;
}

export interface TextBlock {
  /** The block's box, in view units. */
  x: number;
  y: number;
  w: number;
  h: number;
  fontSize: number;
  bold: boolean;
  /** Each line and its baseline's start. */
  lines: { text: string; x: number; y: number }[];
}

export const paddingOf = (fontSize: number) => fontSize * 0.3;

/** The height of n lines with the block's padding. */
export const blockHeight = (lineCount: number, fontSize: number) => lineCount * fontSize * LINE_HEIGHT + 2 * paddingOf(fontSize);

function placeLines(lines: string[], x: number, y: number, fontSize: number) {
  const pad = paddingOf(fontSize);
  // The baseline sits about 0.95 em below the top of a 1.25 em line.
  return lines.map((text, i) => ({ text, x: x + pad, y: y + pad + fontSize * (0.95 + i * LINE_HEIGHT) }));
}

function widest(lines: string[], fontSize: number, bold: boolean, measure: Measure): number {
  return Math.max(0, ...lines.map((line) => measure(line, fontSize, bold)));
}

export function textBlock(a: TextAnnotation, aspect: number, measure: Measure = measureText): TextBlock {
  const lines = wrapText(a.text, a.w - 2 * paddingOf(a.size), a.size, measure);
  return { x: a.x, y: a.y * aspect, w: a.w, h: a.h * aspect, fontSize: a.size, bold: false, lines: placeLines(lines, a.x, a.y * aspect, a.size) };
}

/** Where a bubble of w × h goes: below and right of its anchor, or on the other side near the page's edges. */
function placeBubble(a: Pick<CommentAnnotation, "x" | "y">, w: number, h: number, aspect: number) {
  const ax = a.x;
  const ay = a.y * aspect;
  return {
    x: ax + COMMENT_OFFSET + w <= 1 ? ax + COMMENT_OFFSET : Math.max(0, ax - COMMENT_OFFSET - w),
    y: ay + COMMENT_OFFSET + h <= aspect ? ay + COMMENT_OFFSET : Math.max(0, ay - COMMENT_OFFSET - h),
  };
}

export function bubbleBlock(a: Pick<CommentAnnotation, "x" | "y" | "text">, aspect: number, measure: Measure = measureText): TextBlock {
  const size = COMMENT_SIZE;
  const lines = wrapText(a.text, COMMENT_MAX_WIDTH - 2 * paddingOf(size), size, measure);
  const w = widest(lines, size, false, measure) + 2 * paddingOf(size);
  const h = blockHeight(lines.length, size);
  const { x, y } = placeBubble(a, w, h, aspect);
  return { x, y, w, h, fontSize: size, bold: false, lines: placeLines(lines, x, y, size) };
}

/** The box a comment's editor takes: the widest bubble, four lines high. */
export function bubbleEditorBox(a: Pick<CommentAnnotation, "x" | "y">, aspect: number) {
  const w = COMMENT_MAX_WIDTH;
  const h = blockHeight(4, COMMENT_SIZE);
  return { ...placeBubble(a, w, h, aspect), w, h, fontSize: COMMENT_SIZE };
}

export function labelText(a: ScoreAnnotation | RubricAnnotation, labels: AnnotationLabels): string {
  return a.type === "score" ? labels.score(a.questionId) : labels.rubric(a.itemId);
}

/** A score or rubric label: one line in a box whose top left corner is the annotation's point. */
export function labelBlock(a: ScoreAnnotation | RubricAnnotation, text: string, aspect: number, measure: Measure = measureText): TextBlock {
  const size = LABEL_SIZES[a.type];
  const bold = a.type === "score";
  const w = measure(text, size, bold) + 2 * paddingOf(size);
  const y = a.y * aspect;
  return { x: a.x, y, w, h: blockHeight(1, size), fontSize: size, bold, lines: placeLines([text], a.x, y, size) };
}
