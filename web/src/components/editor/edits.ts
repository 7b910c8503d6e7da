// New annotations as the tools make them, and the edits a page makes to the copy's list.
import type { Annotation, CommentAnnotation, LineAnnotation, StampAnnotation, StrokeAnnotation, StrokePoint, TextAnnotation } from "../../api/types";
import type { Point } from "../nameBox";
import { clamp, round4 } from "./geometry";
import { splitPoints } from "./freehand";
import { blockHeight } from "./text";

/** Sizes as fractions of the page's width: about 3 px for a pen on a 1,240-pixel (150 dpi A4) page. */
export const SIZES = { pen: 0.0025, highlighter: 0.018, line: 0.003, text: 0.018, stamp: 0.035, textWidth: 0.3 } as const;

/** An edit a page makes; the canvas applies it to the whole list and hands the result to its host. */
export type Edit = { add: Annotation[] } | { replace: Annotation } | { remove: readonly string[] };

export function applyEdit(list: readonly Annotation[], edit: Edit): Annotation[] {
  if ("add" in edit) return [...list, ...edit.add];
  if ("replace" in edit) return list.map((a) => (a.id === edit.replace.id ? edit.replace : a));
  const removed = new Set(edit.remove);
  return list.filter((a) => !removed.has(a.id));
}

/**
 * The annotations of each page (by position). A page whose annotations are the same objects as
 * before keeps its previous array, so that its committed shapes are not drawn again.
 */
export function groupByPage(list: readonly Annotation[], previous?: ReadonlyMap<number, readonly Annotation[]>): Map<number, readonly Annotation[]> {
  const groups = new Map<number, Annotation[]>();
  for (const a of list) {
    const group = groups.get(a.page);
    if (group) group.push(a);
    else groups.set(a.page, [a]);
  }
  const result = new Map<number, readonly Annotation[]>();
  for (const [page, group] of groups) {
    const before = previous?.get(page);
    const same = before !== undefined && before.length === group.length && before.every((a, i) => a === group[i]);
    result.set(page, same ? before : group);
  }
  return result;
}

const newId = () => crypto.randomUUID();

export function newStrokes(type: StrokeAnnotation["type"], page: number, color: string, points: readonly StrokePoint[]): StrokeAnnotation[] {
  const width = type === "pen" ? SIZES.pen : SIZES.highlighter;
  return splitPoints(points).map((piece) => ({ id: newId(), page, type, color, width, points: piece }));
}

export function newLine(type: LineAnnotation["type"], page: number, color: string, from: Point, to: Point): LineAnnotation {
  return { id: newId(), page, type, color, width: SIZES.line, from: [round4(from.x), round4(from.y)], to: [round4(to.x), round4(to.y)] };
}

/** A stamp centred on the point clicked. */
export function newStamp(type: StampAnnotation["type"], page: number, color: string, at: Point): StampAnnotation {
  return { id: newId(), page, type, color, x: round4(at.x), y: round4(at.y), size: SIZES.stamp };
}

/** An empty text box of two lines from the point clicked, moved left or up to stay on the page. */
export function newText(page: number, color: string, at: Point, aspect: number): TextAnnotation {
  const w = SIZES.textWidth;
  const h = round4(blockHeight(2, SIZES.text) / aspect);
  return { id: newId(), page, type: "text", color, x: round4(clamp(at.x, 0, 1 - w)), y: round4(clamp(at.y, 0, 1 - h)), w, h, size: SIZES.text, text: "" };
}

export function newComment(page: number, color: string, at: Point): CommentAnnotation {
  return { id: newId(), page, type: "comment", color, x: round4(at.x), y: round4(at.y), text: "" };
}

/** A text box after its text was typed: as tall as its lines need, within the page. */
export function withText(a: TextAnnotation, text: string, lineCount: number, aspect: number): TextAnnotation {
  const needed = blockHeight(lineCount, a.size) / aspect;
  return { ...a, text, h: round4(clamp(Math.max(a.h, needed), 0, 1 - a.y)) };
}
