// A draft's content as the editor handles it: plain data, compared by value (the server stores
// it as jsonb, which does not keep the order of object keys).
import type { DraftContent, GradingDraft } from "../../api/types";

export function emptyContent(): DraftContent {
  return { annotations: [], scores: {}, comment: "", rubric: {}, overrides: [] };
}

/** The editable part of a draft, as it is (a server's answer is plain data already). */
export function fieldsOf(draft: DraftContent | GradingDraft): DraftContent {
  const { annotations, scores, comment, rubric, overrides } = draft;
  return { annotations, scores, comment, rubric: rubric ?? {}, overrides: overrides ?? [] };
}

/** The editable part of a draft, as a plain copy (no Vue proxy: IndexedDB must clone it). */
export function contentOf(draft: DraftContent | GradingDraft): DraftContent {
  return plain(fieldsOf(draft));
}

export function plain<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** Deep equality of JSON values; object keys in any order. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left).filter((k) => left[k] !== undefined);
  if (keys.length !== Object.keys(right).filter((k) => right[k] !== undefined).length) return false;
  return keys.every((k) => sameValue(left[k], right[k]));
}
