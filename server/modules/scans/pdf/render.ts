// The slow path: render the page with pdf.js (legacy build, for Node 20) on a @napi-rs/canvas
// canvas. Used for born-digital pages and for images the fast path does not take.
import { createRequire } from "node:module";
import path from "node:path";
import type { PDFPageProxy } from "pdfjs-dist/legacy/build/pdf.mjs";
import { ScanPageError } from "./errors.js";
import type { PixelSource } from "./images.js";

const require = createRequire(import.meta.url);
const PDFJS_ROOT = path.dirname(require.resolve("pdfjs-dist/package.json"));
// In Node, pdf.js reads these with fs.readFile: plain directory paths, with a trailing separator.
const STANDARD_FONTS = path.join(PDFJS_ROOT, "standard_fonts") + path.sep;
const CMAPS = path.join(PDFJS_ROOT, "cmaps") + path.sep;
const WASM = path.join(PDFJS_ROOT, "wasm") + path.sep;

// pdf.js types its canvas factory as Object; this is the part of it we use.
interface CanvasAndContext {
  canvas: unknown;
  context: { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
}
type RenderCanvas = Parameters<PDFPageProxy["render"]>[0]["canvas"];
interface CanvasFactory {
  create(width: number, height: number): CanvasAndContext;
  destroy(canvasAndContext: CanvasAndContext): void;
}

export interface RenderRequest {
  /** Long side of each part (the whole page, or each half) in pixels. */
  partLongSide: number;
  halves: boolean;
  maxPixels: number;
}

/** Renders the first page upright (pdf.js applies /Rotate) as raw RGBA pixels. */
export async function renderPage(pdf: Uint8Array, request: RenderRequest): Promise<PixelSource> {
  try {
    return await render(pdf, request);
  } catch {
    // pdf.js failing on a file is not going to change on a retry.
    throw new ScanPageError("La page n'a pas pu être affichée : le PDF est probablement endommagé. Rescannez-la.");
  }
}

async function render(pdf: Uint8Array, request: RenderRequest): Promise<PixelSource> {
  // Loaded on first use: the module is large and most scans never need it.
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await getDocument({
    // A copy as a plain Uint8Array: pdf.js refuses a Node Buffer (what fs.readFile gives) and
    // may transfer the buffer to its worker, which must leave the caller's bytes intact.
    data: new Uint8Array(pdf),
    isEvalSupported: false,
    // Never the XFA forms layer: GHSA-hq66-cqwq-w95j (scripts run from XFA rich text) is reached
    // only with it on, and pdf.js 6, which fixes it, needs Node 22 (docs/audit-allowlist.json).
    enableXfa: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
    standardFontDataUrl: STANDARD_FONTS,
    cMapUrl: CMAPS,
    cMapPacked: true,
    wasmUrl: WASM,
    maxImageSize: request.maxPixels,
  }).promise;
  try {
    const page = await doc.getPage(1);
    const natural = page.getViewport({ scale: 1 });
    const partWidth = request.halves ? natural.width / 2 : natural.width;
    const viewport = page.getViewport({ scale: request.partLongSide / Math.max(partWidth, natural.height) });
    const width = Math.max(1, Math.round(viewport.width));
    const height = Math.max(1, Math.round(viewport.height));
    const factory = doc.canvasFactory as CanvasFactory;
    const target = factory.create(width, height);
    try {
      await page.render({ canvas: target.canvas as RenderCanvas, viewport }).promise;
      const rgba = target.context.getImageData(0, 0, width, height).data;
      const input = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
      return { input, raw: { width, height, channels: 4 }, width, height, grey: isGrey(input) };
    } finally {
      factory.destroy(target);
    }
  } finally {
    await doc.destroy();
  }
}

/** Whether every pixel has R = G = B, so that the page images can stay single-channel. */
function isGrey(rgba: Buffer): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  }
  return true;
}
