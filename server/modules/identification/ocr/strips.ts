// Pieces of the header (box insides, answer lines) pasted into one clean image for one OCR call,
// and the recognised symbols mapped back to the pieces they came from. One call over many
// pieces costs a few tens of milliseconds; one call per box would cost that per box.
import type { Page } from "tesseract.js";
import type { HeaderImage } from "./header-image.js";

/** A rectangle in pixels, end exclusive. */
export interface Rect {
  x0: number;
  x1: number;
  top: number;
  bottom: number;
}

export interface Strip {
  /** Binary PGM: white paper, grey ink. */
  image: Buffer;
  /** Where each piece landed, line by line, in the strip's pixels. */
  placed: Rect[][];
}

export interface Glyph {
  text: string;
  confidence: number;
  x: number;
  y: number;
}

/** Pieces pasted side by side, all scaled by `scale`. */
export interface StripLine {
  pieces: Rect[];
  scale: number;
}

/**
 * Lines of pieces separated by `gap` pixels, lines by four times that: closer, tesseract may take
 * a short line for part of a tall one. Only ink is copied: paper, and what is left of grid lines,
 * become white.
 */
export function composeStrip(header: HeaderImage, lines: StripLine[], gap: number): Strip {
  const margin = 2 * gap;
  const leading = 4 * gap;
  const placed: Rect[][] = [];
  let top = margin;
  let width = 0;
  for (const { pieces, scale } of lines) {
    const height = Math.max(0, ...pieces.map((piece) => Math.round((piece.bottom - piece.top) * scale)));
    let x = margin;
    placed.push(
      pieces.map((piece) => {
        const rect = { x0: x, x1: x + Math.round((piece.x1 - piece.x0) * scale), top, bottom: top + Math.round((piece.bottom - piece.top) * scale) };
        x = rect.x1 + gap;
        return rect;
      }),
    );
    width = Math.max(width, x - gap + margin);
    top += height + leading;
  }
  const height = top - leading + margin;
  const pixels = Buffer.alloc(width * height, 255);
  lines.forEach((line, i) => line.pieces.forEach((piece, k) => paste(header, piece, pixels, width, placed[i]![k]!)));
  return { image: Buffer.concat([Buffer.from(`P5\n${width} ${height}\n255\n`), pixels]), placed };
}

/**
 * `rect` less its blank columns on either side: the LSTM's time grows with the strip's width,
 * and a box is mostly blank around its letter.
 */
export function trimColumns(header: HeaderImage, rect: Rect): Rect {
  const inked = (x: number) => {
    for (let y = rect.top; y < rect.bottom; y += 1) if (header.ink[y * header.grey.width + x]) return true;
    return false;
  };
  let [x0, x1] = [rect.x0, rect.x1];
  while (x1 - x0 > 2 && !inked(x0)) x0 += 1;
  while (x1 - x0 > 2 && !inked(x1 - 1)) x1 -= 1;
  return { ...rect, x0, x1 };
}

/** Bilinear resampling of the inked pixels of `piece` into `to`. */
function paste(header: HeaderImage, piece: Rect, out: Buffer, outWidth: number, to: Rect): void {
  const { grey, ink } = header;
  const at = (x: number, y: number) => {
    const cx = Math.min(piece.x1 - 1, Math.max(piece.x0, x));
    const cy = Math.min(piece.bottom - 1, Math.max(piece.top, y));
    const i = cy * grey.width + cx;
    return ink[i] ? grey.data[i]! : 255;
  };
  const sx = (piece.x1 - piece.x0) / (to.x1 - to.x0);
  const sy = (piece.bottom - piece.top) / (to.bottom - to.top);
  for (let oy = to.top; oy < to.bottom; oy += 1) {
    const fy = piece.top + (oy - to.top + 0.5) * sy - 0.5;
    const y = Math.floor(fy);
    const wy = fy - y;
    for (let ox = to.x0; ox < to.x1; ox += 1) {
      const fx = piece.x0 + (ox - to.x0 + 0.5) * sx - 0.5;
      const x = Math.floor(fx);
      const wx = fx - x;
      const value = (at(x, y) * (1 - wx) + at(x + 1, y) * wx) * (1 - wy) + (at(x, y + 1) * (1 - wx) + at(x + 1, y + 1) * wx) * wy;
      out[oy * outWidth + ox] = Math.round(value);
    }
  }
}

/** Every recognised symbol with the centre of its box. */
export function glyphs(page: Page): Glyph[] {
  return (page.blocks ?? []).flatMap((block) =>
    block.paragraphs.flatMap((paragraph) =>
      paragraph.lines.flatMap((line) =>
        line.words.flatMap((word) =>
          word.symbols.map((symbol) => ({
            text: symbol.text,
            confidence: symbol.confidence,
            x: (symbol.bbox.x0 + symbol.bbox.x1) / 2,
            y: (symbol.bbox.y0 + symbol.bbox.y1) / 2,
          })),
        ),
      ),
    ),
  );
}

/** For each placed piece, the most confident glyph centred in it (or in the gap after it), or null. */
export function glyphsByPiece(found: Glyph[], placed: Rect[][], gap: number): (Glyph | null)[][] {
  return placed.map((line) =>
    line.map((rect) => {
      const inside = found.filter((g) => g.x >= rect.x0 - gap / 2 && g.x < rect.x1 + gap / 2 && g.y >= rect.top - gap && g.y < rect.bottom + gap);
      return inside.reduce<Glyph | null>((best, g) => (!best || g.confidence > best.confidence ? g : best), null);
    }),
  );
}

/** The words read inside `rect`, left to right, separated by spaces. */
export function textIn(page: Page, rect: Rect): string {
  const words = (page.blocks ?? []).flatMap((block) => block.paragraphs.flatMap((paragraph) => paragraph.lines.flatMap((line) => line.words)));
  return words
    .filter((word) => {
      const [x, y] = [(word.bbox.x0 + word.bbox.x1) / 2, (word.bbox.y0 + word.bbox.y1) / 2];
      return x >= rect.x0 && x < rect.x1 && y >= rect.top && y < rect.bottom;
    })
    .sort((a, b) => a.bbox.x0 - b.bbox.x0)
    .map((word) => word.text)
    .join(" ");
}
