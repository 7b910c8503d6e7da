// The CMEN boxed header: "Nom de famille" and "Prénom(s)" one letter per box, "Né(e) le" eight
// digit boxes, then a "Copie n° k / n" line. Boxes are found from the grid (cells.ts); the inked
// ones go into one image, a line per row, with the "Copie n°" line below, read in one OCR call:
// each call costs tens of milliseconds before reading a single letter.
import { PSM } from "tesseract.js";
import { findGrid, type BoxRow } from "./cells.js";
import { AS_DIGIT, AS_LETTER, sheetNumbers } from "./characters.js";
import type { HeaderImage } from "./header-image.js";
import { horizontalLines, type Mask } from "./lines.js";
import type { OcrPool } from "./ocr-pool.js";
import { composeStrip, glyphs, glyphsByPiece, textIn, trimColumns, type Glyph, type Rect, type StripLine } from "./strips.js";

export interface CmenReading {
  lastName: string | null;
  firstName: string | null;
  birthDate: string | null;
  sheet: { k: number; n: number } | null;
}

/**
 * One call means one whitelist for letters and digits. Handwritten digits often pass for letters
 * and letters for digits, so each row's characters are then mapped to its own kind.
 */
const WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ-'0123456789/";
/** Height of a box's inside in the image sent to OCR (about 40 px letters, what LSTM models read best). */
const BOX_HEIGHT = 44;
/** Height of the "Copie n°" line: its small print, ascenders and descenders included, reads better larger. */
const PRINT_HEIGHT = 48;
/** White between boxes: enough to keep letters apart, little enough that a row reads as one word. */
const GAP = 11;

export async function readCmen(header: HeaderImage, pool: OcrPool): Promise<CmenReading> {
  const mask = { ink: header.ink, width: header.grey.width, height: header.grey.height };
  const grid = findGrid(mask, header.faint);
  const dateIndex = grid.rows.findLastIndex((row) => row.cells.length >= 6 && row.cells.length <= 10);
  const nameRows = grid.rows.slice(0, dateIndex < 0 ? 2 : dateIndex).slice(-2);
  const dateRow = grid.rows[dateIndex];
  const rows = dateRow ? [...nameRows, dateRow] : nameRows;
  const copyLine = rows.length > 0 ? lineBelow(mask, rows.at(-1)!) : null;
  // Letters are read without the grid lines, which cross many of them.
  const clean = { ...header, ink: grid.ink };
  const lines = stripLines(clean, rows, copyLine);
  if (lines.every((line) => line.pieces.length === 0)) return { lastName: null, firstName: null, birthDate: null, sheet: null };
  const strip = composeStrip(clean, lines, GAP);
  const page = await pool.recognize({ image: strip.image, psm: PSM.SINGLE_BLOCK, whitelist: WHITELIST });
  const read = glyphsByPiece(glyphs(page), strip.placed, GAP);
  const names = nameRows.map((row, i) => rowText(row, read[i]!, AS_LETTER));
  const date = dateRow ? rowText(dateRow, read[nameRows.length]!, AS_DIGIT) : null;
  return {
    lastName: names[0] ?? null,
    firstName: names[1] ?? null,
    birthDate: date?.replaceAll(" ", "") || null,
    sheet: copyLine ? sheetNumbers(textIn(page, strip.placed.at(-1)![0]!)) : null,
  };
}

function stripLines(clean: HeaderImage, rows: BoxRow[], copyLine: Rect | null): StripLine[] {
  const boxHeight = median(rows.flatMap((row) => row.cells.map((cell) => cell.bottom - cell.top)));
  const lines = rows.map((row) => ({
    // A letter may reach over its box's edges, where the grid line was.
    pieces: row.cells.filter((cell) => cell.inked).map((cell) => trimColumns(clean, { x0: cell.x0 - 1, x1: cell.x1 + 1, top: row.ink.top, bottom: row.ink.bottom })),
    scale: BOX_HEIGHT / boxHeight,
  }));
  if (copyLine) lines.push({ pieces: [copyLine], scale: Math.min(4, Math.max(1, PRINT_HEIGHT / (copyLine.bottom - copyLine.top))) });
  return lines;
}

/**
 * The characters of a row: what was read in each inked box, a space for an empty box between
 * letters (a dropped accent, a gap between two names), "?" for ink that could not be read;
 * null for a row without ink.
 */
function rowText(row: BoxRow, read: (Glyph | null)[], kind: Record<string, string>): string | null {
  let k = 0;
  const text = row.cells.map((cell) => {
    if (!cell.inked) return " ";
    const glyph = read[k++];
    return glyph ? (kind[glyph.text] ?? glyph.text) : "?";
  });
  return text.join("").trim() || null;
}

/**
 * The band of rows holding ink right below `row`, inside the header's frame (the longest
 * horizontal line gives its sides), trimmed to its ink: the "Copie n°" line.
 */
function lineBelow(mask: Mask, row: BoxRow): Rect | null {
  const frame = horizontalLines(mask, mask.width * 0.6).reduce<{ x0: number; x1: number } | null>(
    (widest, line) => (!widest || line.x1 - line.x0 > widest.x1 - widest.x0 ? line : widest),
    null,
  );
  // Clear of the frame's sides, which would pass for writing on every row.
  const margin = Math.max(4, Math.round(mask.width * 0.005));
  const [left, right] = frame ? [frame.x0 + margin, frame.x1 - margin] : [0, mask.width];
  const boxHeight = row.bottom - row.top;
  const inkOn = (y: number) => {
    for (let x = left; x < right; x += 1) if (mask.ink[y * mask.width + x]) return true;
    return false;
  };
  let top = Math.max(row.bottom, row.ink.bottom) + 1;
  while (top < mask.height && !inkOn(top)) top += 1;
  let bottom = top;
  while (bottom < mask.height && inkOn(bottom) && bottom - top < 2 * boxHeight) bottom += 1;
  // The frame's bottom line, or a speck, is not a line of writing.
  if (bottom - top < boxHeight * 0.3 || top - row.bottom > 4 * boxHeight) return null;
  let x1 = right;
  while (x1 > left && !columnInked(mask, x1 - 1, top, bottom)) x1 -= 1;
  return { x0: left, x1: Math.min(right, x1 + 4), top: Math.max(0, top - 2), bottom: Math.min(mask.height, bottom + 2) };
}

function columnInked(mask: Mask, x: number, top: number, bottom: number): boolean {
  for (let y = top; y < bottom; y += 1) if (mask.ink[y * mask.width + x]) return true;
  return false;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 1;
}
