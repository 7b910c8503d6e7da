// Closed-world identification of a booklet: the OCR'd header (Nom / Prénom / Né(e) le) is
// compared with every student of the exam's roster and the closest ones are suggested.
// Handwriting OCR is approximate (SIMON → "SIMIOI", GUÉRIN → "GU RIN"), so every field is
// compared fuzzily, with an edit distance that makes the usual OCR confusions cheap, and the
// per-field similarities go through one curve before being weighed: near misses stay close
// to 1, unrelated strings fall to 0, which is what makes the confidence usable as is.

export interface RosterEntry {
  id: string;
  lastName: string;
  firstName: string;
  /** ISO date (YYYY-MM-DD). */
  birthDate: string | null;
}

export interface HeaderReading {
  /** As read, may be garbage or empty. */
  lastName: string | null;
  firstName: string | null;
  /** Raw digits/text as read, e.g. "08092009", "08/09/2009", "8 9 2009", "0809200" (missing digit). */
  birthDate: string | null;
  /** Free text when fields are not separated (a free name box read as lines, or a file name like "DUPONT_Marie-Ève.pdf"). */
  text?: string | null;
}

export interface Suggestion {
  studentId: string;
  /** In [0, 1]. */
  confidence: number;
}

export interface DecisionRule {
  threshold: number;
  margin: number;
}

/** A roster name as compared: its tokens joined, and its sub-names. */
interface NameKey {
  joined: string;
  /** Contiguous proper runs of tokens ("MARIE" of "MARIE EVE"), for students who write only part of a compound name. */
  parts: string[];
}

/** A birth date as its digits, day first, with a 4-digit and a 2-digit year. */
interface DateKey {
  long: string;
  short: string;
}

export interface PreparedStudent {
  entry: RosterEntry;
  /** Interned: students who share a name share the key, so a reading compares it once. */
  last: NameKey;
  first: NameKey;
  date: DateKey | null;
  /** Stable order between students of equal confidence. */
  sortKey: string;
}

export interface PreparedRoster {
  students: PreparedStudent[];
}

/** Names as read, tokens joined, and the digits of the date. */
type PreparedReading =
  /** The two name fields, "" for one left empty. */
  | { kind: "fields"; names: [string, string]; date: string | null }
  /** Every run of 1 to MAX_WINDOW_TOKENS tokens of free text, with the tokens it spans. */
  | { kind: "text"; names: string[]; spans: Array<[number, number]>; date: string | null };

// The date is the most discriminating field and the easiest to read; the last name comes
// before the first name, which classmates share more often.
const WEIGHTS = { date: 0.4, last: 0.33, first: 0.27 };
/** A student who swapped the boxes is rarer than one who did not: on a tie the straight reading wins. */
const SWAPPED_FACTOR = 0.97;
/** A reading that matches only part of a compound name is a little less convincing than the whole name. */
const PARTIAL_FACTOR = 0.9;
/** Shorter sub-names are particles or initials ("DE", "J"), too weak to stand for a name. */
const MIN_PART_LENGTH = 3;
/**
 * Each wrong digit costs this fraction of a date's similarity: one wrong digit still reads as
 * the student's date, two hardly do, since classmates share the year and their dates differ by 2–4 digits.
 */
const DATE_DIGIT_COST = 1 / 3;
/**
 * Similarities up to this count as none: unrelated names of a class are this close by chance
 * (median 0.15, 9 pairs in 10 below 0.37). It also lets the edit distance give up early.
 */
const SIMILARITY_FLOOR = 0.25;
/** Fewer digits than this are too little of a date to be weighed. */
const MIN_DATE_DIGITS = 6;
/** A free-text name rarely spans more tokens than "DE LA FONTAINE". */
const MAX_WINDOW_TOKENS = 3;
const CONFUSABLE_COST = 0.4;
/** Lets a margin met exactly on paper survive float rounding. */
const EPSILON = 1e-9;

// Pairs that OCR of handwritten capitals and digits confuses; after normaliseName all are upper case.
const CONFUSABLE_PAIRS = ["I1", "IL", "L1", "IJ", "O0", "OD", "D0", "OQ", "Q0", "MN", "UV", "S5", "B8", "Z2", "G6", "17", "38", "49", "56"];
const CONFUSABLE = buildConfusionTable(CONFUSABLE_PAIRS);

function buildConfusionTable(pairs: string[]): Uint8Array {
  const table = new Uint8Array(128 * 128);
  for (const pair of pairs) {
    const a = pair.charCodeAt(0);
    const b = pair.charCodeAt(1);
    table[a * 128 + b] = 1;
    table[b * 128 + a] = 1;
  }
  return table;
}

const LIGATURES: Record<string, string> = { Œ: "OE", Æ: "AE", Ø: "O", Ł: "L", Đ: "D" };

/**
 * Accent-, case- and punctuation-insensitive form of a name: upper-case tokens separated by
 * single spaces ("Marie-Ève D'Almeida" → "MARIE EVE D ALMEIDA").
 */
export function normaliseName(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toUpperCase()
    .replace(/[ŒÆØŁĐ]/g, (c) => LIGATURES[c] ?? c)
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}

function tokensOf(s: string): string[] {
  const normalised = normaliseName(s);
  return normalised === "" ? [] : normalised.split(" ");
}

function nameKey(tokens: string[]): NameKey {
  const parts: string[] = [];
  for (let start = 0; start < tokens.length; start++) {
    for (let end = start + 1; end <= tokens.length; end++) {
      const part = tokens.slice(start, end).join("");
      if (end - start < tokens.length && part.length >= MIN_PART_LENGTH) parts.push(part);
    }
  }
  return { joined: tokens.join(""), parts };
}

function rosterDateKey(iso: string | null): DateKey | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso ?? "");
  if (!m) return null;
  const [, year, month, day] = m as unknown as [string, string, string, string];
  return { long: day + month + year, short: day + month + year.slice(2) };
}

/** Precomputes the normalised keys of a roster, to match many readings against it cheaply. */
export function prepareRoster(roster: RosterEntry[]): PreparedRoster {
  const interned = new Map<string, NameKey>();
  const intern = (tokens: string[]): NameKey => {
    const id = tokens.join(" ");
    let key = interned.get(id);
    if (!key) interned.set(id, (key = nameKey(tokens)));
    return key;
  };
  return {
    students: roster.map((entry) => {
      const lastTokens = tokensOf(entry.lastName);
      const firstTokens = tokensOf(entry.firstName);
      return {
        entry,
        last: intern(lastTokens),
        first: intern(firstTokens),
        date: rosterDateKey(entry.birthDate),
        sortKey: `${lastTokens.join(" ")}|${firstTokens.join(" ")}|${entry.id}`,
      };
    }),
  };
}

/**
 * The digits of a read date, day first, with day and month padded when separators show where
 * they end ("8 9 2009" → "08092009"); a year stays as written (2 or 4 digits) since it is
 * compared with both forms of the roster's date. Null when too few digits were read.
 */
export function parseReadDate(raw: string | null): string | null {
  const groups = (raw ?? "").match(/\d+/g) ?? [];
  let digits = groups.join("");
  if (groups.length === 3) {
    // ISO order when the first group is a year.
    const [a, b, c] = groups as [string, string, string];
    const [day, month, year] = a.length === 4 ? [c, b, a] : [a, b, c];
    if (day.length <= 2 && month.length <= 2) digits = day.padStart(2, "0") + month.padStart(2, "0") + year;
  }
  return digits.length >= MIN_DATE_DIGITS ? digits : null;
}

/** Whether 6 or 8 digits (day first) form a calendar-like date: used to tell a date from other numbers in free text. */
function looksLikeDate(digits: string): boolean {
  if (digits.length !== 6 && digits.length !== 8) return false;
  const day = Number(digits.slice(0, 2));
  const month = Number(digits.slice(2, 4));
  return day >= 1 && day <= 31 && month >= 1 && month <= 12;
}

/** The first run of digits in free text that looks like a date ("…_08-09-2009.pdf"), not a scan number. */
function dateInText(text: string): string | null {
  for (const run of text.match(/\d+(?:[\s./-]+\d+)*/g) ?? []) {
    const digits = parseReadDate(run);
    if (digits !== null && looksLikeDate(digits)) return digits;
  }
  return null;
}

/** Free text as runs of 1 to MAX_WINDOW_TOKENS consecutive name tokens; numbers are left out (dates, scan numbers). */
function prepareText(text: string, date: string | null): PreparedReading | null {
  const withoutExtension = text.replace(/\.(pdf|png|jpe?g|tiff?)$/i, "");
  const tokens = tokensOf(withoutExtension).filter((t) => !/^\d+$/.test(t));
  const names: string[] = [];
  const spans: Array<[number, number]> = [];
  for (let start = 0; start < tokens.length; start++) {
    for (let end = start + 1; end <= Math.min(tokens.length, start + MAX_WINDOW_TOKENS); end++) {
      names.push(tokens.slice(start, end).join(""));
      spans.push([start, end]);
    }
  }
  const textDate = date ?? dateInText(text);
  if (names.length > 0) return { kind: "text", names, spans, date: textDate };
  return textDate ? { kind: "fields", names: ["", ""], date: textDate } : null;
}

/** Null when the reading holds nothing to compare. */
function prepareReading(reading: HeaderReading): PreparedReading | null {
  const last = tokensOf(reading.lastName ?? "").join("");
  const first = tokensOf(reading.firstName ?? "").join("");
  const date = parseReadDate(reading.birthDate);
  if (last || first) return { kind: "fields", names: [last, first], date };
  return prepareText(reading.text ?? "", date);
}

// Rows of the edit distance, reused across calls: matching allocates nothing per comparison.
let rows = new Float64Array(0);

/**
 * Optimal string alignment distance (Damerau–Levenshtein without repeated edits) where the
 * usual OCR confusions cost CONFUSABLE_COST. Stops early, returning Infinity, once the
 * distance is sure to exceed `limit`: most roster names are far from the reading.
 */
export function ocrDistance(a: string, b: string, limit = Infinity): number {
  const n = b.length;
  if (Math.abs(a.length - n) > limit) return Infinity;
  if (a.length === 0 || n === 0) return Math.max(a.length, n);
  if (rows.length < 3 * (n + 1)) rows = new Float64Array(3 * (n + 1));
  const r = rows;
  // Three rows (before previous, previous, current) rotated by their offsets.
  let beforePrevious = 0;
  let previous = n + 1;
  let current = 2 * (n + 1);
  for (let j = 0; j <= n; j++) r[previous + j] = j;
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    const confusions = ca < 128 ? ca * 128 : -1;
    let rowMin = (r[current] = i);
    for (let j = 1; j <= n; j++) {
      const cb = b.charCodeAt(j - 1);
      const substitution = ca === cb ? 0 : confusions >= 0 && cb < 128 && CONFUSABLE[confusions + cb] === 1 ? CONFUSABLE_COST : 1;
      let best = r[previous + j - 1]! + substitution;
      const deletion = r[previous + j]! + 1;
      if (deletion < best) best = deletion;
      const insertion = r[current + j - 1]! + 1;
      if (insertion < best) best = insertion;
      if (i > 1 && j > 1 && ca === b.charCodeAt(j - 2) && a.charCodeAt(i - 2) === cb) {
        const transposition = r[beforePrevious + j - 2]! + 1;
        if (transposition < best) best = transposition;
      }
      r[current + j] = best;
      if (best < rowMin) rowMin = best;
    }
    // Costs never decrease along a path, so a row entirely above the limit ends the search.
    if (rowMin > limit) return Infinity;
    const recycled = beforePrevious;
    beforePrevious = previous;
    previous = current;
    current = recycled;
  }
  return r[previous + n]!;
}

/**
 * factor × (1 − distance / longest length), or 0 when it cannot exceed `floor`: 1 for equal
 * strings, 0 for unrelated ones. The floor lets the distance give up early.
 */
function similarity(a: string, b: string, factor: number, floor: number): number {
  const longest = Math.max(a.length, b.length);
  if (longest === 0) return factor;
  const limit = (1 - floor / factor) * longest;
  const distance = ocrDistance(a, b, limit);
  return distance <= limit ? factor * (1 - distance / longest) : 0;
}

/**
 * Curve applied to every field similarity before weighing: 0 up to the floor, then rising
 * fast, so that a name with one or two OCR errors (≈ 0.65–0.9 → 0.8–0.98) stays close to an
 * exact one while chance likeness between unrelated names (≈ 0.15–0.35 → 0–0.2) counts little.
 */
function calibrate(s: number): number {
  if (s <= SIMILARITY_FLOOR) return 0;
  const gap = (1 - s) / (1 - SIMILARITY_FLOOR);
  return 1 - gap * gap;
}

function nameSimilarity(read: string, target: NameKey): number {
  // A form only counts if it beats the best so far, and nothing under the floor counts.
  let best = similarity(read, target.joined, 1, SIMILARITY_FLOOR);
  for (const part of target.parts) best = Math.max(best, similarity(read, part, PARTIAL_FACTOR, Math.max(best, SIMILARITY_FLOOR)));
  return calibrate(best);
}

/** Similarities of every name read with a roster name, memoised for the reading since many students share a first name. */
function nameComparer(names: string[]): (target: NameKey) => number[] {
  const memo = new Map<NameKey, number[]>();
  return (target) => {
    let sims = memo.get(target);
    if (!sims) memo.set(target, (sims = names.map((name) => (name === "" ? 0 : nameSimilarity(name, target)))));
    return sims;
  };
}

function dateScore(read: string | null, target: DateKey | null): number | null {
  if (read === null || target === null) return null;
  // Past this many wrong digits the similarity is under the floor: the distance may stop there.
  const limit = (1 - SIMILARITY_FLOOR) / DATE_DIGIT_COST;
  const distance = Math.min(ocrDistance(read, target.long, limit), ocrDistance(read, target.short, limit));
  return calibrate(Math.max(0, 1 - distance * DATE_DIGIT_COST));
}

/** Weighted mean of the fields that could be compared: the weight of a missing one goes to the others. */
function combine(date: number | null, last: number | null, first: number | null): number {
  let sum = 0;
  let weight = 0;
  for (const [score, w] of [[date, WEIGHTS.date], [last, WEIGHTS.last], [first, WEIGHTS.first]] as const) {
    if (score === null) continue;
    sum += score * w;
    weight += w;
  }
  return weight === 0 ? 0 : sum / weight;
}

type Compare = (target: NameKey) => number[];

function scoreFields(reading: Extract<PreparedReading, { kind: "fields" }>, student: PreparedStudent, compare: Compare): number {
  const date = dateScore(reading.date, student.date);
  const [hasLast, hasFirst] = reading.names.map((name) => name !== "");
  const [lastAsLast, firstAsLast] = compare(student.last) as [number, number];
  const [lastAsFirst, firstAsFirst] = compare(student.first) as [number, number];
  const straight = combine(date, hasLast ? lastAsLast : null, hasFirst ? firstAsFirst : null);
  const swapped = combine(date, hasFirst ? firstAsLast : null, hasLast ? lastAsFirst : null);
  return Math.max(straight, SWAPPED_FACTOR * swapped);
}

/** Best placement of the last and first names on two disjoint runs of the text; a name found nowhere scores 0. */
function scoreText(reading: Extract<PreparedReading, { kind: "text" }>, student: PreparedStudent, compare: Compare): number {
  const { spans } = reading;
  const last = compare(student.last);
  const first = compare(student.first);
  let bestLast = 0;
  let bestFirst = Math.max(0, ...first);
  let best = WEIGHTS.first * bestFirst;
  for (let i = 0; i < spans.length; i++) {
    const l = last[i]!;
    // A run under the floor places nothing: the "not found" case above covers it.
    if (l === 0) continue;
    const [start, end] = spans[i]!;
    let f = 0;
    for (let j = 0; j < spans.length; j++) {
      const other = spans[j]!;
      if (first[j]! > f && (other[1] <= start || end <= other[0])) f = first[j]!;
    }
    const value = WEIGHTS.last * l + WEIGHTS.first * f;
    if (value > best) {
      best = value;
      bestLast = l;
      bestFirst = f;
    }
  }
  return combine(dateScore(reading.date, student.date), bestLast, bestFirst);
}

/** Code-unit order, not the locale's: the same on every server. */
function byKey(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Suggestions for a reading, best first; empty when the reading holds nothing to compare. */
export function matchReading(reading: HeaderReading, roster: RosterEntry[] | PreparedRoster, limit = 3): Suggestion[] {
  const prepared = Array.isArray(roster) ? prepareRoster(roster) : roster;
  const read = prepareReading(reading);
  if (!read || limit <= 0) return [];
  const compare = nameComparer(read.names);
  const scored = prepared.students.map((student) => ({
    student,
    confidence: read.kind === "fields" ? scoreFields(read, student, compare) : scoreText(read, student, compare),
  }));
  scored.sort((a, b) => b.confidence - a.confidence || byKey(a.student.sortKey, b.student.sortKey));
  return scored.slice(0, limit).map(({ student, confidence }) => ({ studentId: student.entry.id, confidence }));
}

/** The student to identify automatically, or null when the best is below threshold or not ahead of the second by margin. */
export function autoIdentify(suggestions: Suggestion[], rule: DecisionRule): string | null {
  // Scanned rather than assumed sorted, so a caller's reordering cannot slip a wrong student through.
  let best: Suggestion | undefined;
  let second = 0;
  for (const s of suggestions) {
    if (!best || s.confidence > best.confidence) {
      second = best?.confidence ?? 0;
      best = s;
    } else {
      second = Math.max(second, s.confidence);
    }
  }
  if (!best || best.confidence < rule.threshold) return null;
  return best.confidence - second + EPSILON >= rule.margin ? best.studentId : null;
}
