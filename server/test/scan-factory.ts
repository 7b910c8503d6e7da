// Deterministic scanned-looking PDFs for tests and benchmarks: grey off-white paper with light
// noise, a printed header, handwriting-like strokes, "Page N" in large print and the same number
// as a machine-readable mark (a row of black and white squares) that readPageLabel reads back
// from any page image or thumbnail, so tests check page order without OCR.
import { deflateSync } from "node:zlib";
import {
  concatTransformationMatrix,
  degrees,
  drawObject,
  PDFDocument,
  popGraphicsState,
  pushGraphicsState,
  rgb,
  StandardFonts,
  type PDFFont,
  type PDFPage,
} from "pdf-lib";
import sharp from "sharp";

export type PageEncoding = "jpeg" | "ccitt" | "flate" | "vector";

export interface FactoryPage {
  /** The page number printed on the page and encoded in its mark. */
  label: number;
}

const A4_MM = { width: 210, height: 297 };
const PT_PER_MM = 72 / 25.4;
export const A4_PT = { width: 595.28, height: 841.89 };
export const A3_LANDSCAPE_PT = { width: 1190.55, height: 841.89 };

// The mark: 15 squares of 6 mm, 272 mm from the top of an A4 page, large enough to survive a
// 300-pixel thumbnail. Black start, white guard, 10 data bits (most significant first), an even
// parity bit, white guard, black stop.
const MARK = { x: 60, y: 272, cell: 6, cells: 15, dataBits: 10 };
export const MAX_LABEL = 2 ** MARK.dataBits - 1;

/** Page i (0-based) carries label i + 1; `blank` pages are bare paper, with neither text nor mark. */
export async function makeA4Batch(opts: {
  pages: number;
  dpi?: number;
  encoding?: PageEncoding;
  rotate180?: number[];
  blank?: number[];
}): Promise<Uint8Array> {
  const doc = await newDocument();
  const dpi = opts.dpi ?? 200;
  const encoding = opts.encoding ?? "jpeg";
  for (let i = 0; i < opts.pages; i += 1) {
    const art: PageArt = opts.blank?.includes(i) ? { kind: "blank" } : { kind: "written", label: i + 1 };
    const upsideDown = opts.rotate180?.includes(i) ?? false;
    if (encoding === "vector") {
      drawVectorPage(doc, art, upsideDown);
    } else {
      const { grey, width, height } = await a4PagePixels(art, dpi);
      // A grey image turned by 180° is its pixels in reverse order.
      if (upsideDown) grey.reverse();
      await addImagePage(doc, await encodeScan(grey, width, height, encoding), A4_PT, upsideDown ? 180 : 0);
    }
  }
  return doc.save();
}

/**
 * Copies doubles scanned recto-verso as A3 landscape: for sheet s, scan page 2s is [P4 | P1] and
 * scan page 2s + 1 is [P2 | P3], where Pk carries label 4s + k.
 */
export async function makeA3Batch(opts: { sheets: number; dpi?: number; encoding?: PageEncoding }): Promise<Uint8Array> {
  const doc = await newDocument();
  const dpi = opts.dpi ?? 150;
  const encoding = opts.encoding ?? "jpeg";
  for (let s = 0; s < opts.sheets; s += 1) {
    for (const [left, right] of [[4, 1], [2, 3]] as const) {
      const arts: PageArt[] = [{ kind: "written", label: 4 * s + left }, { kind: "written", label: 4 * s + right }];
      if (encoding === "vector") {
        drawVectorSpread(doc, arts);
      } else {
        const [a, b] = await Promise.all(arts.map((art) => a4PagePixels(art, dpi)));
        const spread = sideBySide(a!.grey, b!.grey, a!.width, a!.height);
        await addImagePage(doc, await encodeScan(spread, a!.width * 2, a!.height, encoding), A3_LANDSCAPE_PT, 0);
      }
    }
  }
  return doc.save();
}

/** Each page as a one-page PDF, as the worker gets them from `qpdf --split-pages`. */
export async function splitPages(pdf: Uint8Array): Promise<Uint8Array[]> {
  const source = await PDFDocument.load(pdf, { updateMetadata: false });
  const pages: Uint8Array[] = [];
  for (let i = 0; i < source.getPageCount(); i += 1) {
    const doc = await newDocument();
    const [page] = await doc.copyPages(source, [i]);
    doc.addPage(page);
    pages.push(await doc.save());
  }
  return pages;
}

/** Reads the mark of an upright A4 page image (any size, grey or colour); null when there is none. */
export async function readPageLabel(image: Buffer): Promise<number | null> {
  const scale = 2; // pixels per millimetre
  const width = A4_MM.width * scale;
  const { data } = await sharp(image)
    .resize(width, A4_MM.height * scale, { fit: "fill" })
    .toColourspace("b-w")
    .raw()
    .toBuffer({ resolveWithObject: true });
  const cellMean = (index: number) => {
    const cx = (MARK.x + MARK.cell * (index + 0.5)) * scale;
    const cy = (MARK.y + MARK.cell / 2) * scale;
    const r = (MARK.cell / 4) * scale;
    let sum = 0;
    let n = 0;
    for (let y = Math.round(cy - r); y <= Math.round(cy + r); y += 1) {
      for (let x = Math.round(cx - r); x <= Math.round(cx + r); x += 1) {
        sum += data[y * width + x]!;
        n += 1;
      }
    }
    return sum / n;
  };
  const means = Array.from({ length: MARK.cells }, (_, i) => cellMean(i));
  const black = (means[0]! + means[MARK.cells - 1]!) / 2;
  const white = (means[1]! + means[MARK.cells - 2]!) / 2;
  if (white - black < 60) return null;
  const bits = means.map((m) => (m < (black + white) / 2 ? 1 : 0));
  if (bits[0] !== 1 || bits[1] !== 0 || bits[MARK.cells - 2] !== 0 || bits[MARK.cells - 1] !== 1) return null;
  const payload = bits.slice(2, 2 + MARK.dataBits + 1);
  if (payload.reduce<number>((sum, bit) => sum + bit, 0) % 2 !== 0) return null;
  const label = payload.slice(0, MARK.dataBits).reduce<number>((value, bit) => value * 2 + bit, 0);
  return label > 0 ? label : null;
}

// ---------------------------------------------------------------------------------------------
// Page art. Rendering SVG at scan resolution is the slow part of making a page, so what does not
// depend on the label (paper, dust, header, a few handwriting variants) is rendered once per size
// and cached; each page then only gets its "Page N" text and its mark.

/**
 * What a page shows: "written" is the full page (header, "Page N", handwriting, mark); the others
 * test blank-page detection: bare paper, or paper with only a printed header, or only one
 * handwritten line. Every page has a few specks of dust, as real scans do.
 */
export type PageArt = ({ kind: "written" } & FactoryPage) | { kind: "blank" } | { kind: "header-only" } | { kind: "one-line" };

/** Distinct handwriting layouts; page N uses variant N mod this. */
const HANDWRITING_VARIANTS = 7;
const INK = 0x11;

/** The grey pixels (one byte each) of one scanned A4 page, upright. */
export async function a4PagePixels(art: PageArt, dpi: number): Promise<{ grey: Buffer; width: number; height: number }> {
  const width = Math.round((A4_MM.width * dpi) / 25.4);
  const height = Math.round((A4_MM.height * dpi) / 25.4);
  const grey = Buffer.from(await background(art, width, height));
  if (art.kind === "written") {
    const mark = markCells(art.label);
    const px = (mm: number, size: number, total: number) => Math.round((mm * size) / total);
    mark.forEach((black, i) => {
      if (!black) return;
      const x0 = px(MARK.x + i * MARK.cell, width, A4_MM.width);
      const x1 = px(MARK.x + (i + 1) * MARK.cell, width, A4_MM.width);
      for (let y = px(MARK.y, height, A4_MM.height); y < px(MARK.y + MARK.cell, height, A4_MM.height); y += 1) {
        grey.fill(INK, y * width + x0, y * width + x1);
      }
    });
    await printPageNumber(grey, width, height, art.label);
  }
  return { grey, width, height };
}

function sideBySide(left: Buffer, right: Buffer, width: number, height: number): Buffer {
  const out = Buffer.allocUnsafe(width * 2 * height);
  for (let y = 0; y < height; y += 1) {
    left.copy(out, y * width * 2, y * width, (y + 1) * width);
    right.copy(out, y * width * 2 + width, y * width, (y + 1) * width);
  }
  return out;
}

const backgrounds = new Map<string, Promise<Buffer>>();

/** Paper, dust and everything but the label, rendered once per kind, variant and size. */
function background(art: PageArt, width: number, height: number): Promise<Buffer> {
  const variant = art.kind === "written" ? art.label % HANDWRITING_VARIANTS : 0;
  const key = `${art.kind}:${variant}:${width}x${height}`;
  let cached = backgrounds.get(key);
  if (!cached) {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${A4_MM.width} ${A4_MM.height}">${backgroundSvg(art.kind, variant)}</svg>`;
    cached = paper(width, height).then((pixels) =>
      sharp(pixels, { raw: { width, height, channels: 1 } })
        .composite([{ input: Buffer.from(svg) }])
        .toColourspace("b-w")
        .raw()
        .toBuffer(),
    );
    backgrounds.set(key, cached);
  }
  return cached;
}

const HEADER = `<text x="15" y="16" font-family="sans-serif" font-size="4">Nom : ......................  Prénom : ......................  Classe : ........</text>
  <rect x="15" y="20" width="180" height="0.6"/>`;
const PEN = `fill="none" stroke="#3c3c48" stroke-width="0.5" stroke-linecap="round"`;

function backgroundSvg(kind: PageArt["kind"], variant: number): string {
  const dust = specks(variant);
  if (kind === "header-only") return dust + HEADER;
  if (kind === "one-line") return `${dust}<path ${PEN} d="${handwriting(variant, 1).slice(0, 4).join(" ")}"/>`;
  if (kind === "blank") return dust;
  return `${dust}${HEADER}<g ${PEN}>${handwriting(variant).map((d) => `<path d="${d}"/>`).join("")}</g>`;
}

/** "Page N" in large print, rendered alone and darkened into the page (ink over paper). */
async function printPageNumber(grey: Buffer, width: number, height: number, label: number): Promise<void> {
  const box = { x: 12, y: 28, width: 90, height: 18 }; // millimetres
  const left = Math.round((box.x * width) / A4_MM.width);
  const top = Math.round((box.y * height) / A4_MM.height);
  const w = Math.round((box.width * width) / A4_MM.width);
  const h = Math.round((box.height * height) / A4_MM.height);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="${box.x} ${box.y} ${box.width} ${box.height}">
    <rect x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" fill="#fff"/>
    <text x="15" y="42" font-family="sans-serif" font-size="14" font-weight="bold">Page ${label}</text></svg>`;
  const text = await sharp(Buffer.from(svg)).flatten({ background: "#ffffff" }).toColourspace("b-w").raw().toBuffer();
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      const at = (top + y) * width + left + x;
      grey[at] = Math.min(grey[at]!, text[y * w + x]!);
    }
  }
}

function markCells(label: number): boolean[] {
  if (!Number.isInteger(label) || label < 1 || label > MAX_LABEL) throw new RangeError(`label must be 1–${MAX_LABEL}`);
  const data = Array.from({ length: MARK.dataBits }, (_, i) => ((label >> (MARK.dataBits - 1 - i)) & 1) === 1);
  const parity = data.filter(Boolean).length % 2 === 1;
  return [true, false, ...data, parity, false, true];
}

/** A small seeded generator (mulberry32): the same seed always gives the same strokes or noise. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Lines of cursive-looking loops (smooth cubic Bézier paths, in millimetres), one path per word. */
function handwriting(seed: number, lineCount?: number): string[] {
  const next = random(seed * 7919 + 17);
  const paths: string[] = [];
  const lines = lineCount ?? 6 + Math.floor(next() * 8);
  for (let line = 0; line < lines; line += 1) {
    const baseline = 58 + line * 12 + next() * 3;
    let x = 20 + next() * 10;
    const end = 60 + next() * 130;
    while (x < end) {
      const letters = 3 + Math.floor(next() * 7);
      let d = `M${x.toFixed(2)} ${baseline.toFixed(2)}`;
      for (let k = 0; k < letters; k += 1) {
        const w = 1.8 + next() * 1.4;
        const h = 2 + next() * (next() < 0.2 ? 5 : 2);
        d += ` C${(x + w * 0.1).toFixed(2)} ${(baseline - h).toFixed(2)} ${(x + w * 0.9).toFixed(2)} ${(baseline - h).toFixed(2)} ${(x + w).toFixed(2)} ${baseline.toFixed(2)}`;
        x += w;
      }
      paths.push(d);
      x += 3 + next() * 4;
    }
  }
  return paths;
}

/** A few grey dots of dust (0.2–0.4 mm), which must not make a blank page look written. */
function specks(seed: number): string {
  const next = random(seed * 104729 + 3);
  return Array.from({ length: 4 }, () => {
    const [x, y, r] = [15 + next() * 180, 30 + next() * 240, 0.1 + next() * 0.1];
    return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="${r.toFixed(2)}" fill="#777"/>`;
  }).join("");
}

const paperCache = new Map<string, Promise<Buffer>>();

/**
 * Off-white paper with light noise, generated once per size. Scanner noise is mostly coarse (the
 * paper's grain, over a few pixels): smooth grain from quarter-resolution noise, plus a little
 * fine noise, gives the sample scans' ≈ 4 grey levels of deviation and, once in a JPEG, about
 * their bytes per pixel (which is what decoding costs depend on).
 */
function paper(width: number, height: number): Promise<Buffer> {
  const key = `${width}x${height}`;
  let pixels = paperCache.get(key);
  if (!pixels) {
    pixels = makePaper(width, height);
    paperCache.set(key, pixels);
  }
  return pixels;
}

async function makePaper(width: number, height: number): Promise<Buffer> {
  const next = random(width * 31 + height);
  const [coarseWidth, coarseHeight] = [Math.ceil(width / 4), Math.ceil(height / 4)];
  const coarse = Buffer.alloc(coarseWidth * coarseHeight);
  for (let i = 0; i < coarse.length; i += 1) coarse[i] = Math.round(234 + (next() + next() + next() - 1.5) * 10);
  const grain = await sharp(coarse, { raw: { width: coarseWidth, height: coarseHeight, channels: 1 } })
    .resize(width, height, { fit: "fill", kernel: "cubic" })
    .toColourspace("b-w")
    .raw()
    .toBuffer();
  for (let i = 0; i < grain.length; i += 1) grain[i] = Math.min(255, grain[i]! + Math.round((next() - 0.5) * 2));
  return grain;
}

// ---------------------------------------------------------------------------------------------
// Scanned images, encoded the way copiers do.

export interface ScanImage {
  width: number;
  height: number;
  /** The XObject dictionary entries besides Type, Subtype, Width and Height. */
  dict: Record<string, unknown>;
  data: Uint8Array;
}

export async function encodeScan(grey: Buffer, width: number, height: number, encoding: "jpeg" | "ccitt" | "flate"): Promise<ScanImage> {
  const raw = { raw: { width, height, channels: 1 as const } };
  if (encoding === "jpeg") {
    // Quality 72 is what the sample scans' quantisation tables amount to.
    const data = await sharp(grey, raw).toColourspace("b-w").jpeg({ quality: 72, optimiseCoding: false }).toBuffer();
    return { width, height, data, dict: { ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "DCTDecode" } };
  }
  if (encoding === "flate") {
    return { width, height, data: deflateSync(grey, { level: 1 }), dict: { ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "FlateDecode" } };
  }
  return {
    width,
    height,
    data: await ccittG4(grey, width, height),
    dict: {
      ColorSpace: "DeviceGray",
      BitsPerComponent: 1,
      Filter: "CCITTFaxDecode",
      DecodeParms: { K: -1, Columns: width, Rows: height, BlackIs1: false },
    },
  };
}

/**
 * Group 4 fax data for a grey image thresholded to black and white. libvips writes it as a TIFF;
 * one strip (RowsPerStrip = height) makes the strip exactly the data a PDF CCITTFaxDecode stream
 * holds. MinIsWhite keeps libtiff's run colours (0 = white run), which PDF reads with BlackIs1 false.
 */
async function ccittG4(grey: Buffer, width: number, height: number): Promise<Buffer> {
  const tiff = await sharp(grey, { raw: { width, height, channels: 1 } })
    .threshold(160)
    .toColourspace("b-w")
    .tiff({ compression: "ccittfax4", bitdepth: 1, miniswhite: true, tile: false, tileHeight: height })
    .toBuffer();
  const tags = tiffTags(tiff);
  const offsets = tags.get(273);
  const counts = tags.get(279);
  if (tags.get(259)?.[0] !== 4 || tags.get(262)?.[0] !== 0 || offsets?.length !== 1 || counts?.length !== 1) {
    throw new Error("libvips did not write a single-strip MinIsWhite Group 4 TIFF");
  }
  return tiff.subarray(offsets[0]!, offsets[0]! + counts[0]!);
}

/** The first IFD's SHORT and LONG values, by tag (little-endian TIFF, as libvips writes). */
function tiffTags(tiff: Buffer): Map<number, number[]> {
  const tags = new Map<number, number[]>();
  const ifd = tiff.readUInt32LE(4);
  for (let i = 0; i < tiff.readUInt16LE(ifd); i += 1) {
    const at = ifd + 2 + i * 12;
    const type = tiff.readUInt16LE(at + 2);
    const count = tiff.readUInt32LE(at + 4);
    const size = type === 3 ? 2 : 4;
    if (type !== 3 && type !== 4) continue;
    const base = count * size <= 4 ? at + 8 : tiff.readUInt32LE(at + 8);
    const values = Array.from({ length: count }, (_, k) =>
      size === 2 ? tiff.readUInt16LE(base + k * 2) : tiff.readUInt32LE(base + k * 4),
    );
    tags.set(tiff.readUInt16LE(at), values);
  }
  return tags;
}

// ---------------------------------------------------------------------------------------------
// PDF pages.

/**
 * Adds a page holding one image XObject, drawn with `matrix` (default: stretched over the page),
 * with the page's /Rotate set to `rotate`.
 */
export async function addImagePage(
  doc: PDFDocument,
  image: ScanImage,
  size: { width: number; height: number },
  rotate: number,
  matrix: [number, number, number, number, number, number] = [size.width, 0, 0, size.height, 0, 0],
): Promise<PDFPage> {
  const page = doc.addPage([size.width, size.height]);
  const stream = doc.context.stream(image.data, {
    Type: "XObject",
    Subtype: "Image",
    Width: image.width,
    Height: image.height,
    ...(image.dict as Record<string, never>),
  });
  const name = page.node.newXObject("Im", doc.context.register(stream));
  page.pushOperators(pushGraphicsState(), concatTransformationMatrix(...matrix), drawObject(name), popGraphicsState());
  if (rotate) page.setRotation(degrees(rotate));
  return page;
}

/** A one-page PDF holding one image, for tests of unusual encodings and placements. */
export async function makeImagePdf(
  image: ScanImage,
  options: { size?: { width: number; height: number }; rotate?: number; matrix?: [number, number, number, number, number, number] } = {},
): Promise<Uint8Array> {
  const doc = await newDocument();
  await addImagePage(doc, image, options.size ?? A4_PT, options.rotate ?? 0, options.matrix);
  return doc.save();
}

// Born-digital pages: the same art drawn with PDF text, lines and rectangles (no image at all).

function drawVectorPage(doc: PDFDocument, art: PageArt, upsideDown: boolean): void {
  const page = doc.addPage([A4_PT.width, A4_PT.height]);
  // Upside down: drawn turned 180° about the page centre, shown upright through /Rotate 180.
  if (upsideDown) {
    page.pushOperators(pushGraphicsState(), concatTransformationMatrix(-1, 0, 0, -1, A4_PT.width, A4_PT.height));
  }
  drawVectorArt(doc, page, art, 0);
  if (upsideDown) {
    page.pushOperators(popGraphicsState());
    page.setRotation(degrees(180));
  }
}

function drawVectorSpread(doc: PDFDocument, arts: PageArt[]): void {
  const page = doc.addPage([A3_LANDSCAPE_PT.width, A3_LANDSCAPE_PT.height]);
  arts.forEach((art, i) => drawVectorArt(doc, page, art, i * A4_PT.width));
}

const fonts = new WeakMap<PDFDocument, { regular: PDFFont; bold: PDFFont }>();

function fontsOf(doc: PDFDocument): { regular: PDFFont; bold: PDFFont } {
  let pair = fonts.get(doc);
  if (!pair) {
    pair = { regular: doc.embedStandardFont(StandardFonts.Helvetica), bold: doc.embedStandardFont(StandardFonts.HelveticaBold) };
    fonts.set(doc, pair);
  }
  return pair;
}

function drawVectorArt(doc: PDFDocument, page: PDFPage, art: PageArt, offsetPt: number): void {
  const { height } = page.getSize();
  const at = (xMm: number, yMm: number) => ({ x: offsetPt + xMm * PT_PER_MM, y: height - yMm * PT_PER_MM });
  const { regular, bold } = fontsOf(doc);
  const pen = { ...at(0, 0), scale: PT_PER_MM, borderColor: rgb(0.24, 0.24, 0.28), borderWidth: 0.5 };
  if (art.kind === "written" || art.kind === "header-only") {
    // The standard fonts only have WinAnsi, hence "Prenom".
    page.drawText("Nom : ......................  Prenom : ......................  Classe : ........", { ...at(15, 16), size: 11, font: regular });
    page.drawRectangle({ ...at(15, 20.6), width: 180 * PT_PER_MM, height: 0.6 * PT_PER_MM, color: rgb(0, 0, 0) });
  }
  if (art.kind === "one-line") page.drawSvgPath(handwriting(0, 1).slice(0, 4).join(" "), pen);
  if (art.kind !== "written") return;
  page.drawText(`Page ${art.label}`, { ...at(15, 42), size: 40, font: bold });
  for (const d of handwriting(art.label)) page.drawSvgPath(d, pen);
  markCells(art.label).forEach((black, i) => {
    if (!black) return;
    const cell = MARK.cell * PT_PER_MM;
    page.drawRectangle({ ...at(MARK.x + i * MARK.cell, MARK.y + MARK.cell), width: cell, height: cell, color: rgb(0.07, 0.07, 0.07) });
  });
}

/** Without the producer and dates pdf-lib adds by default, the same input gives the same bytes. */
function newDocument(): Promise<PDFDocument> {
  return PDFDocument.create({ updateMetadata: false });
}
