// The name box drawn on a sample page: page-relative rectangles (0–1), as the server keeps them.
import type { NameBox } from "../api/types";

export interface Point {
  x: number;
  y: number;
}

/** Boxes smaller than this (a click rather than a drag) are ignored. */
export const MIN_SIDE = 0.01;

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;

/** Where a pointer is on an element, as a fraction of its size, kept inside it. */
export function relativePoint(rect: Pick<DOMRect, "left" | "top" | "width" | "height">, clientX: number, clientY: number): Point {
  return {
    x: rect.width > 0 ? clamp01((clientX - rect.left) / rect.width) : 0,
    y: rect.height > 0 ? clamp01((clientY - rect.top) / rect.height) : 0,
  };
}

/** The rectangle between two corners, in any drag direction, within the page. */
export function boxFromCorners(a: Point, b: Point): NameBox {
  const left = round4(clamp01(Math.min(a.x, b.x)));
  const top = round4(clamp01(Math.min(a.y, b.y)));
  const right = round4(clamp01(Math.max(a.x, b.x)));
  const bottom = round4(clamp01(Math.max(a.y, b.y)));
  return { x: left, y: top, width: round4(right - left), height: round4(bottom - top) };
}

export function isUsableBox(box: NameBox): boolean {
  return box.width >= MIN_SIDE && box.height >= MIN_SIDE && box.x + box.width <= 1.0001 && box.y + box.height <= 1.0001;
}

/** A box edited as percentages (the keyboard alternative to drawing it). */
export function boxFromPercents(p: { x: number; y: number; width: number; height: number }): NameBox {
  const x = clamp01(p.x / 100);
  const y = clamp01(p.y / 100);
  return {
    x: round4(x),
    y: round4(y),
    width: round4(Math.min(clamp01(p.width / 100), 1 - x)),
    height: round4(Math.min(clamp01(p.height / 100), 1 - y)),
  };
}

export function sameBox(a: NameBox, b: NameBox): boolean {
  return a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
}
