// What the identification desk computes from what the server sent: counts, the filtered and
// sorted list, where to go after an action, the roster search, and which key does what.
import { api } from "../api/client";
import type { DeskBooklet, DeskPage, DeskStudent, DeskSummary, HeaderReading, PageRotation } from "../api/types";
import { formatDay } from "../format";
import { i18n } from "../i18n";
import type { PageSource, ViewerPage } from "./viewer";

const { t } = i18n.global;

export type DeskFilter = "pending" | "identified" | "setAside" | "all";
export const DESK_FILTERS: readonly DeskFilter[] = ["pending", "identified", "setAside", "all"];

/** "scan": the order of the batches and of the booklets in them (as the server lists them). */
export type DeskSort = "scan" | "lowFirst" | "highFirst";
export const DESK_SORTS: readonly DeskSort[] = ["scan", "lowFirst", "highFirst"];

/** The default of "accept every suggestion above X %". */
export const DEFAULT_ACCEPT_PERCENT = 90;

/** The same counts as the server's summary, for the booklets as they are now. */
export function summaryOf(booklets: readonly DeskBooklet[]): DeskSummary {
  const summary: DeskSummary = { booklets: 0, reading: 0, pending: 0, identified: 0, setAside: 0 };
  for (const b of booklets) {
    if (b.status === "MERGED") continue;
    summary.booklets += 1;
    if (b.status === "READING") summary.reading += 1;
    else if (b.status === "PENDING") summary.pending += 1;
    else if (b.status === "IDENTIFIED") summary.identified += 1;
    else summary.setAside += 1;
  }
  return summary;
}

/** "To identify" lists those still being read too: they will need someone next. */
export function matchesFilter(booklet: DeskBooklet, filter: DeskFilter): boolean {
  switch (filter) {
    case "pending":
      return booklet.status === "PENDING" || booklet.status === "READING";
    case "identified":
      return booklet.status === "IDENTIFIED";
    case "setAside":
      return booklet.status === "SET_ASIDE";
    default:
      return booklet.status !== "MERGED";
  }
}

/** The best suggestion's confidence, 0 without one. */
export function bestConfidence(booklet: DeskBooklet): number {
  return booklet.suggestions[0]?.confidence ?? 0;
}

export function visibleBooklets(booklets: readonly DeskBooklet[], filter: DeskFilter, sort: DeskSort): DeskBooklet[] {
  const shown = booklets.filter((b) => matchesFilter(b, filter));
  if (sort === "scan") return shown;
  const sign = sort === "lowFirst" ? 1 : -1;
  // Array.prototype.sort is stable: equal confidences keep the scan order.
  return shown.sort((a, b) => sign * (bestConfidence(a) - bestConfidence(b)));
}

/**
 * The list after an action: booklets merged into another leave it, changed ones are replaced
 * where they are, new ones (a split) go after the last booklet of their batch.
 */
export function applyChanges(list: readonly DeskBooklet[], changed: readonly DeskBooklet[]): DeskBooklet[] {
  let next = [...list];
  for (const booklet of changed) {
    const at = next.findIndex((b) => b.id === booklet.id);
    if (booklet.status === "MERGED") {
      if (at >= 0) next = next.filter((b) => b.id !== booklet.id);
    } else if (at >= 0) {
      next[at] = booklet;
    } else {
      let lastOfBatch = -1;
      next.forEach((b, i) => {
        if (b.batchId === booklet.batchId) lastOfBatch = i;
      });
      next.splice(lastOfBatch >= 0 ? lastOfBatch + 1 : next.length, 0, booklet);
    }
  }
  return next;
}

/**
 * Where to go once a booklet is done: the first booklet still to identify after it in the
 * order the desk showed (`order`, ids), else the first one before it; null when none is left.
 */
export function nextPending(order: readonly string[], fromId: string, booklets: readonly DeskBooklet[]): string | null {
  const pending = new Set(booklets.filter((b) => b.status === "PENDING").map((b) => b.id));
  const from = order.indexOf(fromId);
  const after = [...order.slice(from + 1), ...order.slice(0, Math.max(from, 0))];
  const found = after.find((id) => pending.has(id));
  if (found) return found;
  // A booklet that was not in the list shown (another filter): any pending one.
  return booklets.find((b) => b.status === "PENDING" && b.id !== fromId)?.id ?? null;
}

/** The booklets just before and after this one in scan order (to merge with). */
export function neighbours(booklets: readonly DeskBooklet[], id: string): { previous: DeskBooklet | null; next: DeskBooklet | null } {
  const at = booklets.findIndex((b) => b.id === id);
  if (at < 0) return { previous: null, next: null };
  return { previous: booklets[at - 1] ?? null, next: booklets[at + 1] ?? null };
}

/** Students who already have a copy in this exam, with the booklet that gave it to them. */
export function holders(booklets: readonly DeskBooklet[]): Map<string, DeskBooklet> {
  const map = new Map<string, DeskBooklet>();
  for (const b of booklets) if (b.status === "IDENTIFIED" && b.studentId) map.set(b.studentId, b);
  return map;
}

/** Lower case, no accents, hyphens and apostrophes as spaces: "Lé-Anne D'Arc" → "le anne d arc". */
export function normalize(text: string): string {
  return text
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

/** "DUPONT Marie". */
export function studentName(student: Pick<DeskStudent, "lastName" | "firstName">): string {
  return `${student.lastName} ${student.firstName}`;
}

/**
 * Students whose name holds every word typed, best first: a last name starting with the first
 * word, then a first name, then anywhere; alphabetical among equals.
 */
export function searchStudents(students: readonly DeskStudent[], query: string, limit = 8): DeskStudent[] {
  const words = normalize(query).split(" ").filter(Boolean);
  if (words.length === 0) return [];
  const ranked: { student: DeskStudent; rank: number; name: string }[] = [];
  for (const student of students) {
    const last = normalize(student.lastName);
    const first = normalize(student.firstName);
    const name = `${last} ${first}`;
    const haystack = `${name} ${normalize(student.className)}`;
    if (!words.every((w) => haystack.includes(w))) continue;
    const head = words[0]!;
    const rank = last.startsWith(head) ? 0 : first.startsWith(head) ? 1 : name.split(" ").some((part) => part.startsWith(head)) ? 2 : 3;
    ranked.push({ student, rank, name });
  }
  ranked.sort((a, b) => a.rank - b.rank || a.name.localeCompare(b.name, "fr"));
  return ranked.slice(0, limit).map((r) => r.student);
}

/** A confidence as a whole percentage, rounded down: 0.899 is not shown as "90 %". */
export function percentOf(confidence: number): number {
  return Math.floor(confidence * 100 + 1e-9);
}

/** What OCR read, in one line ("DUPONT Marie · née le 12 mars 2009 · feuille 1 / 2"), or "". */
export function readingText(header: HeaderReading | null): string {
  if (!header) return "";
  const name = [header.lastName, header.firstName].filter(Boolean).join(" ");
  const parts = [
    name,
    header.birthDate ? t("desk.readBirth", { date: formatDay(header.birthDate) }) : "",
    header.sheet ? t("desk.readSheet", header.sheet) : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(" · ") : (header.text ?? "").trim();
}

/**
 * "Liasse 3", or "Liasse 3 (copies-2nde.pdf)" when the exam has several batches; in a sentence
 * ("… à la liasse 3"), without the capital.
 */
export function bookletLabel(booklet: Pick<DeskBooklet, "index" | "batchName">, withBatch: boolean, inText = false): string {
  const params = { index: booklet.index, batch: booklet.batchName };
  if (inText) return withBatch ? t("desk.inTextOf", params) : t("desk.inText", params);
  return withBatch ? t("desk.bookletOf", params) : t("desk.booklet", params);
}

/** Whether booklets come from more than one batch (their numbers then repeat). */
export function severalBatches(booklets: readonly Pick<DeskBooklet, "batchId">[]): boolean {
  return new Set(booklets.map((b) => b.batchId)).size > 1;
}

export function deskPageSource(page: Pick<DeskPage, "id" | "position" | "width" | "height">): PageSource {
  return { id: page.id, position: page.position, width: page.width, height: page.height, imageUrl: api.pageUrl(page.id, "image"), thumbUrl: api.pageUrl(page.id, "thumb") };
}

/** A page put aside: its booklet's order and its size no longer matter. */
export function discardedPageSource(pageId: string): PageSource {
  return deskPageSource({ id: pageId, position: 0, width: null, height: null });
}

/** The booklet's converted pages, for the page viewer. */
export function bookletViewerPages(booklet: DeskBooklet | null): ViewerPage[] {
  if (!booklet) return [];
  return booklet.pages
    .filter((p) => p.status === "DONE")
    .map((p) => ({
      page: deskPageSource(p),
      booklet: booklet.index,
      rotation: p.rotation,
      ...(p.cover ? { title: t("desk.pages.coverOf", { index: booklet.index }) } : {}),
    }));
}

export function headerCropUrl(bookletId: string): string {
  return api.bookletHeaderUrl(bookletId);
}

/** A quarter turn clockwise. */
export function turned(rotation: PageRotation): PageRotation {
  return ((rotation + 90) % 360) as PageRotation;
}

/** What a key pressed on the booklet does. */
export type DeskKey =
  | { kind: "confirm"; index: number }
  | { kind: "absent" }
  | { kind: "unreadable" }
  | { kind: "next" }
  | { kind: "previous" }
  | { kind: "search"; text: string };

/**
 * Enter or 1 confirms the first suggestion, 2 and 3 the others; Maj+A absent, Maj+I unreadable;
 * Maj+J / ↓ next, Maj+K / ↑ previous; any other letter starts a search with it. The letters
 * take Shift so that every name can be typed (Caps Lock alone types, it is no shortcut).
 */
export function deskKey(event: Pick<KeyboardEvent, "key" | "shiftKey" | "ctrlKey" | "altKey" | "metaKey">): DeskKey | null {
  if (event.ctrlKey || event.altKey || event.metaKey) return null;
  const { key } = event;
  if (key === "Enter") return { kind: "confirm", index: 0 };
  if (key === "1" || key === "2" || key === "3") return { kind: "confirm", index: Number(key) - 1 };
  if (key === "ArrowDown") return { kind: "next" };
  if (key === "ArrowUp") return { kind: "previous" };
  if (key.length !== 1 || !/\p{L}/u.test(key)) return null;
  if (event.shiftKey) {
    const shortcut = ({ a: { kind: "absent" }, i: { kind: "unreadable" }, j: { kind: "next" }, k: { kind: "previous" } } as const)[key.toLowerCase()];
    if (shortcut) return shortcut;
  }
  return { kind: "search", text: key };
}
