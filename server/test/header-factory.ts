// First pages of exam booklets with a handwritten header, for testing header OCR: a free name box
// (printed "NOM :", "Prénom :", "Classe :" over ruled lines) or the CMEN boxed header (one letter
// per box, eight digit boxes for the birth date, "Copie n°" followed by a handwritten "k / n").
// No handwriting font is installed, so handwriting is imitated: every letter is drawn on its own
// with its own tilt, size, baseline and stroke weight, in one of the DejaVu families chosen per
// student. The page is then scanned: slight tilt, blur and noise. The rest of the page, and the
// page-label mark readPageLabel reads, come from scan-factory.
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { A3_LANDSCAPE_PT, A4_PT, a4PagePixels, addImagePage, encodeScan, random } from "./scan-factory.js";

export interface HeaderStudent {
  lastName: string;
  firstName: string;
  /** YYYY-MM-DD */
  birthDate: string;
  className: string;
}

export interface PageImage {
  grey: Buffer;
  width: number;
  height: number;
}

interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

const A4_MM = { width: 210, height: 297 };

/**
 * What to give the reader (page-relative, top-left origin): the printed frame, plus room for the
 * scan's tilt (up to 4 mm sideways at the top of the page) and for writing that spills over.
 */
export const FREE_HEADER_REGION: Region = { x: 0.01, y: 0.015, width: 0.98, height: 0.17 };
export const CMEN_HEADER_REGION: Region = { x: 0.01, y: 0.015, width: 0.98, height: 0.205 };

/** Everything above this (mm) is replaced by the header: scan-factory prints its own there. */
const HEADER_BAND = 64;
const PRINT = `font-family="DejaVu Sans" fill="#141414"`;
const FONTS = ["DejaVu Sans", "DejaVu Sans Condensed", "DejaVu Serif", "DejaVu Sans Mono"] as const;

export async function freeBoxFirstPage(opts: { student: HeaderStudent; label: number; dpi?: number; seed: number }): Promise<PageImage> {
  const next = random(opts.seed);
  const hand = handOf(next);
  const { student } = opts;
  const mixedCase = next() < 0.3;
  const write = (text: string) => handwrittenLine(hand, casing(dropAccents(text, next() < 0.4), mixedCase), 38 + next() * 8);
  const rows = [
    { label: "NOM :", answer: write(student.lastName) },
    { label: "Prénom :", answer: write(student.firstName) },
    { label: "Classe :", answer: handwrittenLine(hand, mixedCase ? student.className : student.className.toUpperCase(), 38 + next() * 8) },
  ];
  const svg = [
    `<rect x="10" y="10" width="190.5" height="39" fill="none" stroke="#141414" stroke-width="0.35"/>`,
    `<text x="12.5" y="15.5" font-size="2.9" ${PRINT}>Devoir surveillé n°3 — Mathématiques</text>`,
    ...rows.map(({ label, answer }, i) => {
      const rule = 27.4 + i * 8.6;
      return `<text x="12.5" y="${rule - 3.4}" font-size="2.6" ${PRINT}>${label}</text>
        <rect x="32.5" y="${rule}" width="164.3" height="0.18" fill="#555"/>${answer(rule - 1.2)}`;
    }),
  ].join("");
  return scanned(await pageWithHeader(svg, opts.label, opts.dpi ?? 150), next);
}

/** The CMEN header; "Copie n°" is printed, k and n are handwritten after it. */
export async function cmenFirstPage(opts: { student: HeaderStudent; sheet: { k: number; n: number }; label: number; dpi?: number; seed: number }): Promise<PageImage> {
  const next = random(opts.seed);
  const hand = handOf(next);
  const { student, sheet } = opts;
  const [year, month, day] = student.birthDate.split("-");
  const rows = [
    { label: "Nom de famille :", boxes: 20, text: boxLetters(student.lastName, next) },
    { label: "Prénom(s) :", boxes: 16, text: boxLetters(student.firstName, next) },
    { label: "Né(e) le :", boxes: 8, text: `${day}${month}${year}` },
  ];
  const svg = [
    `<rect x="9" y="10" width="193" height="49" fill="none" stroke="#141414" stroke-width="0.4"/>`,
    `<text x="11.5" y="14.5" font-size="2.5" ${PRINT}>Modèle CMEN — Bac blanc — Mathématiques</text>`,
    ...rows.map((row, i) => boxRow(hand, row, 18 + i * 10)),
    `<text x="11.5" y="50" font-size="2.5" ${PRINT}>Copie n°</text>`,
    handwrittenLine(hand, `${sheet.k} / ${sheet.n}`, 24 + next() * 3)(50.2),
    `<text x="11.5" y="56" font-size="2.2" font-family="DejaVu Sans" fill="#666">(Les numéros figurent sur la convocation.)</text>`,
  ].join("");
  return scanned(await pageWithHeader(svg, opts.label, opts.dpi ?? 150), next);
}

/**
 * FREE_BOX: an A4 batch, `pagesPerCopy` pages per student, the header on each copy's first page.
 * CMEN: an A3 landscape batch of copies doubles, each sheet scanned as recto [P4 | P1] and verso
 * [P2 | P3] (as scan-factory's makeA3Batch), the header with "Copie n° k / n" on every P1.
 * Pages carry labels 1, 2, … in reading order, as their marks say.
 */
export async function makeHeaderBatch(opts: {
  kind: "FREE_BOX" | "CMEN";
  copies: { student: HeaderStudent; sheets?: number }[];
  dpi?: number;
  seed: number;
  pagesPerCopy?: number;
}): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const dpi = opts.dpi ?? 150;
  let label = 0;
  for (const [i, { student, sheets = 1 }] of opts.copies.entries()) {
    const seed = opts.seed * 1009 + i;
    if (opts.kind === "FREE_BOX") {
      for (let page = 0; page < (opts.pagesPerCopy ?? 4); page += 1) {
        label += 1;
        const pixels = page === 0 ? await freeBoxFirstPage({ student, label, dpi, seed }) : await a4PagePixels({ kind: "written", label }, dpi);
        await addImagePage(doc, await encodeScan(pixels.grey, pixels.width, pixels.height, "jpeg"), A4_PT, 0);
      }
      continue;
    }
    for (let k = 1; k <= sheets; k += 1) {
      const first = label;
      label += 4;
      const p1 = await cmenFirstPage({ student, sheet: { k, n: sheets }, label: first + 1, dpi, seed: seed * 31 + k });
      const [p2, p3, p4] = await Promise.all([2, 3, 4].map((p) => a4PagePixels({ kind: "written", label: first + p }, dpi)));
      for (const [left, right] of [[p4!, p1], [p2!, p3!]] as const) {
        await addImagePage(doc, await encodeScan(sideBySide(left, right), left.width * 2, left.height, "jpeg"), A3_LANDSCAPE_PT, 0);
      }
    }
  }
  return doc.save();
}

// ---------------------------------------------------------------------------------------------
// Handwriting: one <text> per letter, in millimetres.

interface Hand {
  font: (typeof FONTS)[number];
  oblique: boolean;
  /** Font size, mm. */
  size: number;
  /** Extra stroke, mm: from a fine pen to a felt tip. */
  weight: number;
  ink: string;
  next: () => number;
}

function handOf(next: () => number): Hand {
  const shade = Math.round(30 + next() * 30);
  return {
    font: FONTS[Math.floor(next() * FONTS.length)]!,
    oblique: next() < 0.3,
    size: 4.4 + next() * 0.8,
    weight: 0.04 + next() * 0.18,
    ink: `rgb(${shade},${shade + 8},${shade + 30})`,
    next,
  };
}

/** Between −1 and 1. */
const jitter = (next: () => number) => next() * 2 - 1;

/** One letter centred on x, its baseline at y, drawn with the hand's jitter. */
function letter(hand: Hand, char: string, x: number, y: number, size = hand.size): string {
  if (char === " ") return "";
  const { next } = hand;
  const scale = 1 + jitter(next) * 0.12;
  const stroke = (hand.weight * (0.7 + 0.6 * next())) / scale;
  // DejaVu Sans Mono dots its zero, which no pupil does.
  const font = char === "0" && hand.font === "DejaVu Sans Mono" ? "DejaVu Sans Condensed" : hand.font;
  const place = `translate(${(x + jitter(next) * 0.25).toFixed(2)} ${(y + jitter(next) * 0.6).toFixed(2)}) rotate(${(jitter(next) * 8).toFixed(1)}) scale(${scale.toFixed(3)})`;
  return `<text transform="${place}" text-anchor="middle" font-size="${size.toFixed(2)}" font-family="${font}"${hand.oblique ? ` font-style="oblique"` : ""} fill="${hand.ink}" stroke="${hand.ink}" stroke-width="${stroke.toFixed(3)}" stroke-linejoin="round">${escapeXml(char)}</text>`;
}

/** A handwritten line starting at x (mm); call with its baseline. */
function handwrittenLine(hand: Hand, text: string, x: number): (baseline: number) => string {
  return (baseline) => {
    let at = x;
    return [...text]
      .map((char) => {
        const width = advance(char, hand.font) * hand.size;
        const svg = letter(hand, char, at + width / 2, baseline);
        at += width * (1.05 + jitter(hand.next) * 0.12);
        return svg;
      })
      .join("");
  };
}

/** Approximate advance widths (em): enough to space letters like a hand, not like a typesetter. */
function advance(char: string, font: Hand["font"]): number {
  if (font === "DejaVu Sans Mono") return 0.6;
  const factor = font === "DejaVu Sans Condensed" ? 0.88 : font === "DejaVu Serif" ? 1.04 : 1;
  if (char === " ") return 0.45 * factor;
  if ("IJ'-.il|".includes(char)) return 0.34 * factor;
  if ("MWmw".includes(char)) return 0.92 * factor;
  if (/\p{Lu}/u.test(char)) return 0.7 * factor;
  return 0.6 * factor;
}

/** A printed label then a row of boxes 4.5 mm wide, 5 mm tall, one character in each. */
function boxRow(hand: Hand, row: { label: string; boxes: number; text: string }, top: number): string {
  const [left, width, height] = [38, 4.5, 5];
  const boxes = Array.from({ length: row.boxes }, (_, i) => `<rect x="${left + i * width}" y="${top}" width="${width}" height="${height}" fill="none" stroke="#222" stroke-width="0.18"/>`);
  const letters = [...row.text].slice(0, row.boxes).map((char, i) => letter(hand, char, left + (i + 0.5) * width, top + height - 0.9, hand.size * 0.82));
  return `<text x="11.5" y="${top + 3.6}" font-size="2.5" ${PRINT}>${row.label}</text>${boxes.join("")}${letters.join("")}`;
}

/**
 * A name as written in boxes: capitals, one character per box (a space is an empty box). An
 * accented letter is written plain, or with its accent, or often left out (its box empty), as
 * pupils do.
 */
function boxLetters(name: string, next: () => number): string {
  return [...name.toUpperCase()]
    .map((char) => {
      const plain = dropAccents(char, true);
      if (plain === char) return char;
      const roll = next();
      return roll < 0.45 ? " " : roll < 0.8 ? plain : char;
    })
    .join("");
}

function dropAccents(text: string, drop: boolean): string {
  return drop ? text.normalize("NFD").replace(/\p{M}/gu, "") : text;
}

/** Capitals, or as the name is spelt ("Marie-Ève"), for pupils who write in lower case. */
function casing(text: string, mixed: boolean): string {
  return mixed ? text.toLowerCase().replace(/(^|[\s'-])(\p{L})/gu, (_, before: string, first: string) => before + first.toUpperCase()) : text.toUpperCase();
}

function escapeXml(text: string): string {
  return text.replace(/[&<>'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

// ---------------------------------------------------------------------------------------------
// The page: scan-factory's written page, its top replaced by bare paper and the header.

async function pageWithHeader(svg: string, label: number, dpi: number): Promise<PageImage> {
  const [page, blank] = await Promise.all([a4PagePixels({ kind: "written", label }, dpi), a4PagePixels({ kind: "blank" }, dpi)]);
  const band = Math.round((HEADER_BAND * page.height) / A4_MM.height);
  blank.grey.copy(page.grey, 0, 0, band * page.width);
  const header = await sharp(
    Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${page.width}" height="${band}" viewBox="0 0 ${A4_MM.width} ${HEADER_BAND}">
      <rect width="${A4_MM.width}" height="${HEADER_BAND}" fill="#fff"/>${svg}</svg>`),
  )
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  // Ink over paper: the darker of the two.
  for (let i = 0; i < header.length; i += 1) page.grey[i] = Math.min(page.grey[i]!, header[i]!);
  return page;
}

/**
 * What the scanner does: the sheet lies up to 1° askew (turned about the page-label mark, so that
 * it stays where readPageLabel looks), the optics blur a little, the sensor adds noise.
 */
async function scanned(page: PageImage, next: () => number): Promise<PageImage> {
  const angle = (jitter(next) * Math.PI) / 180;
  const pivot = { x: (105 * page.width) / A4_MM.width, y: (275 * page.height) / A4_MM.height };
  const turned = rotate(page, angle, pivot);
  const grey = await sharp(turned, { raw: { width: page.width, height: page.height, channels: 1 } })
    .blur(0.4 + next() * 0.4)
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  for (let i = 0; i < grey.length; i += 1) grey[i] = Math.max(0, Math.min(255, grey[i]! + Math.round(jitter(next) * 4)));
  return { grey, width: page.width, height: page.height };
}

/** The page turned by `angle` (radians, clockwise) about `pivot`, bilinear, paper-white outside. */
function rotate(page: PageImage, angle: number, pivot: { x: number; y: number }): Buffer {
  const { grey, width, height } = page;
  const out = Buffer.alloc(grey.length, 235);
  const [cos, sin] = [Math.cos(angle), Math.sin(angle)];
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      // Where this output pixel comes from: the inverse rotation.
      const sx = cos * (x - pivot.x) + sin * (y - pivot.y) + pivot.x;
      const sy = -sin * (x - pivot.x) + cos * (y - pivot.y) + pivot.y;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      if (x0 < 0 || y0 < 0 || x0 + 1 >= width || y0 + 1 >= height) continue;
      const [fx, fy] = [sx - x0, sy - y0];
      const at = y0 * width + x0;
      const top = grey[at]! * (1 - fx) + grey[at + 1]! * fx;
      const bottom = grey[at + width]! * (1 - fx) + grey[at + width + 1]! * fx;
      out[y * width + x] = Math.round(top * (1 - fy) + bottom * fy);
    }
  }
  return out;
}

function sideBySide(left: PageImage, right: PageImage): Buffer {
  const out = Buffer.allocUnsafe(left.width * 2 * left.height);
  for (let y = 0; y < left.height; y += 1) {
    left.grey.copy(out, y * left.width * 2, y * left.width, (y + 1) * left.width);
    right.grey.copy(out, y * left.width * 2 + left.width, y * right.width, (y + 1) * right.width);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// A class of French pupils.

const LAST_NAMES = [
  "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT", "RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU",
  "SIMON", "LAURENT", "LEFÈVRE", "MICHEL", "GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER",
  "GIRARD", "ANDRÉ", "MERCIER", "DUPONT", "LAMBERT", "BONNET", "FRANÇOIS", "MARTINEZ", "LEGRAND", "GUÉRIN",
  "D'ALMEIDA", "LE GOFF", "N'DIAYE", "NGUYEN", "BENALI", "CHEVALIER", "FAURE", "ROUSSEAU", "BÉNARD", "DE SOUSA",
] as const;

const FIRST_NAMES = [
  "Marie-Ève", "Noé", "Maëlys", "Zoé", "Inès", "François", "Gaëlle", "Léa", "Chloé", "Emma",
  "Jade", "Louise", "Ambre", "Hugo", "Lucas", "Théo", "Nathan", "Enzo", "Raphaël", "Jules",
  "Louis", "Arthur", "Gabriel", "Adam", "Mohamed", "Yanis", "Sacha", "Camille", "Clémence", "Héloïse",
  "Océane", "Timothée", "Maël", "Loïc", "Jean-Baptiste", "Anaïs", "Éloïse", "Jérémy", "Benoît", "Mathis",
] as const;

/** `size` pupils (distinct names) born 2008–2011, the same for the same seed. */
export function frenchClass(seed: number, size: number, className: string): HeaderStudent[] {
  if (size > LAST_NAMES.length * FIRST_NAMES.length) throw new RangeError("not that many distinct names");
  const next = random(seed);
  const seen = new Set<string>();
  const students: HeaderStudent[] = [];
  while (students.length < size) {
    const lastName = LAST_NAMES[Math.floor(next() * LAST_NAMES.length)]!;
    const firstName = FIRST_NAMES[Math.floor(next() * FIRST_NAMES.length)]!;
    if (seen.has(`${lastName};${firstName}`)) continue;
    seen.add(`${lastName};${firstName}`);
    const day = new Date(Date.UTC(2008, 0, 1) + Math.floor(next() * 4 * 365.25) * 86_400_000);
    students.push({ lastName, firstName, birthDate: day.toISOString().slice(0, 10), className });
  }
  return students;
}
