// Zoom and scrolling of the copy. A zoom is a share of the page image's natural width (1 = one
// image pixel per CSS pixel) or "fit": each page as wide as the editor.
import type { Point } from "../nameBox";

export type Zoom = number | "fit";

export const MIN_ZOOM = 0.5;
export const MAX_ZOOM = 4;
/** What the toolbar's − and + go through. */
export const ZOOM_STEPS: readonly number[] = [0.5, 0.67, 0.75, 0.9, 1, 1.1, 1.25, 1.5, 1.75, 2, 2.5, 3, 4];

/** The last item matching (Array.prototype.findLast is ES2023, beyond the project's target). */
function findLast(list: readonly number[], matches: (v: number) => boolean): number | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (matches(list[i]!)) return list[i];
  return undefined;
}

export function clampZoom(zoom: number): number {
  return Math.min(MAX_ZOOM, Math.max(MIN_ZOOM, zoom));
}

/** The width a page is shown at, in CSS pixels; `available` is the editor's inner width. */
export function displayWidth(naturalWidth: number, zoom: Zoom, available: number): number {
  return Math.max(1, Math.round(zoom === "fit" ? available : naturalWidth * clampZoom(zoom)));
}

/** The zoom "fit" amounts to for a page (what the toolbar shows, where − and + start from). */
export function fitZoom(naturalWidth: number, available: number): number {
  return naturalWidth > 0 ? available / naturalWidth : 1;
}

/** The next step up (direction 1) or down (-1) from a zoom, which may lie between steps. */
export function stepZoom(current: number, direction: 1 | -1): number {
  const next = direction > 0 ? ZOOM_STEPS.find((s) => s > current * 1.001) : findLast(ZOOM_STEPS, (s) => s < current * 0.999);
  return next ?? (direction > 0 ? MAX_ZOOM : MIN_ZOOM);
}

/** Ctrl+wheel (and a trackpad's pinch): zooms smoothly, by about 10 % per mouse wheel notch. */
export function wheelZoom(current: number, deltaY: number, deltaMode = 0): number {
  // deltaMode 1 counts lines (Firefox with a mouse wheel): about 33 pixels each.
  const pixels = deltaMode === 1 ? deltaY * 33 : deltaY;
  const next = current * Math.exp(-pixels / 1000);
  return Math.round(clampZoom(next) * 1000) / 1000;
}

/** Two fingers moving apart or together zoom in proportion to their distance. */
export function pinchZoom(startZoom: number, startDistance: number, distance: number): number {
  if (startDistance <= 0) return startZoom;
  return Math.round(clampZoom((startZoom * distance) / startDistance) * 1000) / 1000;
}

export interface Rect {
  left: number;
  top: number;
  width: number;
}

/** A client point on a page, in view units (fractions of the page's displayed width). */
export function pagePoint(rect: Rect, client: Point): Point {
  return { x: (client.x - rect.left) / rect.width, y: (client.y - rect.top) / rect.width };
}

/**
 * How far to scroll so that a page point (view units) comes back under the client point it was
 * under, once the page is laid out at its new rect.
 */
export function scrollCorrection(rect: Rect, point: Point, client: Point): Point {
  return { x: rect.left + point.x * rect.width - client.x, y: rect.top + point.y * rect.width - client.y };
}

/**
 * Where PageDown (direction 1) or PageUp (-1) scrolls to, given the pages' tops in the scroll
 * container: the next page's top, or the current page's own top when PageUp is pressed inside it.
 */
export function adjacentPageTop(tops: readonly number[], scrollTop: number, direction: 1 | -1): number | null {
  const slack = 2;
  if (direction > 0) return tops.find((top) => top > scrollTop + slack) ?? null;
  return findLast(tops, (top) => top < scrollTop - slack) ?? null;
}
