// Page images and thumbnails with sharp. The source is decoded once, scaled and turned upright
// into a raw buffer; each page image (the whole page or each half) is encoded from that buffer,
// and one thumbnail of the whole buffer is cut into the halves' thumbnails.
import sharp, { type Sharp, type SharpOptions } from "sharp";
import { isNearBlank } from "./near-blank.js";
import type { Half, ResolvedOptions, Rotation, WebImage } from "./types.js";

export interface PixelSource {
  input: Buffer;
  raw?: { width: number; height: number; channels: 1 | 3 | 4 };
  width: number;
  height: number;
  grey: boolean;
  /**
   * A faster decoder straight to grey pixels reduced a whole number of times (CCITT G4), or
   * undefined from it when it cannot read the data: `input` is then decoded by sharp.
   */
  reduced?: (factor: number) => { pixels: Buffer; width: number; height: number } | undefined;
}

// Measured on 150-dpi A3 scans: Huffman optimisation doubles JPEG encoding time for ~8 % smaller
// files. Thumbnails are JPEG too: encoding a 212 × 300 WebP took 5–6 ms here against 2.2 ms,
// for files a few kilobytes smaller.
const JPEG_OPTIONS = { optimiseCoding: false } as const;
const THUMB_QUALITY = 75;
// libvips' Lanczos reduction of single-band images costs twice the linear one here, and with the
// scale factors of scans (≤ 2 after the integer choice below) the difference is hard to see.
const KERNEL = "linear";

function inputOptions(source: PixelSource, options: ResolvedOptions): SharpOptions {
  return {
    raw: source.raw,
    limitInputPixels: options.maxPixels,
    sequentialRead: true,
    // Scanner JPEGs are sometimes truncated by a few bytes; show what decodes, as PDF readers do.
    failOn: "error",
  };
}

/**
 * Scale applied to the source so that each part's long side is at most maxLongSide. A whole
 * divisor (2 for a 300-dpi A4 page: 150 dpi) is preferred while it keeps at least 3/4 of the
 * allowed size: it is cheaper to compute and keeps bilevel scans crisp.
 */
function sourceScale(partWidth: number, height: number, maxLongSide: number): { scale: number; divisor?: number } {
  const factor = Math.max(partWidth, height) / maxLongSide;
  if (factor <= 1) return { scale: 1, divisor: 1 };
  const whole = Math.ceil(factor);
  return whole * 3 <= factor * 4 ? { scale: 1 / whole, divisor: whole } : { scale: 1 / factor };
}

export async function webImages(
  source: PixelSource,
  rotation: Rotation,
  split: "none" | "halves",
  options: ResolvedOptions,
): Promise<Partial<Record<Half, WebImage>>> {
  const decoded = await decodeUpright(source, rotation, split, options);
  const partWidth = split === "halves" ? Math.floor(decoded.width / 2) : decoded.width;
  const lefts = split === "halves" ? [0, partWidth] : [0];
  const thumbs = await thumbnails(decoded, lefts.map(() => partWidth), options);
  const parts = await Promise.all(
    lefts.map(async (left, i) => {
      const region = lefts.length > 1 ? { left, top: 0, width: partWidth, height: decoded.height } : undefined;
      const [image, thumb] = await Promise.all([encodeJpeg(decoded, region, options), encodeThumb(thumbs[i]!)]);
      return { image, imageFormat: "jpeg", width: partWidth, height: decoded.height, ...thumb } satisfies WebImage;
    }),
  );
  return split === "halves" ? { LEFT: parts[0], RIGHT: parts[1] } : { FULL: parts[0] };
}

interface Raw {
  data: Buffer;
  width: number;
  height: number;
  channels: number;
  grey: boolean;
}

async function decodeUpright(source: PixelSource, rotation: Rotation, split: "none" | "halves", options: ResolvedOptions): Promise<Raw> {
  const turned = rotation === 90 || rotation === 270;
  const uprightWidth = turned ? source.height : source.width;
  const uprightHeight = turned ? source.width : source.height;
  const partWidth = split === "halves" ? Math.floor(uprightWidth / 2) : uprightWidth;
  const { scale, divisor } = sourceScale(partWidth, uprightHeight, options.maxLongSide);
  const reduced = divisor ? source.reduced?.(divisor) : undefined;
  if (reduced) {
    const raw = { width: reduced.width, height: reduced.height, channels: 1 as const };
    return decodeUpright({ input: reduced.pixels, raw, width: raw.width, height: raw.height, grey: true }, rotation, split, options);
  }
  let pipeline = sharp(source.input, inputOptions(source, options));
  if (source.raw?.channels === 4) pipeline = pipeline.removeAlpha();
  if (scale < 1) {
    // Resize before rotating (in the source's orientation): fewer pixels to turn, and JPEG
    // shrink-on-load stays possible.
    const width = Math.max(1, Math.round(source.width * scale));
    const height = Math.max(1, Math.round(source.height * scale));
    pipeline = pipeline.resize(width, height, { fit: "fill", kernel: KERNEL });
  }
  if (rotation !== 0) pipeline = pipeline.rotate(rotation);
  const { data, info } = await colour(pipeline, source.grey).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels, grey: source.grey };
}

interface Region {
  left: number;
  top: number;
  width: number;
  height: number;
}

function encodeJpeg(decoded: Raw, region: Region | undefined, options: ResolvedOptions): Promise<Buffer> {
  let pipeline = sharp(decoded.data, { raw: rawLayout(decoded) });
  if (region) pipeline = pipeline.extract(region);
  return colour(pipeline, decoded.grey).jpeg({ quality: options.jpegQuality, ...JPEG_OPTIONS }).toBuffer();
}

/** Thumbnails of side-by-side parts, from one downscale of the whole decoded page. */
function thumbnails(decoded: Raw, partWidths: number[], options: ResolvedOptions): Promise<Raw[]> {
  return thumbnailsOf(sharp(decoded.data, { raw: rawLayout(decoded) }), partWidths, decoded.height, decoded.grey, options);
}

async function thumbnailsOf(pipeline: Sharp, partWidths: number[], height: number, grey: boolean, options: ResolvedOptions): Promise<Raw[]> {
  const widest = Math.max(...partWidths);
  const size = thumbnailSize(widest, height, options.thumbLongSide);
  const scale = size.height / height;
  // Part boundaries in thumbnail columns, rounded the same way for the whole and each edge.
  const edges = partWidths.reduce((at, w) => [...at, at.at(-1)! + w], [0]).map((x) => Math.round(x * scale));
  const resized = pipeline.resize(Math.max(1, edges.at(-1)!), size.height, { fit: "fill", kernel: KERNEL });
  const { data, info } = await colour(resized, grey).raw().toBuffer({ resolveWithObject: true });
  const whole: Raw = { data, width: info.width, height: info.height, channels: info.channels, grey };
  return partWidths.length === 1 ? [whole] : partWidths.map((_, i) => cropColumns(whole, edges[i]!, Math.max(1, edges[i + 1]! - edges[i]!)));
}

function thumbnailSize(width: number, height: number, thumbLongSide: number): { width: number; height: number } {
  const long = Math.max(width, height);
  const target = Math.min(thumbLongSide, long); // never enlarge
  return { width: Math.max(1, Math.round((width * target) / long)), height: Math.max(1, Math.round((height * target) / long)) };
}

function cropColumns(raw: Raw, left: number, width: number): Raw {
  const rowBytes = width * raw.channels;
  const data = Buffer.allocUnsafe(rowBytes * raw.height);
  for (let y = 0; y < raw.height; y += 1) {
    const start = (y * raw.width + left) * raw.channels;
    raw.data.copy(data, y * rowBytes, start, start + rowBytes);
  }
  return { ...raw, data, width };
}

async function encodeThumb(thumb: Raw): Promise<Pick<WebImage, "thumb" | "thumbFormat" | "nearBlank">> {
  const jpeg = await colour(sharp(thumb.data, { raw: rawLayout(thumb) }), thumb.grey).jpeg({ quality: THUMB_QUALITY, ...JPEG_OPTIONS }).toBuffer();
  return { thumb: jpeg, thumbFormat: "jpeg", nearBlank: isNearBlank(thumb.data, thumb.width, thumb.height, thumb.channels) };
}

export interface PassthroughPart {
  jpeg: Buffer;
  width: number;
}

export interface PassthroughLayout {
  height: number;
  grey: boolean;
  /** A reduced-size rendering of the original, when one was computed while parsing it. */
  preview?: { pixels: Buffer; width: number; height: number };
}

/**
 * JPEG page images taken as they are (the original, or its halves cut without re-encoding). The
 * thumbnails come from the preview when it is about as large as they are, otherwise from a
 * reduced-size decode of the original (JPEG shrink-on-load).
 */
export async function passthroughImages(original: Buffer, parts: PassthroughPart[], layout: PassthroughLayout, options: ResolvedOptions): Promise<WebImage[]> {
  const { height, grey, preview } = layout;
  const widths = parts.map((p) => p.width);
  const width = widths.reduce((a, b) => a + b, 0);
  const size = thumbnailSize(Math.max(...widths), height, options.thumbLongSide);
  // Up to 10 % enlargement of the preview does not show at thumbnail size.
  const previewLargeEnough = preview && preview.height >= size.height * 0.9 && preview.width >= (size.width * width) / Math.max(...widths) * 0.9;
  const pipeline = previewLargeEnough
    ? sharp(preview.pixels, { raw: { width: preview.width, height: preview.height, channels: 1 } })
    : sharp(original, inputOptions({ input: original, width, height, grey }, options));
  const thumbs = await thumbnailsOf(pipeline, widths, height, grey, options);
  return Promise.all(
    parts.map(async (part, i) => ({ image: part.jpeg, imageFormat: "jpeg", width: part.width, height, ...(await encodeThumb(thumbs[i]!)) }) satisfies WebImage),
  );
}

function rawLayout(raw: Raw) {
  return { width: raw.width, height: raw.height, channels: raw.channels as 1 | 3 };
}

// Grey stays single-channel: a third of the bytes to encode, and a smaller JPEG.
function colour(pipeline: Sharp, grey: boolean): Sharp {
  return grey ? pipeline.toColourspace("b-w") : pipeline;
}
