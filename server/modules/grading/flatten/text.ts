// Text for the graded PDF: what the standard fonts can encode, line wrapping and French numbers.
import type { PDFFont } from "pdf-lib";
export { drawable } from "../../../lib/pdf-text.js";

/**
 * Lines of at most `maxWidth` points: paragraphs at the line breaks, words kept whole unless one
 * is wider than a line on its own (a URL, a row of dots), which is then cut anywhere.
 * `text` must be drawable.
 */
export function wrap(text: string, font: PDFFont, size: number, maxWidth: number): string[] {
  const width = (s: string) => font.widthOfTextAtSize(s, size);
  const lines: string[] = [];
  for (const paragraph of text.split("\n")) {
    let line = "";
    for (const word of paragraph.split(" ").filter((w) => w !== "")) {
      const candidate = line === "" ? word : `${line} ${word}`;
      if (width(candidate) <= maxWidth) {
        line = candidate;
        continue;
      }
      if (line !== "") lines.push(line);
      line = word;
      while (width(line) > maxWidth && line.length > 1) {
        const cut = longestFit(line, width, maxWidth);
        lines.push(line.slice(0, cut));
        line = line.slice(cut);
      }
    }
    lines.push(line);
  }
  return lines;
}

/** How many leading characters (at least one) fit in maxWidth. */
function longestFit(word: string, width: (s: string) => number, maxWidth: number): number {
  let fit = 1;
  while (fit < word.length && width(word.slice(0, fit + 1)) <= maxWidth) fit += 1;
  return fit;
}

/** `text` (drawable) cut short with "…" so that it fits in maxWidth. */
export function truncate(text: string, font: PDFFont, size: number, maxWidth: number): string {
  if (font.widthOfTextAtSize(text, size) <= maxWidth) return text;
  let end = text.length;
  while (end > 0 && font.widthOfTextAtSize(`${text.slice(0, end)}…`, size) > maxWidth) end -= 1;
  return `${text.slice(0, end).trimEnd()}…`;
}

// No grouping: fr-FR groups thousands with U+202F, which the standard fonts cannot draw.
const numbers = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2, useGrouping: false });

/** 2.5 → "2,5". */
export function formatNumber(value: number): string {
  return numbers.format(value);
}

/** "2,5 / 4", or "non traité" for a question left blank on purpose. */
export function formatScore(score: number | null | undefined, max: number): string {
  return score === null || score === undefined ? "non traité" : `${formatNumber(score)} / ${formatNumber(max)}`;
}

/** A rubric item's effect: "+1", or "–0,5" (en dash: U+2212 is not in WinAnsi). */
export function formatPoints(points: number, mode: "ADD" | "SUBTRACT"): string {
  return `${mode === "ADD" ? "+" : "–"}${formatNumber(points)}`;
}

// Made once: toLocaleString builds a formatter on every call, which costs a copy ~1 ms.
const days = new Intl.DateTimeFormat("fr-FR", { timeZone: "UTC", day: "numeric", month: "long", year: "numeric" });
const times = new Intl.DateTimeFormat("fr-FR", { timeZone: "Europe/Paris", dateStyle: "long", timeStyle: "short" });

/** "2026-03-01" → "1 mars 2026"; anything else as it is. */
export function formatDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && !Number.isNaN(date.getTime()) ? days.format(date) : day;
}

/** "30 novembre 2026 à 14:05", in the school's time zone. */
export function formatDateTime(date: Date): string {
  return times.format(date);
}
