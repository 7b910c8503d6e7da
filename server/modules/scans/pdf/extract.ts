// Takes the page's single image out of the PDF in a form sharp decodes: the JPEG as it is, CCITT
// fax data wrapped in a TIFF, or inflated raw pixels. Undefined means "not one of ours": the
// caller renders the page with pdf.js instead.
import { PDFArray, PDFName, PDFRawStream, type PDFDict, type PDFObject } from "pdf-lib";
import { decodeG4Reduced } from "./ccitt-g4.js";
import { bilevelTiff, TIFF_CCITT_G3, TIFF_CCITT_G4, TIFF_UNCOMPRESSED } from "./ccitt-tiff.js";
import { ScanPageError, frenchNumber } from "./errors.js";
import { checkDeclaredPixels, imageBound, inflateBounded } from "./inflate.js";
import { readJpegInfo } from "./jpeg-header.js";
import { boolOf, entry, filterChain, numberOf, numbers, type FilterStep } from "./pdf-values.js";
import { undoPngPredictor, undoTiffPredictor } from "./predictors.js";
import type { PixelSource } from "./images.js";
import type { ResolvedOptions } from "./types.js";

export interface ImageSource {
  kind: "jpeg" | "ccitt" | "flate";
  /** What sharp reads: JPEG or TIFF bytes, or raw pixels when `raw` is set. */
  input: Buffer;
  raw?: { width: number; height: number; channels: 1 | 3 };
  width: number;
  height: number;
  grey: boolean;
  /** A JPEG that browsers display exactly as a PDF reader would. */
  passthrough: boolean;
  reduced?: PixelSource["reduced"];
}

export function imageSource(stream: PDFRawStream, options: ResolvedOptions): ImageSource | undefined {
  const dict = stream.dict;
  const width = numberOf(dict, "Width") ?? 0;
  const height = numberOf(dict, "Height") ?? 0;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) return undefined;
  checkDeclaredPixels(width, height, options.maxPixels);
  if (boolOf(dict, "ImageMask") || entry(dict, "SMask") || entry(dict, "Mask")) return undefined;
  const filters = filterChain(stream);
  if (filters?.length !== 1) return undefined;
  const [filter] = filters as [FilterStep];
  const channels = colourChannels(entry(dict, "ColorSpace"));
  const decode = decodeArray(entry(dict, "Decode"), channels ?? 1);
  if (decode === "other") return undefined;
  const bits = numberOf(dict, "BitsPerComponent");
  switch (filter.name) {
    case "DCTDecode":
    case "DCT":
      return decode === "inverted" ? undefined : jpegSource(stream.contents, channels, filter.parms, options);
    case "CCITTFaxDecode":
    case "CCF":
      if ((channels ?? 1) !== 1 || (bits ?? 1) !== 1) return undefined;
      return ccittSource(stream.contents, width, height, filter.parms, decode === "inverted", options);
    case "FlateDecode":
    case "Fl":
      if (channels === undefined || bits === undefined) return undefined;
      return flateSource(stream.contents, { width, height, channels, bits }, filter.parms, decode === "inverted", options);
    default:
      return undefined;
  }
}

function jpegSource(
  data: Uint8Array,
  channels: number | undefined,
  parms: PDFDict | undefined,
  options: ResolvedOptions,
): ImageSource | undefined {
  const info = readJpegInfo(data);
  // ColorTransform overrides the JPEG's own colour conversion, which sharp would not know about.
  if (!info || (info.components !== 1 && info.components !== 3) || (parms && entry(parms, "ColorTransform"))) {
    return undefined;
  }
  if (channels !== undefined && channels !== info.components) return undefined;
  if (info.width < 1 || info.height < 1) return undefined;
  checkDeclaredPixels(info.width, info.height, options.maxPixels);
  return {
    kind: "jpeg",
    input: Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    width: info.width,
    height: info.height,
    grey: info.components === 1,
    passthrough: info.browserSafe && info.precision === 8 && !info.exif,
  };
}

function ccittSource(
  data: Uint8Array,
  width: number,
  height: number,
  parms: PDFDict | undefined,
  inverted: boolean,
  options: ResolvedOptions,
): ImageSource | undefined {
  const k = (parms && numberOf(parms, "K")) ?? 0;
  const columns = (parms && numberOf(parms, "Columns")) ?? 1728;
  const rows = (parms && numberOf(parms, "Rows")) || height;
  const byteAlign = boolOf(parms, "EncodedByteAlign") ?? false;
  const endOfLine = boolOf(parms, "EndOfLine") ?? false;
  // BlackIs1 true makes the filter emit 1 for black, which DeviceGray then shows as white.
  const blackIs1 = boolOf(parms, "BlackIs1") ?? false;
  if (columns !== width || rows !== height) return undefined;
  checkDeclaredPixels(columns, rows, options.maxPixels);
  // libtiff reads G4 without byte alignment, and G3 (1-D or 2-D) only when each line starts with
  // an EOL code (it resynchronises on them; with EncodedByteAlign, TIFF's "fill bits" option).
  // Other combinations are left to pdf.js.
  let compression: 3 | 4;
  let t4Options = 0;
  if (k < 0 && !byteAlign) compression = TIFF_CCITT_G4;
  else if (k >= 0 && endOfLine) {
    compression = TIFF_CCITT_G3;
    t4Options = (k > 0 ? 1 : 0) | (byteAlign ? 4 : 0);
  } else return undefined;
  const photometric = blackIs1 !== inverted ? 1 : 0;
  return {
    kind: "ccitt",
    input: bilevelTiff({ width, height, compression, t4Options, photometric, data }),
    width,
    height,
    grey: true,
    passthrough: false,
    // Decoding G4 by runs straight into the reduced image is several times faster than libvips'
    // decode and resize; libtiff stays the fallback for G3 and for data it does not accept.
    reduced: compression === TIFF_CCITT_G4 ? (factor) => decodeG4Reduced(data, { width, height, blackIs1: photometric === 1 }, factor) : undefined,
  };
}

interface Layout {
  width: number;
  height: number;
  channels: number;
  bits: number;
}

function flateSource(
  data: Uint8Array,
  layout: Layout,
  parms: PDFDict | undefined,
  inverted: boolean,
  options: ResolvedOptions,
): ImageSource | undefined {
  const { width, height, channels, bits } = layout;
  const bilevel = bits === 1 && channels === 1;
  if (!bilevel && !(bits === 8 && (channels === 1 || channels === 3))) return undefined;
  if (inverted && !bilevel) return undefined;
  const predictor = (parms && numberOf(parms, "Predictor")) ?? 1;
  if (predictor > 1 && !predictorMatches(parms, layout)) return undefined;
  if (predictor === 2 && bits !== 8) return undefined;
  if (predictor > 2 && predictor < 10) return undefined;
  const rowBytes = Math.ceil((width * channels * bits) / 8);
  const png = predictor >= 10;
  const expected = height * (rowBytes + (png ? 1 : 0));
  if (expected > options.maxInflatedBytes) {
    throw new ScanPageError(
      `L'image de la page ferait ${frenchNumber(expected)} octets une fois décompressée, au-delà de la limite : fichier refusé.`,
    );
  }
  const inflated = inflateBounded(data, imageBound(expected, rowBytes))?.subarray(0, expected);
  if (!inflated || inflated.length < expected) return undefined;
  const pixels = png
    ? undoPngPredictor(inflated, height, rowBytes, Math.max(1, (channels * bits) >> 3))
    : predictor === 2
      ? undoTiffPredictor(inflated, height, rowBytes, channels)
      : inflated;
  if (!pixels) return undefined;
  if (bilevel) {
    // DeviceGray 1-bit: 0 is black, i.e. TIFF BlackIsZero, unless /Decode [1 0] swaps them.
    const tiff = bilevelTiff({ width, height, compression: TIFF_UNCOMPRESSED, photometric: inverted ? 0 : 1, data: pixels });
    return { kind: "flate", input: tiff, width, height, grey: true, passthrough: false };
  }
  const raw = { width, height, channels: channels as 1 | 3 };
  return { kind: "flate", input: pixels, raw, width, height, grey: channels === 1, passthrough: false };
}

function predictorMatches(parms: PDFDict | undefined, layout: Layout): boolean {
  const colors = (parms && numberOf(parms, "Colors")) ?? 1;
  const bits = (parms && numberOf(parms, "BitsPerComponent")) ?? 8;
  const columns = (parms && numberOf(parms, "Columns")) ?? 1;
  return colors === layout.channels && bits === layout.bits && columns === layout.width;
}

/** Colour components of the colour spaces a scan uses; undefined for the others (Indexed, CMYK, Lab…). */
function colourChannels(space: PDFObject | undefined): number | undefined {
  if (space instanceof PDFName) {
    const name = space.decodeText();
    if (name === "DeviceGray" || name === "G") return 1;
    if (name === "DeviceRGB" || name === "RGB") return 3;
    return undefined;
  }
  if (!(space instanceof PDFArray) || space.size() < 2) return undefined;
  const family = space.lookup(0);
  const familyName = family instanceof PDFName ? family.decodeText() : "";
  if (familyName === "CalGray") return 1;
  if (familyName === "CalRGB") return 3;
  if (familyName !== "ICCBased") return undefined;
  const profile = space.lookup(1);
  const n = profile instanceof PDFRawStream ? numberOf(profile.dict, "N") : undefined;
  return n === 1 || n === 3 ? n : undefined;
}

/** "default" for absent or [0 1 …], "inverted" for a one-component [1 0], "other" otherwise. */
function decodeArray(value: PDFObject | undefined, channels: number): "default" | "inverted" | "other" {
  if (value === undefined) return "default";
  const n = numbers(value);
  if (!n || n.length !== channels * 2) return "other";
  if (n.every((v, i) => v === i % 2)) return "default";
  return channels === 1 && n[0] === 1 && n[1] === 0 ? "inverted" : "other";
}
