// The free name box: a printed frame with "NOM :", "Prénom :", "Classe :" and a ruled line after
// each label, the answer handwritten on it. The ruled lines say where the answers are (above
// each line, right of where it starts), so the printed labels need not be read: the answers are
// pasted one under the other and read in one OCR call.
import { PSM } from "tesseract.js";
import { AS_LETTER } from "./characters.js";
import type { HeaderImage } from "./header-image.js";
import { horizontalLines, type HorizontalLine, type Mask } from "./lines.js";
import type { OcrPool } from "./ocr-pool.js";
import { composeStrip, textIn, type Rect } from "./strips.js";

export interface FreeBoxReading {
  lastName: string | null;
  firstName: string | null;
  /** The answers as read, one line per ruled line (the class on the third), empty where blank. */
  text: string | null;
}

const WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyzÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸàâäçéèêëîïôöùûüÿ0123456789-' ";
/**
 * Capitals about 48 px tall once scaled (a capital is about 40 % of the ruled lines' spacing):
 * thin handwriting reads better a little larger than print.
 */
const CAPITAL_HEIGHT = 48;
const GAP = 16;

export async function readFreeBox(header: HeaderImage, pool: OcrPool): Promise<FreeBoxReading> {
  const mask = { ink: header.ink, width: header.grey.width, height: header.grey.height };
  const ruled = ruledLines({ ...mask, ink: header.faint });
  const pitch = ruled.length > 1 ? (ruled.at(-1)!.y - ruled[0]!.y) / (ruled.length - 1) : mask.width * 0.045;
  const answers = ruled.map((line) => answerAbove(mask, line, pitch));
  const inked = answers.filter((answer): answer is Rect => answer !== null);
  if (inked.length === 0) return { lastName: null, firstName: null, text: null };
  // Thin pen strokes are partly lighter than the ink threshold: keep them whole.
  const strip = composeStrip({ ...header, ink: header.faint }, inked.map((answer) => ({ pieces: [answer], scale: CAPITAL_HEIGHT / (0.4 * pitch) })), GAP);
  const page = await pool.recognize({ image: strip.image, psm: PSM.SINGLE_BLOCK, whitelist: WHITELIST });
  let k = 0;
  const lines = answers.map((answer) => (answer ? textIn(page, strip.placed[k++]![0]!) : ""));
  const name = (line: string | undefined) => [...(line ?? "")].map((c) => AS_LETTER[c] ?? c).join("").trim() || null;
  return { lastName: name(lines[0]), firstName: name(lines[1]), text: lines.some(Boolean) ? lines.join("\n") : null };
}

/**
 * The answer lines: long horizontal lines starting well right of the frame's left side (the
 * frame's own lines start at its side, the ruled lines after the labels), top to bottom.
 */
function ruledLines(mask: Mask): HorizontalLine[] {
  const lines = horizontalLines(mask, mask.width * 0.4);
  const left = Math.min(...lines.map((line) => line.x0));
  return lines.filter((line) => line.x0 - left > mask.width * 0.05).slice(0, 3);
}

/** The handwriting standing on `line`, trimmed to its ink; null when nothing is written. */
function answerAbove(mask: Mask, line: HorizontalLine, pitch: number): Rect | null {
  const area = {
    x0: Math.max(0, Math.round(line.x0 - mask.width * 0.02)),
    x1: line.x1,
    top: Math.max(0, Math.round(line.top - 0.9 * pitch)),
    bottom: line.top,
  };
  const rows = inkedSpan(area.top, area.bottom, (y) => countInk(mask, area.x0, area.x1, y, y + 1));
  const columns = inkedSpan(area.x0, area.x1, (x) => countInk(mask, x, x + 1, area.top, area.bottom));
  if (!rows || !columns) return null;
  return { x0: Math.max(0, columns.from - 4), x1: Math.min(mask.width, columns.to + 4), top: Math.max(0, rows.from - 4), bottom: Math.min(mask.height, rows.to + 2) };
}

/** First and last position (end exclusive) holding ink, ignoring specks of 1–2 pixels. */
function inkedSpan(from: number, to: number, ink: (at: number) => number): { from: number; to: number } | null {
  let first = -1;
  let last = -1;
  for (let at = from; at < to; at += 1) {
    if (ink(at) < 3) continue;
    if (first < 0) first = at;
    last = at;
  }
  return first < 0 ? null : { from: first, to: last + 1 };
}

function countInk(mask: Mask, x0: number, x1: number, top: number, bottom: number): number {
  let count = 0;
  for (let y = top; y < bottom; y += 1) for (let x = x0; x < x1; x += 1) count += mask.ink[y * mask.width + x]!;
  return count;
}
