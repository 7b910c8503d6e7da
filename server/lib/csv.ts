// CSV files meant to be opened in a French spreadsheet (Excel, LibreOffice) and imported by
// Pronote: UTF-8 with a BOM (otherwise Excel guesses the encoding wrong), ";" between cells
// (the "," is the decimal separator in French), CRLF line ends.
//
// Every text cell is neutralised against formula injection: a spreadsheet evaluates a cell
// that starts with "=", "+", "-" or "@" (and some strip a leading tab or CR first), so a
// student named "=HYPERLINK(...)" could run a formula on the admin's computer. A leading
// apostrophe makes the spreadsheet show the text as is.

export type CsvValue = string | number | null;

const BOM = "\uFEFF";
const SEPARATOR = ";";
const LINE_END = "\r\n";
const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[;"\r\n]/;

/**
 * Rounds half away from zero to 2 decimals. `value * 100` is first cut to 15 significant
 * digits so that binary noise does not decide: 1.005 * 100 is 100.49999999999999 in floating
 * point, which would round to 1.00 instead of the 1.01 a person expects.
 */
export function round2(value: number): number {
  const hundredths = Number((Math.abs(value) * 100).toPrecision(15));
  return (Math.sign(value) * Math.round(hundredths)) / 100 + 0;
}

/** "14,5", "12", "13,25": at most 2 decimals, no trailing zeros, decimal comma. */
export function decimalComma(value: number): string {
  return String(round2(value)).replace(".", ",");
}

/** One cell, ready to be joined with ";": numbers with a decimal comma, text neutralised then quoted if needed. */
export function csvCell(value: CsvValue): string {
  if (value === null) return "";
  if (typeof value === "number") return decimalComma(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The whole file: BOM, then one CRLF-terminated line per row. */
export function csvDocument(rows: readonly (readonly CsvValue[])[]): Buffer {
  const lines = rows.map((row) => row.map(csvCell).join(SEPARATOR) + LINE_END);
  return Buffer.from(BOM + lines.join(""), "utf8");
}
