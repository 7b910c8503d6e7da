// Text for pdf-lib's standard fonts, shared by every PDF the server draws (graded copies,
// cover sheets).
import type { PDFFont } from "pdf-lib";

// Letters that carry their accent in their shape, so NFD does not split them off.
const BASE_LETTERS: Record<string, string> = { Ł: "L", ł: "l", Đ: "D", đ: "d", Ħ: "H", ħ: "h", ı: "i", Ŀ: "L", ŀ: "l" };
const charsets = new WeakMap<PDFFont, Set<number>>();

/**
 * The text as the font can draw it. Helvetica only encodes WinAnsi (é, è, à, ç, œ, « », ’, …
 * are in it) and pdf-lib throws on anything else, while a teacher can type anything: other
 * characters become their unaccented form ("ő" → "o"), or "?" when there is none (emoji, Greek,
 * ∑). Line breaks stay; other whitespace becomes a space.
 */
export function drawable(text: string, font: PDFFont): string {
  const supported = charset(font);
  let out = "";
  for (const char of text.replace(/\r\n?/g, "\n")) {
    if (char === "\n" || supported.has(char.codePointAt(0)!)) out += char;
    else if (/\s/u.test(char)) out += " ";
    else out += fallback(char, supported);
  }
  return out;
}

function charset(font: PDFFont): Set<number> {
  let set = charsets.get(font);
  if (!set) {
    set = new Set(font.getCharacterSet());
    charsets.set(font, set);
  }
  return set;
}

function fallback(char: string, supported: Set<number>): string {
  const base = BASE_LETTERS[char] ?? char.normalize("NFD").replace(/\p{M}/gu, "");
  return base !== "" && [...base].every((c) => supported.has(c.codePointAt(0)!)) ? base : "?";
}
