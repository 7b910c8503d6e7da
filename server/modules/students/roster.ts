// Reads a class roster exported as CSV by Pronote or another school tool, without writing
// anything: the text encoding and the delimiter are sniffed, headers are mapped to the
// roster's fields by name (case, accents and punctuation ignored), and every line is checked.
// What comes out is the preview an admin sees before the import is committed.
import Papa from "papaparse";
import { CLASS_NAME_MAX } from "../exams/schemas.js";

export const ROSTER_FIELDS = ["lastName", "firstName", "className", "birthDate", "ine", "externalId"] as const;
export type RosterField = (typeof ROSTER_FIELDS)[number];
const REQUIRED: RosterField[] = ["lastName", "firstName", "className"];

/** Header names (normalised: lower case, no accents, letters and digits only) per field. */
const HEADER_NAMES: Record<RosterField, string[]> = {
  lastName: ["nom", "nomdefamille", "nomeleve", "nomdeleleve"],
  firstName: ["prenom", "prenoms", "prenomeleve", "prenomdeleleve"],
  className: ["classe", "division", "classeeleve"],
  birthDate: ["nele", "neele", "neel", "datedenaissance", "datenaissance", "naissance"],
  ine: ["ine", "numeroine", "noine", "ineeleve"],
  externalId: ["identifiant", "id", "identifiantpronote", "numero"],
};

export const MAX_ROSTER_LINES = 5000;

export interface RosterStudent {
  lastName: string;
  firstName: string;
  className: string;
  /** ISO date (YYYY-MM-DD). */
  birthDate: string | null;
  ine: string | null;
  externalId: string | null;
}

export interface RosterLine {
  /** Line number in the file, the header being line 1. */
  line: number;
  student?: RosterStudent;
  errors: string[];
}

export interface RosterPreview {
  encoding: "utf-8" | "windows-1252";
  delimiter: ";" | "," | "\t";
  headers: string[];
  /** Column of each mapped field. */
  columns: Partial<Record<RosterField, number>>;
  /** Headers mapped to no field (ignored unless the admin maps them). */
  unknownHeaders: string[];
  /** Required fields no header was found for: the admin must map them before importing. */
  missingFields: RosterField[];
  lines: RosterLine[];
}

export class RosterError extends Error {}

const SAVE_AS_CSV = "enregistrez-le au format « CSV UTF-8 » (ou « CSV (séparateur : point-virgule) ») puis renvoyez-le";

/** Decodes the file: UTF-8 (with or without BOM) when it is valid UTF-8, else Windows-1252. Refuses what is no text roster at all. */
export function decodeRoster(bytes: Uint8Array): { text: string; encoding: RosterPreview["encoding"] } {
  refuseNonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  let decoded: { text: string; encoding: RosterPreview["encoding"] };
  try {
    // fatal: a byte sequence that is not UTF-8 (é as 0xE9 in Windows-1252) throws instead of becoming U+FFFD.
    decoded = { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding: "utf-8" };
  } catch {
    decoded = { text: fromWindows1252(bytes), encoding: "windows-1252" };
  }
  refuseGarbledText(decoded.text);
  return decoded;
}

/** Windows-1252's bytes 0x80–0x9F (€, ’, Œ, œ…; five are unassigned and stay control characters). */
const CP1252_80_9F = "€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ";

/**
 * Node's TextDecoder("windows-1252") reads 0x80–0x9F as Latin-1 control characters: "N’DIAYE" or
 * "ŒUVRARD" from a Windows export would be stored garbled. Those bytes are mapped here.
 */
function fromWindows1252(bytes: Uint8Array): string {
  return new TextDecoder("windows-1252").decode(bytes).replace(/[\u0080-\u009F]/g, (c) => CP1252_80_9F[c.charCodeAt(0) - 0x80]!);
}

/**
 * A spreadsheet instead of its CSV export, UTF-16 text ("Texte Unicode" in Excel) or any binary
 * file would be read as Windows-1252 garbage (and a NUL cannot be stored): each is refused with
 * what to do instead.
 */
function refuseNonText(bytes: Buffer): void {
  const starts = (...signature: number[]) => signature.every((byte, i) => bytes[i] === byte);
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0xd0, 0xcf, 0x11, 0xe0)) {
    throw new RosterError(`Ce fichier est un classeur (Excel, LibreOffice), pas un fichier CSV : ouvrez-le et ${SAVE_AS_CSV}.`);
  }
  const head = bytes.subarray(0, 4096);
  const nulls = head.reduce((count, byte) => count + (byte === 0 ? 1 : 0), 0);
  // UTF-16 puts a NUL beside every ASCII letter: a quarter of NULs is far beyond any stray byte.
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff) || (nulls > 0 && nulls * 4 >= head.length)) {
    throw new RosterError(`Ce fichier est enregistré en UTF-16 (« Texte Unicode »), que l'import ne lit pas : ${SAVE_AS_CSV}.`);
  }
}

/** Where the first control character other than tab, CR and LF is (-1: none): never in a roster, always in a binary file. */
function firstControl(text: string): number {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) return i;
  }
  return -1;
}
/**
 * UTF-8 read as Windows-1252 (then maybe saved again): "é" shows as "Ã©", "É" as "Ã‰", "œ" as
 * "Å“". No French name holds these pairs; a file that does went through the wrong encoding, or
 * mixes two (one UTF-8 part, one Windows-1252 line: the whole file is then read as the latter).
 */
const MOJIBAKE = /[ÂÃÅ][\u0080-\u00BF\u0152\u0153\u0160\u0161\u0178\u017D\u017E\u0192\u02C6\u02DC\u2013\u2014\u2018-\u201E\u2020-\u2022\u2026\u2030\u2039\u203A\u20AC\u2122]/;

function refuseGarbledText(text: string): void {
  const lineOf = (index: number) => text.slice(0, index).split("\n").length;
  const control = firstControl(text);
  if (control >= 0) {
    throw new RosterError(`Le fichier contient des caractères invalides (ligne ${lineOf(control)}) : ce n'est pas un fichier texte CSV. Exportez la liste des élèves au format CSV puis renvoyez-la.`);
  }
  const garbled = MOJIBAKE.exec(text);
  if (garbled) {
    const word = /[^\s;,"]*$/.exec(text.slice(0, garbled.index))![0] + /^[^\s;,"]*/.exec(text.slice(garbled.index))![0];
    throw new RosterError(
      `Le fichier a été mal converti : « ${word.slice(0, 40)} » (ligne ${lineOf(garbled.index)}) contient un accent abîmé par un mauvais encodage, ou le fichier mélange deux encodages. Depuis le logiciel d'origine, ${SAVE_AS_CSV}.`,
    );
  }
}

export function normaliseHeader(header: string): string {
  return header.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^a-z0-9]/g, "");
}

/**
 * The preview of a roster file. `mapping` maps header names (as written in the file) to fields,
 * overriding the automatic mapping; a header mapped to null is ignored.
 */
export function readRoster(bytes: Uint8Array, mapping: Record<string, RosterField | null> = {}): RosterPreview {
  const { text, encoding } = decodeRoster(bytes);
  const parsed = Papa.parse<string[]>(text, { delimitersToGuess: [";", "\t", ","], skipEmptyLines: "greedy" });
  const [headerRow, ...rows] = parsed.data;
  if (!headerRow || headerRow.every((h) => h.trim() === "")) throw new RosterError("Le fichier est vide : exportez la liste des élèves avec sa ligne d'en-tête.");
  if (rows.length > MAX_ROSTER_LINES) throw new RosterError(`Le fichier compte ${rows.length} élèves : au plus ${MAX_ROSTER_LINES} par import.`);
  // One column cannot hold a name, a first name and a class: the cells are split by something else.
  if (headerRow.length === 1) {
    throw new RosterError(`Le fichier n'a qu'une colonne : les valeurs de chaque ligne doivent être séparées par des points-virgules, des virgules ou des tabulations (ligne d'en-tête lue : « ${headerRow[0]!.slice(0, 60)} »).`);
  }
  if (rows.length === 0) throw new RosterError("Le fichier ne contient que la ligne d'en-tête : aucun élève à importer.");
  const headers = headerRow.map((h) => h.trim());
  const columns = mapColumns(headers, mapping);
  const mapped = new Set(Object.values(columns));
  const lines = rows.map((row, i) => readLine(row, i + 2, columns));
  markDuplicates(lines);
  return {
    encoding,
    delimiter: parsed.meta.delimiter as RosterPreview["delimiter"],
    headers,
    columns,
    unknownHeaders: headers.filter((h, i) => h !== "" && !mapped.has(i) && mapping[h] !== null),
    missingFields: REQUIRED.filter((field) => columns[field] === undefined),
    lines,
  };
}

function mapColumns(headers: string[], mapping: Record<string, RosterField | null>): Partial<Record<RosterField, number>> {
  const columns: Partial<Record<RosterField, number>> = {};
  headers.forEach((header, i) => {
    const field = Object.hasOwn(mapping, header) ? mapping[header] : ROSTER_FIELDS.find((f) => HEADER_NAMES[f].includes(normaliseHeader(header)));
    if (field && columns[field] === undefined) columns[field] = i;
  });
  return columns;
}

/**
 * Longest value per field: a class name as long as an exam accepts one (its classes), the others
 * generous. A longer value is a broken line, not a name (and would not fit the class index).
 */
const LENGTH_CHECKED: [RosterField, string, number][] = [["lastName", "nom", 100], ["firstName", "prénom", 100], ["className", "nom de classe", CLASS_NAME_MAX], ["externalId", "identifiant", 100]];

function readLine(row: string[], line: number, columns: Partial<Record<RosterField, number>>): RosterLine {
  const value = (field: RosterField) => {
    const column = columns[field];
    return column === undefined ? "" : (row[column] ?? "").trim();
  };
  const errors: string[] = [];
  if (!value("lastName")) errors.push("nom manquant");
  if (!value("firstName")) errors.push("prénom manquant");
  if (!value("className")) errors.push("classe manquante");
  for (const [field, label, max] of LENGTH_CHECKED) {
    if (value(field).length > max) errors.push(`${label} trop long (${value(field).length} caractères, au plus ${max})`);
  }
  const birthDate = value("birthDate") ? isoDate(value("birthDate")) : null;
  if (birthDate === undefined) errors.push(`date de naissance illisible « ${value("birthDate")} » (attendu : JJ/MM/AAAA)`);
  const ine = value("ine").toUpperCase() || null;
  if (ine && !/^[0-9A-Z]{11}$/.test(ine)) errors.push(`INE invalide « ${ine} » (11 chiffres et lettres)`);
  if (!ine && birthDate === null) errors.push("ni INE ni date de naissance : l'élève ne pourrait pas être reconnu à l'import suivant");
  if (errors.length > 0) return { line, errors };
  const externalId = value("externalId") || null;
  return { line, errors, student: { lastName: value("lastName"), firstName: value("firstName"), className: value("className"), birthDate: birthDate ?? null, ine, externalId } };
}

/** DD/MM/YYYY (or with - or .), or YYYY-MM-DD, as an ISO date; undefined when it is not a real date. */
function isoDate(text: string): string | undefined {
  const french = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(text);
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const [year, month, day] = french ? [french[3], french[2], french[1]] : iso ? [iso[1], iso[2], iso[3]] : [];
  if (!year || !month || !day) return undefined;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const valid = date.getUTCFullYear() === Number(year) && date.getUTCMonth() === Number(month) - 1 && date.getUTCDate() === Number(day);
  return valid && Number(year) >= 1900 ? date.toISOString().slice(0, 10) : undefined;
}

/** The identity an import upserts on: the INE, else name and birth date. */
export function identityOf(student: RosterStudent): string {
  return student.ine ? `ine:${student.ine}` : `name:${normaliseHeader(student.lastName)}|${normaliseHeader(student.firstName)}|${student.birthDate}`;
}

function markDuplicates(lines: RosterLine[]): void {
  const first = new Map<string, number>();
  for (const entry of lines) {
    if (!entry.student) continue;
    const identity = identityOf(entry.student);
    const earlier = first.get(identity);
    if (earlier === undefined) first.set(identity, entry.line);
    else {
      entry.errors.push(`même élève qu'à la ligne ${earlier} (${entry.student.ine ? "même INE" : "mêmes nom, prénom et date de naissance"})`);
      delete entry.student;
    }
  }
}
