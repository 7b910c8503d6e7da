// What was read on a booklet, stored once on the Booklet row: matching against the roster is
// then a pure function of it, so a roster fix re-matches without reading anything again.
import type { Suggestion } from "./match.js";

export interface HeaderFields {
  lastName: string | null;
  firstName: string | null;
  birthDate: string | null;
  sheet: { k: number; n: number } | null;
  text: string | null;
}

export interface StoredReading {
  /** The token of a cover sheet's QR code found on the booklet's first page. */
  coverToken?: string | null;
  /** The OCR of the header. */
  header?: HeaderFields | null;
  /** An individually uploaded file's name, which often is the student's name. */
  sourceName?: string | null;
  /** Why nothing could be read (shown on the desk). */
  error?: string | null;
}

export const asReading = (json: unknown): StoredReading | null => (json && typeof json === "object" ? (json as StoredReading) : null);
export const asSuggestions = (json: unknown): Suggestion[] => (Array.isArray(json) ? (json as Suggestion[]) : []);

/** "DUPONT_Marie-Ève (2).pdf" → "DUPONT Marie-Ève": what a file name says about its student. */
export function fileNameText(name: string): string {
  return name
    .replace(/\.[a-z0-9]{2,4}$/i, "")
    .replace(/\(\d+\)/g, " ")
    .replace(/[_.]+/g, " ")
    .trim();
}
