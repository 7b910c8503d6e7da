// Turns one scanned PDF page into the images teachers see: a JPEG per page (or per half of an A3
// sheet) and a JPEG thumbnail. Copier scans are one full-page image: that image is taken straight
// out of the PDF (the JPEG itself when nothing needs changing); anything else is rendered by pdf.js.
import type { PDFPage } from "pdf-lib";
import { ScanPageError } from "./errors.js";
import { imageSource, type ImageSource } from "./extract.js";
import { guardPage } from "./guard.js";
import { passthroughImages, webImages } from "./images.js";
import { parseGreyJpeg, quarterImage } from "./jpeg-parse.js";
import { splitJpegHalves } from "./jpeg-split.js";
import { findFullPageImage } from "./inspect.js";
import { loadPdf, pageGeometry, type PageGeometry } from "./page.js";
import { uprightRotation } from "./placement.js";
import { renderPage } from "./render.js";
import type { ResolvedOptions, Rotation, ScanPageOptions, ScanPageResult } from "./types.js";

export { ScanPageError } from "./errors.js";
export type { Half, ScanPageOptions, ScanPageResult, WebImage } from "./types.js";

const DEFAULTS = {
  maxLongSide: 2000,
  thumbLongSide: 300,
  jpegQuality: 80,
  maxPixels: 80e6,
  maxInflatedBytes: 256 * 1024 * 1024,
};

/** A passed-through JPEG may be this much larger than maxLongSide: re-encoding costs more than it saves. */
const PASSTHROUGH_SLACK = 1.2;

export async function scanPageToImages(pdf: Uint8Array, options: ScanPageOptions): Promise<ScanPageResult> {
  const resolved = resolveOptions(options);
  const doc = await loadPdf(pdf);
  if (doc.getPageCount() !== 1) {
    throw new ScanPageError(`Une page de scan doit être un PDF d'une seule page (celui-ci en a ${doc.getPageCount()}).`);
  }
  const page = doc.getPage(0);
  const geometry = pageGeometry(page);
  const fast = await fastPath(page, geometry, resolved);
  if (fast) return { ...pageFields(geometry), ...fast };
  guardPage(page, resolved);
  const rendered = await renderPage(pdf, {
    partLongSide: resolved.maxLongSide,
    halves: resolved.split === "halves",
    maxPixels: resolved.maxPixels,
  });
  return { ...pageFields(geometry), source: "render", images: await webImages(rendered, 0, resolved.split, resolved) };
}

/** Size and rotation of the first page, without decoding anything. */
export async function inspectPage(pdf: Uint8Array): Promise<{ widthPt: number; heightPt: number; rotate: Rotation; pageCount: number }> {
  const doc = await loadPdf(pdf);
  return { ...pageFields(pageGeometry(doc.getPage(0))), pageCount: doc.getPageCount() };
}

/**
 * The page's images taken from its one full-page image, or undefined when the page is not that or
 * the image cannot be decoded here (damaged data, an unusual JPEG): pdf.js is more lenient.
 * Refusals (ScanPageError) go through.
 */
async function fastPath(page: PDFPage, geometry: PageGeometry, options: ResolvedOptions): Promise<Pick<ScanPageResult, "source" | "images"> | undefined> {
  try {
    const found = findFullPageImage(page, geometry, options);
    const source = found && imageSource(found.stream, options);
    if (!found || !source) return undefined;
    const rotation = uprightRotation(found.angle, geometry.rotate);
    const passed = rotation === 0 && source.passthrough ? await passthrough(source, options) : undefined;
    return passed ?? { source: source.kind, images: await webImages(source, rotation, options.split, options) };
  } catch (error) {
    if (error instanceof ScanPageError) throw error;
    return undefined;
  }
}

/**
 * The scanner's JPEG as it is, or cut in halves without re-encoding, when it is small enough. A
 * whole page's thumbnail comes from libjpeg's reduced-size decode (off the main thread); halves
 * need the JPEG parsed anyway, and that parse also gives the thumbnails' preview.
 */
async function passthrough(source: ImageSource, options: ResolvedOptions): Promise<Pick<ScanPageResult, "source" | "images"> | undefined> {
  const halves = options.split === "halves";
  const partWidth = halves ? Math.ceil(source.width / 2) : source.width;
  if (Math.max(partWidth, source.height) > options.maxLongSide * PASSTHROUGH_SLACK) return undefined;
  const layout = { height: source.height, grey: source.grey };
  if (!halves) {
    const [image] = await passthroughImages(source.input, [{ jpeg: source.input, width: source.width }], layout, options);
    return { source: "jpeg-passthrough", images: { FULL: image } };
  }
  const parsed = source.grey ? parseGreyJpeg(source.input) : undefined;
  const parts = parsed && splitJpegHalves(parsed);
  if (!parsed || !parts) return undefined;
  const [left, right] = await passthroughImages(source.input, parts, { ...layout, preview: quarterImage(parsed) }, options);
  return { source: "jpeg-passthrough", images: { LEFT: left, RIGHT: right } };
}

function pageFields(geometry: PageGeometry) {
  return { widthPt: geometry.widthPt, heightPt: geometry.heightPt, rotate: geometry.rotate };
}

function resolveOptions(options: ScanPageOptions): ResolvedOptions {
  const resolved: ResolvedOptions = { ...DEFAULTS, ...withoutUndefined(options), split: options.split };
  for (const key of ["maxLongSide", "thumbLongSide", "jpegQuality", "maxPixels", "maxInflatedBytes"] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 1) throw new RangeError(`scanPageToImages: invalid ${key}`);
  }
  return { ...resolved, jpegQuality: Math.min(100, Math.round(resolved.jpegQuality)) };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
