// Reads a class roster exported as CSV by Pronote or another school tool, without writing
// anything: the text encoding and the delimiter are sniffed, headers are mapped to the
// roster's fields by name (case, accents and punctuation ignored), and every line is checked.
// What comes out is the preview an admin sees before the import is committed.
import Papa from "papaparse";

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

/** Decodes the file: UTF-8 (with or without BOM) when it is valid UTF-8, else Windows-1252. */
export function decodeRoster(bytes: Uint8Array): { text: string; encoding: RosterPreview["encoding"] } {
  try {
    // fatal: a byte sequence that is not UTF-8 (é as 0xE9 in Windows-1252) throws instead of becoming U+FFFD.
    return { text: new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes), encoding: "utf-8" };
  } catch {
    return { text: new TextDecoder("windows-1252").decode(bytes), encoding: "windows-1252" };
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

function readLine(row: string[], line: number, columns: Partial<Record<RosterField, number>>): RosterLine {
  const value = (field: RosterField) => {
    const column = columns[field];
    return column === undefined ? "" : (row[column] ?? "").trim();
  };
  const errors: string[] = [];
  if (!value("lastName")) errors.push("nom manquant");
  if (!value("firstName")) errors.push("prénom manquant");
  if (!value("className")) errors.push("classe manquante");
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
