// Scanned-looking cover sheets for tests: the real coverSheetsPdf output, rasterised by poppler
// (independently of Korrigo's own PDF code) and then given what a copier adds: off-white paper,
// a little blur and noise, a slightly skewed feed and, sometimes, a page upside down.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { coverSheetsPdf } from "../modules/identification/cover-sheets.js";
import { a4PagePixels, A4_PT, addImagePage, encodeScan, random } from "./scan-factory.js";

const run = promisify(execFile);

export interface CoverPageOptions {
  token: string;
  lastName: string;
  firstName: string;
  className: string;
  /** Scan resolution; 200 by default. */
  dpi?: number;
  /** Chooses the skew and the noise; the same seed gives the same pixels. */
  seed?: number;
  upsideDown?: boolean;
}

/** The grey pixels (one byte each) of one scanned cover sheet. */
export async function scannedCoverPage(opts: CoverPageOptions): Promise<{ grey: Buffer; width: number; height: number }> {
  const { token, lastName, firstName, className } = opts;
  const pdf = await coverSheetsPdf({
    schoolName: "Collège Jean Moulin",
    examTitle: "Devoir surveillé n° 3",
    examSubject: "Mathématiques",
    examDate: "2025-03-14",
    sheets: [{ token, lastName, firstName, className }],
  });
  const next = random(opts.seed ?? 1);
  const raster = await rasterise(pdf, opts.dpi ?? 200);
  const { width = 0, height = 0 } = await sharp(raster).metadata();
  const { data, info } = await sharp(raster)
    .rotate((next() - 0.5) * 3, { background: "#ffffff" }) // ±1.5°: a sheet fed slightly askew
    .blur(0.7) // scanner optics: no edge is perfectly sharp
    .toColourspace("b-w")
    .raw()
    .toBuffer({ resolveWithObject: true });
  // Rotation grows the canvas; the scanner's window stays A4, centred on the sheet.
  const grey = centre(data, info.width, info.height, width, height);
  onPaper(grey, next);
  // A grey image turned by 180° is its pixels in reverse order.
  if (opts.upsideDown) grey.reverse();
  return { grey, width, height };
}

/**
 * An A4 batch: for each copy, its scanned cover sheet first when it has a token, then its answer
 * pages as the scan factory makes them (labels firstLabel, firstLabel + 1, …, readable with
 * readPageLabel), every page a JPEG as copiers send them.
 */
export async function makeCoverBatch(copies: { token?: string; pages: number; firstLabel: number }[], opts: { dpi?: number } = {}): Promise<Uint8Array> {
  const dpi = opts.dpi ?? 200;
  const doc = await PDFDocument.create({ updateMetadata: false });
  for (const [i, copy] of copies.entries()) {
    if (copy.token) {
      const cover = await scannedCoverPage({ token: copy.token, lastName: "Élève", firstName: `Copie ${i + 1}`, className: "3e A", dpi, seed: i + 1 });
      await addImagePage(doc, await encodeScan(cover.grey, cover.width, cover.height, "jpeg"), A4_PT, 0);
    }
    for (let p = 0; p < copy.pages; p += 1) {
      const page = await a4PagePixels({ kind: "written", label: copy.firstLabel + p }, dpi);
      await addImagePage(doc, await encodeScan(page.grey, page.width, page.height, "jpeg"), A4_PT, 0);
    }
  }
  return doc.save();
}

/** Poppler's greyscale rendering of a one-page PDF, as an uncompressed TIFF (PNG takes 10× longer). */
async function rasterise(pdf: Uint8Array, dpi: number): Promise<Buffer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cover-factory-"));
  try {
    await writeFile(path.join(dir, "cover.pdf"), pdf);
    await run("pdftoppm", ["-r", String(dpi), "-gray", "-tiff", "-singlefile", "cover.pdf", "cover"], { cwd: dir });
    return await readFile(path.join(dir, "cover.tif"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The centre `width` × `height` of a grey image at least that large. */
function centre(grey: Buffer, fromWidth: number, fromHeight: number, width: number, height: number): Buffer {
  const left = Math.floor((fromWidth - width) / 2);
  const top = Math.floor((fromHeight - height) / 2);
  const out = Buffer.allocUnsafe(width * height);
  for (let y = 0; y < height; y += 1) {
    const from = (top + y) * fromWidth + left;
    grey.copy(out, y * width, from, from + width);
  }
  return out;
}

const PAPER = 234;
const TONER = 24;

/** Maps white to off-white paper and black to toner grey, with ± 5 levels of noise. */
function onPaper(grey: Buffer, next: () => number): void {
  for (let i = 0; i < grey.length; i += 1) {
    const level = TONER + (grey[i]! * (PAPER - TONER)) / 255 + (next() + next() - 1) * 5;
    grey[i] = Math.max(0, Math.min(255, Math.round(level)));
  }
}
