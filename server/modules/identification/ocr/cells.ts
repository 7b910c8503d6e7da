// The rows of one-letter boxes of a CMEN header, found from the printed lines alone: two long
// horizontal lines of the same extent a box height apart make a row, and the vertical lines
// between them its boxes. Nothing depends on where the header is printed or on the resolution.
import { horizontalLines, verticalLines, type HorizontalLine, type Mask, type VerticalLine } from "./lines.js";

/** A box's inside, grid lines excluded (pixel bounds, end exclusive). */
export interface Cell {
  x0: number;
  x1: number;
  top: number;
  bottom: number;
  inked: boolean;
}

export interface BoxRow {
  top: number;
  bottom: number;
  cells: Cell[];
  /** Rows [top, bottom) holding the row's handwriting, which often spills out of the boxes. */
  ink: { top: number; bottom: number };
}

export interface Grid {
  rows: BoxRow[];
  /** The ink mask without the grid lines, for reading what was written across them. */
  ink: Uint8Array;
}

// Sizes relative to the region's width: a 5 mm box in a 200 mm wide header is 2.5 %.
const MIN_LINE = 0.1;
const MIN_BOX = 0.012;
const MAX_BOX = 0.06;
const ALIGN = 0.012;
/** A box edge crosses the whole box height (give or take a pixel); letters rarely do. */
const VERTICAL_SHARE = 0.95;
/** Boxes are at most this many times wider than tall, or taller than wide. */
const BOX_RATIO = 2.5;
/** Share of a row's box edges that must be found as lines. */
const MIN_EDGES = 0.8;
/** Ink, as a share of a box's inside, that is a letter rather than a speck or a line's edge. */
const MIN_INK = 0.02;
/** How far handwriting may spill out of its boxes, in box heights. */
const SPILL = 0.7;

interface Band {
  /** From the top of the upper line to the bottom of the lower one. */
  top: number;
  bottom: number;
  /** Between the two lines. */
  inner: { top: number; bottom: number };
  edges: VerticalLine[];
}

/** `mask` is the ink to clean and read, `faint` the mask to find lines in (see HeaderImage). */
export function findGrid(mask: Mask, faint: Uint8Array): Grid {
  const lines = horizontalLines({ ...mask, ink: faint }, mask.width * MIN_LINE);
  const clean = { ...mask, ink: mask.ink.slice() };
  const bands: Band[] = [];
  const used = new Set<number>();
  lines.forEach((upper, i) => {
    if (used.has(i)) return;
    const j = lines.findIndex((lower, k) => k > i && !used.has(k) && sameRow(upper, lower, mask.width));
    if (j < 0) return;
    const lower = lines[j]!;
    const inner = { top: upper.bottom + 1, bottom: lower.top };
    if (inner.bottom - inner.top < 4) return;
    const [x0, x1] = [Math.min(upper.x0, lower.x0), Math.max(upper.x1, lower.x1)];
    const candidates = verticalLines({ ...mask, ink: faint }, { ...inner, x0: x0 - 3, x1: x1 + 4 }, VERTICAL_SHARE);
    const edges = latticeEdges(candidates, x0, x1, inner.bottom - inner.top);
    if (edges.length < 3) return;
    used.add(i).add(j);
    bands.push({ top: upper.top, bottom: lower.bottom, inner, edges });
    eraseHorizontal(clean, upper);
    eraseHorizontal(clean, lower);
    for (const edge of edges) eraseVertical(clean, edge, upper.top, lower.bottom);
  });
  dropSpecks(clean);
  const rows = bands.map((band, i) => {
    const cells = band.edges.slice(1).map((edge, k) => cellBetween(clean, band.edges[k]!, edge, band.inner));
    const room = { above: bands[i - 1]?.bottom ?? 0, below: bands[i + 1]?.top ?? mask.height };
    return { top: band.top, bottom: band.bottom, cells, ink: inkRows(clean, cells, room) };
  });
  return { rows, ink: clean.ink };
}

function sameRow(upper: { y: number; x0: number; x1: number }, lower: { y: number; x0: number; x1: number }, width: number): boolean {
  const gap = lower.y - upper.y;
  const align = ALIGN * width + 2;
  return gap >= MIN_BOX * width && gap <= MAX_BOX * width && Math.abs(upper.x0 - lower.x0) <= align && Math.abs(upper.x1 - lower.x1) <= align;
}

function cellBetween(clean: Mask, left: VerticalLine, right: VerticalLine, band: { top: number; bottom: number }): Cell {
  const cell = { x0: left.right + 1, x1: right.left, top: band.top, bottom: band.bottom, inked: false };
  cell.inked = inkShare(clean, cell) >= MIN_INK;
  return cell;
}

function eraseHorizontal(mask: Mask, line: HorizontalLine): void {
  const { width, height } = mask;
  const [from, to] = [Math.max(0, line.top - 1), Math.min(height - 1, line.bottom + 1)];
  eraseLine(mask.ink, { start: line.x0, end: line.x1, from, to }, (along, across) => across * width + along);
}

function eraseVertical(mask: Mask, line: VerticalLine, top: number, bottom: number): void {
  const [from, to] = [Math.max(0, line.left - 2), Math.min(mask.width - 1, line.right + 2)];
  eraseLine(mask.ink, { start: top, end: bottom, from, to }, (along, across) => along * mask.width + across);
}

/**
 * Clears a grid line from the mask, position by position along it, within the window
 * [from, to] across it (whose ends are just off the line). Where the ink across is no thicker
 * than the line, it is the line: cleared, unless ink on both ends shows a stroke crossing it.
 * Where it is thicker, a stroke lies along the line (the top of an O on the box's edge): only the
 * line's own pixels, where the line ran just before, are cleared and the stroke keeps its shape.
 */
function eraseLine(ink: Uint8Array, span: { start: number; end: number; from: number; to: number }, index: (along: number, across: number) => number): void {
  const inked = (along: number) => {
    const rows: number[] = [];
    for (let across = span.from + 1; across < span.to; across += 1) if (ink[index(along, across)]) rows.push(across);
    return rows;
  };
  const counts: number[] = [];
  for (let along = span.start; along <= span.end; along += 1) counts.push(inked(along).length);
  const thickness = Math.max(1, counts.sort((a, b) => a - b)[Math.floor(counts.length / 2)]!);
  let centre = (span.from + span.to) / 2;
  for (let along = span.start; along <= span.end; along += 1) {
    if (ink[index(along, span.from)] && ink[index(along, span.to)]) continue;
    const rows = inked(along);
    if (rows.length === 0) continue;
    if (rows.length <= thickness) {
      centre = (rows[0]! + rows.at(-1)!) / 2;
      for (const across of rows) ink[index(along, across)] = 0;
    } else {
      const first = Math.round(centre - (thickness - 1) / 2);
      for (let across = first; across < first + thickness; across += 1) ink[index(along, across)] = 0;
    }
  }
}

/** Ink pixels with no inked neighbour: what is left where two grid lines crossed. */
function dropSpecks(mask: Mask): void {
  const { ink, width, height } = mask;
  for (let y = 1; y < height - 1; y += 1) {
    for (let x = 1; x < width - 1; x += 1) {
      const i = y * width + x;
      if (!ink[i]) continue;
      const neighbours = ink[i - width - 1]! + ink[i - width]! + ink[i - width + 1]! + ink[i - 1]! + ink[i + 1]! + ink[i + width - 1]! + ink[i + width]! + ink[i + width + 1]!;
      if (neighbours === 0) ink[i] = 0;
    }
  }
}

/**
 * The rows holding the handwriting of a row of boxes: the inked rows around the boxes, reaching
 * at most SPILL box heights out and never into the next row of boxes.
 */
function inkRows(clean: Mask, cells: Cell[], room: { above: number; below: number }): { top: number; bottom: number } {
  const first = cells[0]!;
  const height = first.bottom - first.top;
  const [x0, x1] = [first.x0, cells.at(-1)!.x1];
  const inked = (y: number) => {
    for (let x = x0; x < x1; x += 1) if (clean.ink[y * clean.width + x]) return true;
    return false;
  };
  let top = first.top;
  while (top > Math.max(room.above, first.top - SPILL * height) && inked(top - 1)) top -= 1;
  let bottom = first.bottom;
  while (bottom < Math.min(room.below, first.bottom + SPILL * height) && inked(bottom)) bottom += 1;
  return { top, bottom };
}

/**
 * The box edges of a row: evenly spaced from one end of the row to the other. Of the box counts
 * that put a vertical line at (nearly) every edge, the one matching the most lines wins (a count
 * too low leaves lines out, too high misses edges); a letter stroke that passed for a line falls
 * between edges and is ignored. An edge too faint to be found is placed where it must be.
 */
function latticeEdges(candidates: VerticalLine[], x0: number, x1: number, boxHeight: number): VerticalLine[] {
  const span = x1 - x0;
  const tolerance = Math.max(2, boxHeight * 0.12);
  let [best, bestFound]: [VerticalLine[], number] = [[], 0];
  for (let boxes = Math.max(2, Math.floor(span / (BOX_RATIO * boxHeight))); boxes <= span / (boxHeight / BOX_RATIO); boxes += 1) {
    const edges = Array.from({ length: boxes + 1 }, (_, k) => {
      const x = x0 + (k * span) / boxes;
      const near = candidates.find((line) => Math.abs(line.x - x) <= tolerance);
      return { near, x: Math.round(x) };
    });
    const found = edges.filter((edge) => edge.near).length;
    if (found >= MIN_EDGES * edges.length && found > bestFound) {
      [best, bestFound] = [edges.map((edge) => edge.near ?? { x: edge.x, left: edge.x, right: edge.x }), found];
    }
  }
  return best;
}

/** Ink share of a box's inside, a little away from its edges where the grid lines bleed. */
function inkShare(mask: Mask, cell: Cell): number {
  const insetX = Math.round((cell.x1 - cell.x0) * 0.12);
  const insetY = Math.round((cell.bottom - cell.top) * 0.12);
  let [count, area] = [0, 0];
  for (let y = cell.top + insetY; y < cell.bottom - insetY; y += 1) {
    for (let x = cell.x0 + insetX; x < cell.x1 - insetX; x += 1) {
      count += mask.ink[y * mask.width + x]!;
      area += 1;
    }
  }
  return area === 0 ? 0 : count / area;
}
