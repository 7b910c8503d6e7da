// Hostile and broken input files for the input-abuse suite, generated when the tests run (nothing
// large is checked in): PDFs built with pdf-lib, raw bytes or qpdf, and roster CSV files in the
// encodings and shapes school tools (or an attacker) produce.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { PDFDocument, PDFHexString, PDFName, PDFString, type PDFDict, type PDFPage } from "pdf-lib";
import sharp from "sharp";
import { run } from "../../lib/exec.js";
import { A4_PT, makeA4Batch } from "../scan-factory.js";

// ---------------------------------------------------------------------------------------------
// Decompression bombs.

/**
 * A zlib stream that inflates to `1 + 258 * matches` zero bytes while costing 13 bits per 258
 * bytes: one fixed-Huffman block holding a literal 0 and then `matches` copies of "258 bytes
 * from 1 back". Written by hand because deflating gigabytes of zeros with zlib takes seconds.
 */
export function zlibZeros(matches: number): { data: Buffer; inflatedBytes: number } {
  const inflatedBytes = 1 + 258 * matches;
  const out = Buffer.alloc(2 + Math.ceil((3 + 8 + 13 * matches + 7) / 8) + 4);
  out[0] = 0x78; // CMF: deflate, 32 KiB window
  out[1] = 0x01; // FLG: (0x78 * 256 + 0x01) % 31 === 0
  let pos = 2;
  let acc = 0;
  let bits = 0;
  // Header fields go least significant bit first, Huffman codes most significant bit first.
  const put = (value: number, count: number) => {
    acc |= value << bits;
    bits += count;
    while (bits >= 8) {
      out[pos++] = acc & 0xff;
      acc >>>= 8;
      bits -= 8;
    }
  };
  const code = (value: number, count: number) => {
    let reversed = 0;
    for (let i = 0; i < count; i += 1) reversed |= ((value >> i) & 1) << (count - 1 - i);
    put(reversed, count);
  };
  put(1, 1); // BFINAL
  put(1, 2); // BTYPE 01: fixed Huffman codes
  code(0b00110000, 8); // literal 0
  // Length 258 is code 285 (11000101, no extra bits); distance 1 is code 0 (00000, no extra bits).
  const match = 0b1100010100000;
  for (let i = 0; i < matches; i += 1) code(match, 13);
  code(0, 7); // end of block
  if (bits > 0) out[pos++] = acc & 0xff;
  // Adler-32 of n zeros: a stays 1, b = n mod 65521.
  out.writeUInt32BE(((inflatedBytes % 65521) * 65536 + 1) >>> 0, pos);
  return { data: out.subarray(0, pos + 4), inflatedBytes };
}

export const GIB = 1024 * 1024 * 1024;

/**
 * A one-page A4 PDF whose content stream inflates to about `inflatedBytes` zero bytes (PDF
 * whitespace), deflated twice so that the file stays a few dozen KiB and its first inflation
 * (a few MiB) looks harmless.
 */
export async function contentBombPdf(inflatedBytes: number): Promise<Uint8Array> {
  const { data } = zlibZeros(Math.ceil(inflatedBytes / 258));
  const doc = await PDFDocument.create();
  const page = doc.addPage([A4_PT.width, A4_PT.height]);
  const contents = doc.context.stream(deflateSync(data, { level: 9 }), { Filter: ["FlateDecode", "FlateDecode"] });
  page.node.set(PDFName.of("Contents"), doc.context.register(contents));
  return doc.save();
}

/**
 * A one-page A4 PDF writing a word in a TrueType font whose embedded font file (FontFile2) is a
 * bomb: 4 GiB behind two Flate layers (50 KiB), or 1.1 GB behind LZW (800 KiB). The renderer
 * reads the font file to draw the text; a tool that only lists images never opens it.
 */
export async function fontBombPdf(filter: "double-flate" | "lzw"): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([A4_PT.width, A4_PT.height]);
  const ctx = doc.context;
  const fontFile =
    filter === "lzw"
      ? ctx.stream(lzwZeroRuns(600_000), { Filter: "LZWDecode" })
      : ctx.stream(deflateSync(zlibZeros(Math.ceil((4 * GIB) / 258)).data, { level: 9 }), { Filter: ["FlateDecode", "FlateDecode"] });
  const descriptor = ctx.obj({
    Type: "FontDescriptor", FontName: "Bombe", Flags: 32, FontBBox: [0, 0, 1000, 1000], ItalicAngle: 0, Ascent: 800, Descent: -200, CapHeight: 700, StemV: 80,
    FontFile2: ctx.register(fontFile),
  });
  const font = ctx.register(ctx.obj({ Type: "Font", Subtype: "TrueType", BaseFont: "Bombe", FirstChar: 32, LastChar: 126, Widths: Array<number>(95).fill(500), FontDescriptor: ctx.register(descriptor) }));
  page.node.setFontDictionary(PDFName.of("F1"), font);
  page.node.set(PDFName.of("Contents"), ctx.register(ctx.stream("BT /F1 24 Tf 72 700 Td (Copie de Bombe) Tj ET")));
  return doc.save();
}

/**
 * LZW codes that each name the entry being defined ("the previous string plus its first byte"):
 * for zeros, every code is one zero longer than the one before, so n codes inflate to about
 * n² / 2 bytes. The table is cleared (code 256) before it is full, and the whole run starts over.
 */
function lzwZeroRuns(codes: number): Buffer {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  const put = (value: number, width: number) => {
    acc = (acc << width) | value;
    bits += width;
    while (bits >= 8) {
      out.push((acc >>> (bits - 8)) & 0xff);
      bits -= 8;
      acc &= (1 << bits) - 1;
    }
  };
  // EarlyChange 1 (the default): the code width grows one code early, as readers expect.
  const widthFor = (next: number) => (next + 1 >= 2048 ? 12 : next + 1 >= 1024 ? 11 : next + 1 >= 512 ? 10 : 9);
  let width = 9;
  for (let written = 0; written < codes; ) {
    put(256, width); // clear the table
    put(0, 9); // the first zero
    let next = 258;
    for (; next < 4000 && written < codes; written += 1, next += 1) put(next, widthFor(next));
    width = widthFor(next);
  }
  put(257, width); // end of data
  if (bits > 0) out.push((acc << (8 - bits)) & 0xff);
  return Buffer.from(out);
}

/**
 * A one-page A4 PDF drawing an inline image (BI … ID … EI, inside the content stream, out of the
 * object tree) that declares 100 × 100 pixels and whose Flate data inflates to `inflatedBytes`.
 */
export async function inlineImageBombPdf(inflatedBytes: number): Promise<Uint8Array> {
  const { data } = zlibZeros(Math.ceil(inflatedBytes / 258));
  const doc = await PDFDocument.create();
  const page = doc.addPage([A4_PT.width, A4_PT.height]);
  const body = Buffer.concat([Buffer.from(`q ${A4_PT.width} 0 0 ${A4_PT.height} 0 0 cm BI /W 100 /H 100 /CS /G /BPC 8 /F /Fl ID `), data, Buffer.from("\nEI Q\n")]);
  page.node.set(PDFName.of("Contents"), doc.context.register(doc.context.stream(deflateSync(body), { Filter: "FlateDecode" })));
  return doc.save();
}

/** The pages of several PDFs, in order, in one PDF (streams copied as they are, never decoded). */
export async function joinPdfs(parts: Uint8Array[]): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (const part of parts) {
    const source = await PDFDocument.load(part);
    for (const page of await doc.copyPages(source, source.getPageIndices())) doc.addPage(page);
  }
  return doc.save();
}

/** A page whose one image declares `width` × `height` pixels for a handful of bytes. */
export async function hugeImagePdf(opts: { width: number; height: number; where: "form" | "unused" }): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([A4_PT.width, A4_PT.height]);
  const image = doc.context.register(
    doc.context.flateStream(new Uint8Array(64), { Type: "XObject", Subtype: "Image", Width: opts.width, Height: opts.height, ColorSpace: "DeviceGray", BitsPerComponent: 8 }),
  );
  if (opts.where === "form") {
    // Hidden one level down: drawn by a form that the page draws.
    const form = doc.context.register(
      doc.context.stream("q 1 0 0 1 0 0 cm /Im0 Do Q", { Type: "XObject", Subtype: "Form", BBox: [0, 0, 1, 1], Resources: { XObject: { Im0: image } } }),
    );
    drawXObject(page, page.node.newXObject("Fm", form));
  } else {
    // Listed in the resources but drawn by nothing: a renderer may still load it.
    page.node.newXObject("Im", image);
    page.drawText("Page sans image dessinée", { x: 50, y: 800, size: 12 });
  }
  return doc.save();
}

function drawXObject(page: PDFPage, name: PDFName): void {
  const content = page.doc.context.stream(`q ${A4_PT.width} 0 0 ${A4_PT.height} 0 0 cm /${name.decodeText()} Do Q`);
  page.node.set(PDFName.of("Contents"), page.doc.context.register(content));
}

// ---------------------------------------------------------------------------------------------
// Malformed files.

/** "%PDF-" then random bytes and a final %%EOF: passes a look at the file's ends, nothing else. */
export function garbageAfterHeader(bytes = 64 * 1024, seed = 7): Buffer {
  return Buffer.concat([Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1"), noise(bytes, seed), Buffer.from("\n%%EOF\n")]);
}

/**
 * A PDF whose cross-reference table points nowhere and whose objects are gone (overwritten by
 * noise): nothing for qpdf to rebuild the file from.
 */
export async function unrepairableXref(): Promise<Buffer> {
  const good = Buffer.from(await makeA4Batch({ pages: 2, encoding: "vector" }));
  const header = good.subarray(0, good.indexOf("\n") + 1);
  const trailer = "\nxref\n0 3\n0000000000 65535 f \n0000999999 00000 n \n0000888888 00000 n \ntrailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n777777\n%%EOF\n";
  return Buffer.concat([header, noise(good.length, 11), Buffer.from(trailer)]);
}

/** A real batch cut in the middle of a stream, with "%%EOF" added back so that its end looks complete. */
export async function truncatedWithEof(): Promise<Buffer> {
  const good = Buffer.from(await makeA4Batch({ pages: 3, dpi: 100 }));
  return Buffer.concat([good.subarray(0, Math.floor(good.length / 2)), Buffer.from("\nendstream\nendobj\n%%EOF\n")]);
}

/** Not a PDF at all, whatever its name: a PNG picture of a page. */
export async function pngPicture(): Promise<Buffer> {
  return sharp({ create: { width: 200, height: 280, channels: 3, background: "#ffffff" } }).png().toBuffer();
}

/** Deterministic pseudo-random bytes (no "%%EOF" or "obj" can come out by chance in practice). */
export function noise(bytes: number, seed: number): Buffer {
  const out = Buffer.alloc(bytes);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i += 1) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = state & 0xff;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encryption, many pages, active content.

/** `pdf` encrypted by qpdf with `userPassword` ("" = permissions only) at `bits` (40, 128 or 256). */
export async function encryptedPdf(pdf: Uint8Array, userPassword: string, bits: 40 | 128 | 256): Promise<Buffer> {
  return withQpdf(pdf, (input, output) => ["--allow-weak-crypto", "--encrypt", userPassword, "owner-secret", String(bits), "--", input, output]);
}

/** Runs qpdf on `pdf` in a scratch folder with the arguments `args(input, output)` and returns the output. */
async function withQpdf(pdf: Uint8Array, args: (input: string, output: string) => string[]): Promise<Buffer> {
  const dir = await mkdtemp(path.join(tmpdir(), "korrigo-bad-files-"));
  try {
    const input = path.join(dir, "in.pdf");
    const output = path.join(dir, "out.pdf");
    await writeFile(input, pdf);
    const result = await run("qpdf", args(input, output), 60_000);
    if (result.code !== 0) throw new Error(`qpdf ${result.code}: ${result.stderr}`);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `pages` blank A4 pages of a few bytes each (one shared empty content stream). */
export async function manyTinyPages(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const empty = doc.context.register(doc.context.stream(""));
  for (let i = 0; i < pages; i += 1) doc.addPage([A4_PT.width, A4_PT.height]).node.set(PDFName.of("Contents"), empty);
  return doc.save({ objectsPerTick: Infinity });
}

/** A word of the script the active PDF carries, written as is in any PDF string (no character to escape). */
const SCRIPT_MARKER = "attacker.invalid";
/** The JavaScript the active PDF carries. */
export const ACTIVE_SCRIPT = `this.getField('k').value = 'script executed'; app.launchURL('https://${SCRIPT_MARKER}/x', true);`;

/**
 * A real scanned batch carrying active content everywhere a PDF can: an OpenAction and a
 * document-level JavaScript name tree, an embedded file (an executable), page additional
 * actions (/AA) on every page, a link annotation running JavaScript, a launch action, and a
 * JavaScript action hidden in a page's resources (where a copier of resources would carry it).
 */
export async function activeContentPdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.load(await makeA4Batch({ pages, dpi: 100 }));
  const ctx = doc.context;
  const js = () => ctx.obj({ Type: "Action", S: "JavaScript", JS: PDFString.of(ACTIVE_SCRIPT) });
  const catalog = doc.catalog;
  catalog.set(PDFName.of("OpenAction"), ctx.register(js()));
  const payload = ctx.register(ctx.flateStream(Buffer.from("MZ\x90\x00 not really an executable"), { Type: "EmbeddedFile" }));
  const fileSpec = ctx.obj({ Type: "Filespec", F: PDFString.of("facture.exe"), UF: PDFHexString.fromText("facture.exe"), EF: { F: payload } });
  catalog.set(
    PDFName.of("Names"),
    ctx.obj({
      JavaScript: { Names: [PDFString.of("init"), ctx.register(js())] },
      EmbeddedFiles: { Names: [PDFString.of("facture.exe"), ctx.register(fileSpec)] },
    }),
  );
  catalog.set(PDFName.of("AA"), ctx.obj({ WC: js(), WP: js() }));
  for (const page of doc.getPages()) {
    page.node.set(PDFName.of("AA"), ctx.obj({ O: js(), C: js() }));
    const launch = ctx.obj({ Type: "Action", S: "Launch", F: PDFString.of("cmd.exe"), Win: { F: PDFString.of("cmd.exe"), P: PDFString.of("/c calc") } });
    const link = ctx.register(ctx.obj({ Type: "Annot", Subtype: "Link", Rect: [0, 0, A4_PT.width, A4_PT.height], Border: [0, 0, 0], A: js() }));
    const launcher = ctx.register(ctx.obj({ Type: "Annot", Subtype: "Link", Rect: [0, 0, 50, 50], A: launch }));
    const fileAnnot = ctx.register(ctx.obj({ Type: "Annot", Subtype: "FileAttachment", Rect: [60, 60, 80, 80], FS: ctx.register(fileSpec) }));
    page.node.set(PDFName.of("Annots"), ctx.obj([link, launcher, fileAnnot]));
    // Nobody runs an action from an ExtGState, but a copy of the resources would carry it along.
    const resources = page.node.Resources() as PDFDict;
    resources.set(PDFName.of("ExtGState"), ctx.obj({ GS0: { Type: "ExtGState", CA: 1, AA: { O: js() } } }));
  }
  return doc.save();
}

/** Names of PDF constructs that make a document active: none may reach a file Korrigo hands out. */
export const ACTIVE_PDF_KEYS = ["/JavaScript", "/JS", "/OpenAction", "/AA", "/Launch", "/EmbeddedFile", "/EmbeddedFiles", "/RichMedia", "/SubmitForm", "/URI"];

/**
 * Every object of a PDF as qpdf's JSON (keys and names as "/Name" strings, text strings as
 * "u:…"), without stream data: searching it cannot hit bytes of an image by chance.
 */
async function pdfObjectsJson(pdf: Uint8Array): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "korrigo-bad-files-"));
  try {
    const input = path.join(dir, "in.pdf");
    await writeFile(input, pdf);
    const result = await run("qpdf", ["--json=2", "--json-key=qpdf", "--json-stream-data=none", input], 60_000);
    if (result.code !== 0 && result.code !== 3) throw new Error(`qpdf --json ${result.code}: ${result.stderr}`);
    return result.stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The active constructs found in a PDF's objects, and its script's text (empty for a clean file). */
export async function activeContentIn(pdf: Uint8Array): Promise<string[]> {
  const json = await pdfObjectsJson(pdf);
  return ACTIVE_PDF_KEYS.filter((key) => json.includes(`"${key}"`)).concat(json.includes(SCRIPT_MARKER) ? ["script text"] : []);
}

// ---------------------------------------------------------------------------------------------
// Roster CSV files.

export const ROSTER_HEADER = ["Nom", "Prénom", "Classe", "Né(e) le", "INE"];

/** A roster's text as a school tool writes it: ";" between cells, CRLF line ends, cells quoted when needed. */
export function rosterText(rows: string[][], delimiter = ";"): string {
  const quote = (v: string) => (/[";\r\n\t,|]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v);
  return rows.map((r) => r.map(quote).join(delimiter)).join("\r\n") + "\r\n";
}

/** UTF-16 as Excel's "Texte Unicode" writes it: little-endian with a BOM, or either order without. */
export function utf16(text: string, order: "le" | "be", bom: boolean): Buffer {
  const le = Buffer.from((bom ? "\uFEFF" : "") + text, "utf16le");
  if (order === "le") return le;
  const be = Buffer.alloc(le.length);
  for (let i = 0; i + 1 < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return be;
}

/**
 * UTF-8 text read as Windows-1252 and saved again as UTF-8 (a "double encoding"): "Léa" becomes
 * "LÃ©a". What a roster goes through when opened in the wrong encoding and saved.
 */
export function doubleEncoded(text: string): Buffer {
  return Buffer.from(new TextDecoder("windows-1252").decode(Buffer.from(text, "utf8")), "utf8");
}

/** A file of mostly UTF-8 with one line appended from a Windows-1252 export (two encodings in one file). */
export function mixedEncodings(utf8Rows: string[][], cp1252Row: string[]): Buffer {
  return Buffer.concat([Buffer.from(rosterText(utf8Rows), "utf8"), Buffer.from(rosterText([cp1252Row]), "latin1")]);
}

/** The first bytes of an .xlsx workbook (a ZIP archive): what an admin sends by picking the spreadsheet itself. */
export function xlsxLike(): Buffer {
  const entry = Buffer.from("[Content_Types].xml");
  const header = Buffer.alloc(30);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(20, 4);
  header.writeUInt16LE(entry.length, 26);
  return Buffer.concat([header, entry, noise(2048, 3)]);
}

/** A valid student line, different for each `i`. */
export function studentRow(i: number, className = "2nde A"): string[] {
  const day = String((i % 28) + 1).padStart(2, "0");
  return [`NOM${i}`, `Prénom${i}`, className, `${day}/05/2010`, ""];
}

const CP1252_SPECIALS: Record<string, number> = { "€": 0x80, "Š": 0x8a, "Œ": 0x8c, "Ž": 0x8e, "’": 0x92, "–": 0x96, "—": 0x97, "š": 0x9a, "œ": 0x9c, "ž": 0x9e, "Ÿ": 0x9f };

/** `text` in Windows-1252, as French school tools export it (Œ and œ included, which Latin-1 lacks). */
export function windows1252(text: string): Buffer {
  return Buffer.from([...text].map((c) => CP1252_SPECIALS[c] ?? (c.charCodeAt(0) < 256 && (c.charCodeAt(0) < 0x80 || c.charCodeAt(0) > 0x9f) ? c.charCodeAt(0) : 0x3f)));
}
