// What the admin hands out: slips to print and cut (ten per A4 page, dashed cut lines between
// them) and the same codes as a spreadsheet.
import { PDFDocument, rgb, StandardFonts, type PDFFont, type PDFPage } from "pdf-lib";
import { drawable } from "../../lib/pdf-text.js";
import { csvDocument } from "../../lib/csv.js";

export interface Slip {
  lastName: string;
  firstName: string;
  className: string;
  login: string;
  code: string;
}

export interface SlipsInput {
  schoolName: string;
  /** Where students log in, printed on each slip. */
  loginUrl: string;
  slips: Slip[];
}

const PT_PER_MM = 72 / 25.4;
const PAGE_MM = { width: 210, height: 297 };
const COLUMNS = 2;
const ROWS = 5;
const SLIP_MM = { width: PAGE_MM.width / COLUMNS, height: PAGE_MM.height / ROWS };
const PADDING_MM = 7;
const TEXT_WIDTH_MM = SLIP_MM.width - 2 * PADDING_MM;

const INK = rgb(0, 0, 0);
const GREY = rgb(0.4, 0.4, 0.4);
const CUT = rgb(0.6, 0.6, 0.6);

const INSTRUCTIONS = [
  "Connectez-vous à cette adresse avec votre identifiant et ce code.",
  "Gardez ce code pour vous : ne le donnez à personne.",
];

interface Fonts {
  regular: PDFFont;
  bold: PDFFont;
  /** Fixed-width, so that each character of the code stands apart. */
  code: PDFFont;
}

export async function slipsPdf(input: SlipsInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle("Codes d'accès élèves");
  // Standard fonts encode WinAnsi, which has every French letter (é, è, à, ç, œ…).
  const fonts: Fonts = {
    regular: doc.embedStandardFont(StandardFonts.Helvetica),
    bold: doc.embedStandardFont(StandardFonts.HelveticaBold),
    code: doc.embedStandardFont(StandardFonts.CourierBold),
  };
  const perPage = COLUMNS * ROWS;
  for (let first = 0; first < input.slips.length; first += perPage) {
    const page = doc.addPage([PAGE_MM.width * PT_PER_MM, PAGE_MM.height * PT_PER_MM]);
    drawCutLines(page);
    input.slips.slice(first, first + perPage).forEach((slip, i) => {
      drawSlip(page, fonts, input, slip, { xMm: (i % COLUMNS) * SLIP_MM.width, yMm: Math.floor(i / COLUMNS) * SLIP_MM.height });
    });
  }
  return doc.save();
}

/** Nom;Prénom;Classe;Identifiant;Code, one line per slip. */
export function slipsCsv(slips: Slip[]): Buffer {
  return csvDocument([["Nom", "Prénom", "Classe", "Identifiant", "Code"], ...slips.map((s) => [s.lastName, s.firstName, s.className, s.login, s.code])]);
}

// Coordinates in millimetres from the page's top-left corner; `pt` converts to PDF points.
const pt = (xMm: number, yMm: number) => ({ x: xMm * PT_PER_MM, y: (PAGE_MM.height - yMm) * PT_PER_MM });

function drawCutLines(page: PDFPage): void {
  const dashed = { thickness: 0.5, color: CUT, dashArray: [4, 3] };
  for (let column = 1; column < COLUMNS; column += 1) {
    page.drawLine({ start: pt(column * SLIP_MM.width, 0), end: pt(column * SLIP_MM.width, PAGE_MM.height), ...dashed });
  }
  for (let row = 1; row < ROWS; row += 1) {
    page.drawLine({ start: pt(0, row * SLIP_MM.height), end: pt(PAGE_MM.width, row * SLIP_MM.height), ...dashed });
  }
}

function drawSlip(page: PDFPage, fonts: Fonts, input: SlipsInput, slip: Slip, origin: { xMm: number; yMm: number }): void {
  const line = (text: string, font: PDFFont, size: number, baselineMm: number, color = INK) =>
    drawFitted(page, text, { font, size, color, xMm: origin.xMm + PADDING_MM, yMm: origin.yMm + baselineMm, maxWidthMm: TEXT_WIDTH_MM });
  line(input.schoolName, fonts.regular, 8, 9, GREY);
  line(`${slip.lastName.toLocaleUpperCase("fr-FR")} ${slip.firstName}`, fonts.bold, 13, 16);
  line(`Classe : ${slip.className}`, fonts.regular, 10, 22);
  line(`Identifiant : ${slip.login}`, fonts.regular, 11, 30);
  const codeOffsetMm = line("Code d'accès :", fonts.regular, 11, 37) / PT_PER_MM + 2;
  drawFitted(page, slip.code, { font: fonts.code, size: 14, color: INK, xMm: origin.xMm + PADDING_MM + codeOffsetMm, yMm: origin.yMm + 37, maxWidthMm: TEXT_WIDTH_MM - codeOffsetMm });
  line(`Adresse : ${input.loginUrl}`, fonts.regular, 9, 44);
  INSTRUCTIONS.forEach((text, i) => line(text, fonts.regular, 8, 50 + i * 4.2, GREY));
}

/**
 * One line of text at a baseline, made smaller when it would run past `maxWidthMm` (a long
 * name or address must not cross the cut line). Returns the width drawn, in points.
 */
function drawFitted(
  page: PDFPage,
  raw: string,
  o: { font: PDFFont; size: number; color: ReturnType<typeof rgb>; xMm: number; yMm: number; maxWidthMm: number },
): number {
  const text = drawable(raw.replace(/\s+/g, " ").trim(), o.font);
  const natural = o.font.widthOfTextAtSize(text, o.size);
  const size = natural > o.maxWidthMm * PT_PER_MM ? (o.size * o.maxWidthMm * PT_PER_MM) / natural : o.size;
  page.drawText(text, { ...pt(o.xMm, o.yMm), size, font: o.font, color: o.color });
  return o.font.widthOfTextAtSize(text, size);
}
