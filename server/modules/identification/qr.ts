// Finds a cover sheet's QR code on a scanned page and returns its token. Most pages of a batch
// are answer pages without one, so the search is cheapest where the code should be: the top
// right corner of an upright sheet, or the bottom left of one scanned upside down (the decoder
// handles any rotation of the code itself, only where to look changes). Only then is the whole
// page searched, for sheets that moved in the feeder or were scanned at an unusual scale.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import sharp from "sharp";
import { prepareZXingModule, readBarcodes } from "zxing-wasm/reader";
import { COVER_QR_REGION, parseCoverPayload } from "./cover-sheets.js";

type Region = { x: number; y: number; width: number; height: number };

/** The region as seen on a page turned by 180°. */
const UPSIDE_DOWN_REGION: Region = {
  x: 1 - COVER_QR_REGION.x - COVER_QR_REGION.width,
  y: 1 - COVER_QR_REGION.y - COVER_QR_REGION.height,
  width: COVER_QR_REGION.width,
  height: COVER_QR_REGION.height,
};
const WHOLE_PAGE: Region = { x: 0, y: 0, width: 1, height: 1 };

/**
 * The most pixels (long side) the decoder gets. Shrunk to 600 px, a region still gives modules
 * 9 px; the whole page at 1000 px, 3 px, about the least the decoder reads reliably.
 */
const REGION_PIXELS = 600;
const PAGE_PIXELS = 1000;

/** The token of the cover sheet on this page image (any format sharp reads), or null. */
export async function readCoverToken(image: Buffer): Promise<string | null> {
  const page = await greyPage(image);
  for (const [region, longSide] of [
    [COVER_QR_REGION, REGION_PIXELS],
    [UPSIDE_DOWN_REGION, REGION_PIXELS],
    [WHOLE_PAGE, PAGE_PIXELS],
  ] as const) {
    const token = await decode(await regionOf(page, region, longSide));
    if (token) return token;
  }
  return null;
}

interface Grey {
  data: Buffer;
  width: number;
  height: number;
}

/**
 * The page decoded once, as one grey byte per pixel, whatever it came as: three searches then
 * cost three crops of memory rather than three decodes. Transparency counts as white paper.
 */
async function greyPage(image: Buffer): Promise<Grey> {
  const { data, info } = await sharp(image).flatten({ background: "#ffffff" }).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** A region of the page, at most `longSide` pixels long. */
async function regionOf(page: Grey, region: Region, longSide: number): Promise<Grey> {
  const left = Math.round(region.x * page.width);
  const top = Math.round(region.y * page.height);
  const width = Math.min(page.width - left, Math.round(region.width * page.width));
  const height = Math.min(page.height - top, Math.round(region.height * page.height));
  const { data, info } = await sharp(page.data, { raw: { width: page.width, height: page.height, channels: 1 } })
    .extract({ left, top, width, height })
    // Linear, not the default Lanczos: modules span several pixels, and it is twice as fast.
    .resize(longSide, longSide, { fit: "inside", withoutEnlargement: true, kernel: "linear" })
    .toColourspace("b-w") // else sharp hands one-channel input back as sRGB
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** zxing-wasm takes RGBA pixels only (it turns them back into grey levels itself). */
function rgba(grey: Buffer): Uint8ClampedArray {
  const out = new Uint8ClampedArray(grey.length * 4);
  for (let i = 0; i < grey.length; i += 1) {
    const v = grey[i]!;
    out[i * 4] = v;
    out[i * 4 + 1] = v;
    out[i * 4 + 2] = v;
    out[i * 4 + 3] = 255;
  }
  return out;
}

async function decode(pixels: Grey): Promise<string | null> {
  await zxing();
  const image = { data: rgba(pixels.data), width: pixels.width, height: pixels.height, colorSpace: "srgb" };
  // A few symbols, not one: another QR code on the page (a textbook's, a sticker) must not hide
  // ours. Ours is printed dark on light: the inverted pass would only double the time spent on
  // the many pages without a code.
  const results = await readBarcodes(image as Parameters<typeof readBarcodes>[0], {
    formats: ["QRCode"],
    tryHarder: true,
    tryInvert: false,
    maxNumberOfSymbols: 4,
  });
  for (const result of results) {
    const token = result.isValid ? parseCoverPayload(result.text) : null;
    if (token) return token;
  }
  return null;
}

let ready: Promise<unknown> | undefined;

/**
 * Loads the decoder once, from the package's own wasm file: left to itself, zxing-wasm fetches
 * it from a CDN, which a school server may not reach and should not depend on.
 */
function zxing(): Promise<unknown> {
  ready ??= readFile(createRequire(import.meta.url).resolve("zxing-wasm/reader/zxing_reader.wasm")).then((wasm) =>
    prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) }, fireImmediately: true }),
  );
  return ready;
}
