// Printable cover sheets: one A4 page per student, stapled on top of the copy before the exam.
// Its QR code carries the student's token, so a scanned batch identifies each copy without
// reading handwriting. The code is vector (crisp at any scanner resolution) and always at the
// same spot, top right, which is where the reader (qr.ts) looks first.
import QRCode from "qrcode";
import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from "pdf-lib";
import { drawable } from "../../lib/pdf-text.js";

export interface CoverSheetInput {
  schoolName: string;
  examTitle: string;
  examSubject: string;
  /** YYYY-MM-DD */
  examDate: string;
  sheets: { token: string; lastName: string; firstName: string; className: string }[];
}

export const COVER_PREFIX = "KORRIGO1:";

// Tokens travel in a QR code and back into database lookups: a short URL-safe alphabet keeps
// the code small and leaves nothing to escape.
const TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** The QR code's text for a token. */
export function coverPayload(token: string): string {
  if (!TOKEN.test(token)) throw new RangeError("cover sheet token must be 1–64 characters among A–Z, a–z, 0–9, _ and -");
  return COVER_PREFIX + token;
}

/** The token of a QR code's text, or null when the code is not one of our cover sheets. */
export function parseCoverPayload(text: string): string | null {
  if (!text.startsWith(COVER_PREFIX)) return null;
  const token = text.slice(COVER_PREFIX.length);
  return TOKEN.test(token) ? token : null;
}

const A4_PT = { width: 595.28, height: 841.89 };
const PT_PER_MM = 72 / 25.4;
const PAGE_MM = { width: 210, height: 297 };

/**
 * The QR code's square (quiet zone included), in millimetres from the top-left corner. 45 mm
 * keeps modules above 1 mm for any token, which a 150 dpi scan still resolves to 6 pixels.
 */
const QR_MM = { x: 150, y: 12, size: 45 };
const QUIET_ZONE_MODULES = 4;
/** Slack around the code for a page shifted or skewed by the scanner feed. */
const REGION_MARGIN_MM = 10;

/** Where the reader looks first: the code and its margin, as fractions of the page, top-left origin. */
export const COVER_QR_REGION = regionFraction(QR_MM, REGION_MARGIN_MM);

function regionFraction(box: { x: number; y: number; size: number }, margin: number) {
  const left = Math.max(0, box.x - margin);
  const top = Math.max(0, box.y - margin);
  const right = Math.min(PAGE_MM.width, box.x + box.size + margin);
  const bottom = Math.min(PAGE_MM.height, box.y + box.size + margin);
  return Object.freeze({
    x: left / PAGE_MM.width,
    y: top / PAGE_MM.height,
    width: (right - left) / PAGE_MM.width,
    height: (bottom - top) / PAGE_MM.height,
  });
}

const INSTRUCTIONS = ["Agrafez cette feuille sur le dessus de votre copie.", "N’écrivez rien dessus."];
const FOOTER = "Page de garde Korrigo";

export async function coverSheetsPdf(input: CoverSheetInput): Promise<Uint8Array> {
  const header = [input.schoolName, input.examTitle, input.examSubject, frenchDate(input.examDate)] as const;
  // Without the producer and dates pdf-lib adds by default, the same input gives the same bytes.
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(`Pages de garde – ${input.examTitle}`);
  const fonts: Fonts = { regular: doc.embedStandardFont(StandardFonts.Helvetica), bold: doc.embedStandardFont(StandardFonts.HelveticaBold) };
  for (const sheet of input.sheets) {
    const page = doc.addPage([A4_PT.width, A4_PT.height]);
    drawHeader(page, fonts, header);
    drawQr(page, coverPayload(sheet.token));
    drawStudent(page, fonts, sheet);
    drawInstructions(page, fonts);
  }
  return doc.save();
}

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
}

const MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

/** "2025-03-01" → "1er mars 2025". */
function frenchDate(iso: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  const [year, month, day] = match ? [Number(match[1]), Number(match[2]), Number(match[3])] : [0, 0, 0];
  const date = new Date(Date.UTC(year, month - 1, day));
  if (!match || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) throw new RangeError(`exam date must be YYYY-MM-DD, got "${iso}"`);
  return `${day === 1 ? "1er" : day} ${MONTHS[month - 1]} ${year}`;
}

// ---------------------------------------------------------------------------------------------
// Drawing. Coordinates are in millimetres from the top-left corner, as on a ruler held against
// the printed sheet; `at` converts to PDF points (bottom-left origin).

const at = (xMm: number, yMm: number) => ({ x: xMm * PT_PER_MM, y: A4_PT.height - yMm * PT_PER_MM });
const INK = rgb(0, 0, 0);
const GREY = rgb(0.4, 0.4, 0.4);
const MARGIN_MM = 15;
/** Header lines stop short of the QR code's quiet zone. */
const HEADER_WIDTH_MM = QR_MM.x - MARGIN_MM - 5;

function drawHeader(page: PDFPage, fonts: Fonts, [school, title, subject, date]: readonly [string, string, string, string]): void {
  const lines: [string, PDFFont, number][] = [
    [school, fonts.regular, 12],
    [title, fonts.bold, 18],
    [subject, fonts.regular, 14],
    [date, fonts.regular, 14],
  ];
  let baseline = 20;
  for (const [text, font, size] of lines) {
    drawLine(page, text, { font, size, xMm: MARGIN_MM, yMm: baseline, maxWidthMm: HEADER_WIDTH_MM });
    baseline += 10;
  }
  const rule = at(MARGIN_MM, 72);
  page.drawLine({ start: rule, end: { x: A4_PT.width - MARGIN_MM * PT_PER_MM, y: rule.y }, thickness: 0.8, color: INK });
}

function drawStudent(page: PDFPage, fonts: Fonts, sheet: CoverSheetInput["sheets"][number]): void {
  const width = PAGE_MM.width - 2 * MARGIN_MM;
  drawLine(page, sheet.lastName.toLocaleUpperCase("fr-FR"), { font: fonts.bold, size: 40, yMm: 115, maxWidthMm: width, centred: true });
  drawLine(page, sheet.firstName, { font: fonts.regular, size: 32, yMm: 135, maxWidthMm: width, centred: true });
  drawLine(page, `Classe : ${sheet.className}`, { font: fonts.regular, size: 22, yMm: 158, maxWidthMm: width, centred: true });
}

function drawInstructions(page: PDFPage, fonts: Fonts): void {
  const width = PAGE_MM.width - 2 * MARGIN_MM;
  INSTRUCTIONS.forEach((text, i) => drawLine(page, text, { font: fonts.bold, size: 15, yMm: 215 + i * 9, maxWidthMm: width, centred: true }));
  drawLine(page, FOOTER, { font: fonts.regular, size: 8, yMm: 287, maxWidthMm: width, centred: true, color: GREY });
}

/** On one line (drawText breaks on newlines): a name or a title never wraps on a cover sheet. */
const oneLine = (text: string, font: PDFFont) => drawable(text.replace(/\s+/g, " ").trim(), font);

/** One line of text, shrunk to fit `maxWidthMm` (long names happen), left-aligned or centred. */
function drawLine(
  page: PDFPage,
  raw: string,
  o: { font: PDFFont; size: number; yMm: number; maxWidthMm: number; xMm?: number; centred?: boolean; color?: ReturnType<typeof rgb> },
): void {
  const text = oneLine(raw, o.font);
  const maxWidth = o.maxWidthMm * PT_PER_MM;
  const size = Math.min(o.size, (o.size * maxWidth) / Math.max(1, o.font.widthOfTextAtSize(text, o.size)));
  const width = o.font.widthOfTextAtSize(text, size);
  const x = o.centred ? (A4_PT.width - width) / 2 : (o.xMm ?? MARGIN_MM) * PT_PER_MM;
  page.drawText(text, { x, y: at(0, o.yMm).y, size, font: o.font, color: o.color ?? INK });
}

/**
 * The QR code as one vector path: each row's runs of dark modules become rectangles, filled
 * together, so no renderer can leave hairline seams between neighbouring modules.
 */
function drawQr(page: PDFPage, text: string): void {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const n = modules.size;
  const moduleMm = QR_MM.size / (n + 2 * QUIET_ZONE_MODULES);
  const runs: string[] = [];
  for (let row = 0; row < n; row += 1) {
    for (let col = 0; col < n; ) {
      if (!modules.get(row, col)) {
        col += 1;
        continue;
      }
      const start = col;
      while (col < n && modules.get(row, col)) col += 1;
      runs.push(`M${start} ${row}h${col - start}v1h${start - col}z`);
    }
  }
  const origin = at(QR_MM.x + QUIET_ZONE_MODULES * moduleMm, QR_MM.y + QUIET_ZONE_MODULES * moduleMm);
  page.drawSvgPath(runs.join(""), { ...origin, scale: moduleMm * PT_PER_MM, color: INK, borderWidth: 0 });
}
