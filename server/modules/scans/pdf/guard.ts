// Before handing a page to pdf.js, which inflates and decodes without limits: refuse images that
// declare too many pixels and streams that decode past their bound, anywhere the page reaches
// (contents, forms, images, fonts, patterns, annotations, and inline images in content streams).
import { decodePDFRawStream, PDFArray, PDFDict, PDFName, PDFRawStream, PDFRef, type PDFContext, type PDFObject, type PDFPage } from "pdf-lib";
import { ScanPageError } from "./errors.js";
import { checkDeclaredPixels, imageBound, inflateBounded, inflatedPastBound } from "./inflate.js";
import { boolOf, entry, filterChain, nameOf, numberOf, type FilterStep } from "./pdf-values.js";
import type { ResolvedOptions } from "./types.js";

export function guardPage(page: PDFPage, options: ResolvedOptions): void {
  const context = page.doc.context;
  const seen = new Set<PDFObject>();
  guardContentArray(page, options, seen);
  const pending: PDFObject[] = [page.node];
  while (pending.length > 0) {
    const item = pending.pop()!;
    const value = item instanceof PDFRef ? context.lookup(item) : item;
    if (value === undefined || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof PDFRawStream) {
      const decoded = guardStream(value, options);
      if (decoded) guardInlineImages(context, decoded, options);
      pending.push(...children(value.dict, page));
    } else if (value instanceof PDFDict) {
      pending.push(...children(value, page));
    } else if (value instanceof PDFArray) {
      pending.push(...value.asArray());
    }
  }
}

// Never climb to the page tree or into other pages (links and structure point there).
function children(dict: PDFDict, page: PDFPage): PDFObject[] {
  const type = nameOf(dict, "Type");
  if ((type === "Page" && dict !== page.node) || type === "Pages") return [];
  return dict
    .entries()
    .filter(([key]) => !["Parent", "P", "Dest", "A"].includes(key.decodeText()))
    .map(([, value]) => value);
}

/**
 * A page whose content is an array of streams: pdf.js reads them as one, so an inline image may
 * begin in one and go on in the next. Their total is bounded as a single stream's would be.
 */
function guardContentArray(page: PDFPage, options: ResolvedOptions, seen: Set<PDFObject>): void {
  const contents = page.node.Contents();
  if (!(contents instanceof PDFArray)) return;
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const ref of contents.asArray()) {
    const stream = page.doc.context.lookup(ref);
    if (!(stream instanceof PDFRawStream)) continue;
    seen.add(stream);
    const decoded = guardStream(stream, options);
    total += decoded?.length ?? 0;
    if (total > options.maxInflatedBytes) throw inflatedPastBound(options.maxInflatedBytes);
    if (decoded) parts.push(decoded, NEWLINE);
  }
  guardInlineImages(page.doc.context, Buffer.concat(parts), options);
}

const NEWLINE = Uint8Array.of(0x0a);

/** Checks a stream; returns what a non-image stream decodes to (it may be a content stream), when known. */
function guardStream(stream: PDFRawStream, options: ResolvedOptions): Uint8Array | undefined {
  const dict = stream.dict;
  const image = nameOf(dict, "Subtype") === "Image";
  const width = numberOf(dict, "Width") ?? 0;
  const height = numberOf(dict, "Height") ?? 0;
  if (image) checkDeclaredPixels(width, height, options.maxPixels);
  const filters = filterChain(stream);
  if (!filters) return undefined;
  const samples = image && filters.length === 1 ? declaredImageBytes(dict, width, height) : undefined;
  const decoded = decodeBounded(stream.dict.context, stream.contents, filters, options.maxInflatedBytes, samples);
  return image ? undefined : decoded;
}

// Every layer of a filter chain is decoded under the bound: a bomb hides behind a second Flate
// layer, or behind LZW or RunLength, as well as behind one Flate. Image codecs (DCT, CCITT,
// JBIG2, JPX) end the check: what they give is bounded by the image's declared pixels.
const FLATE = new Set(["FlateDecode", "Fl"]);
/** The other filters pdf.js decodes in JavaScript, by full and abbreviated name, as pdf-lib names them. */
const JS_FILTERS: Record<string, string> = {
  LZWDecode: "LZWDecode", LZW: "LZWDecode", RunLengthDecode: "RunLengthDecode", RL: "RunLengthDecode",
  ASCIIHexDecode: "ASCIIHexDecode", AHx: "ASCIIHexDecode", ASCII85Decode: "ASCII85Decode", A85: "ASCII85Decode",
};

/** Decodes the chain layer by layer under the bound and returns the output (undefined: not decodable here). */
function decodeBounded(context: PDFContext, contents: Uint8Array, filters: FilterStep[], bound: number, lastBound: number | undefined): Uint8Array | undefined {
  let data: Uint8Array | undefined = contents;
  for (const [i, step] of filters.entries()) {
    const last = i === filters.length - 1;
    const limit = last ? Math.min(bound, lastBound ?? Infinity) : bound;
    const jsFilter = JS_FILTERS[step.name];
    if (FLATE.has(step.name)) data = inflateBounded(data, limit);
    else if (jsFilter) data = decodeInChunks(context, data, { filter: jsFilter, parms: step.parms }, limit);
    else return undefined;
    // A corrupt layer: pdf.js, more lenient, gets its chance (and decodes no more than here).
    if (data === undefined) return undefined;
  }
  return data;
}

const CHUNK = 1024 * 1024;

/**
 * Decodes one layer with pdf-lib's decoder a chunk at a time (these decoders work in small
 * blocks), refusing the page as soon as the output passes `bound`. The decoder keeps what it
 * decoded: that is the layer's output, read again from the start.
 */
function decodeInChunks(context: PDFContext, data: Uint8Array, step: { filter: string; parms: PDFDict | undefined }, bound: number): Uint8Array | undefined {
  const layer = PDFRawStream.of(context.obj({ Filter: step.filter, ...(step.parms ? { DecodeParms: step.parms } : {}) }), data);
  try {
    const decoder = decodePDFRawStream(layer);
    let total = 0;
    for (let chunk = decoder.getBytes(CHUNK); chunk.length > 0; chunk = decoder.getBytes(CHUNK)) {
      total += chunk.length;
      if (total > bound) throw inflatedPastBound(bound);
    }
    decoder.reset();
    const output = decoder.getBytes(total);
    return new Uint8Array(output.buffer, output.byteOffset, output.byteLength);
  } catch (error) {
    if (error instanceof ScanPageError) throw error;
    return undefined;
  }
}

// Inline images (BI <dict> ID <data> EI) are decoded by pdf.js like any stream, but live inside a
// content stream, out of the object tree walked above. Every ID keyword is taken with the BI
// before it: a false match (in text or binary data) only costs a decode attempt that fails.
const PDF_WHITESPACE = new Set([0, 9, 10, 12, 13, 32]);
const PDF_DELIMITERS = new Set([...'()<>[]{}/%'].map((c) => c.charCodeAt(0)));
const separates = (byte: number | undefined) => byte === undefined || PDF_WHITESPACE.has(byte) || PDF_DELIMITERS.has(byte);

function guardInlineImages(context: PDFContext, content: Uint8Array, options: ResolvedOptions): void {
  const data = Buffer.from(content.buffer, content.byteOffset, content.byteLength);
  let begin = -1;
  for (const { word, at } of keywords(data)) {
    if (word === "BI") {
      begin = at;
      continue;
    }
    if (begin < 0) continue;
    const steps = inlineFilters(context, data.subarray(begin + 2, at).toString("latin1"));
    begin = -1;
    // pdf.js reads the data from the byte after the one white-space character that follows ID.
    if (steps.length > 0) decodeBounded(context, data.subarray(at + 3), steps, options.maxInflatedBytes, undefined);
  }
}

/** Every BI and ID keyword (delimited as the PDF lexer delimits them), in order. */
function* keywords(data: Buffer): Generator<{ word: "BI" | "ID"; at: number }> {
  const keyword = (at: number) => separates(at === 0 ? undefined : data[at - 1]) && separates(data[at + 2]);
  let bi = data.indexOf("BI");
  let id = data.indexOf("ID");
  while (bi !== -1 || id !== -1) {
    if (id === -1 || (bi !== -1 && bi < id)) {
      if (keyword(bi)) yield { word: "BI", at: bi };
      bi = data.indexOf("BI", bi + 2);
    } else {
      if (PDF_WHITESPACE.has(data[id + 2] ?? -1) && keyword(id)) yield { word: "ID", at: id };
      id = data.indexOf("ID", id + 2);
    }
  }
}

/** The filter chain an inline image dictionary names (/F or /Filter), with LZW's EarlyChange if set. */
function inlineFilters(context: PDFContext, dict: string): FilterStep[] {
  const filter = /\/(?:Filter|F)(?![^\s/[<(])\s*(\[[^\]]*\]|\/[^\s/[\]<>()]+)/.exec(dict)?.[1];
  if (!filter) return [];
  const early = /\/EarlyChange\s+0(?![0-9.])/.test(dict) ? context.obj({ EarlyChange: 0 }) : undefined;
  return [...filter.matchAll(/\/([^\s/[\]<>()]+)/g)].map(([, name]) => ({ name: name!, parms: early }));
}

/** Bytes an image's samples may inflate to (with PNG predictor bytes); undefined when unknown. */
function declaredImageBytes(dict: PDFDict, width: number, height: number): number | undefined {
  const imageMask = boolOf(dict, "ImageMask") ?? false;
  const components = imageMask ? 1 : componentCount(entry(dict, "ColorSpace"));
  if (components === undefined) return undefined;
  const bits = imageMask ? 1 : (numberOf(dict, "BitsPerComponent") ?? 8);
  const rowBytes = Math.ceil((width * components * bits) / 8) + 1;
  return imageBound(rowBytes * height, rowBytes);
}

const DEVICE_COMPONENTS: Record<string, number> = { DeviceGray: 1, G: 1, DeviceRGB: 3, RGB: 3, DeviceCMYK: 4, CMYK: 4 };

function componentCount(space: PDFObject | undefined): number | undefined {
  if (space instanceof PDFName) {
    return DEVICE_COMPONENTS[space.decodeText()];
  }
  if (!(space instanceof PDFArray)) return undefined;
  const family = space.lookup(0);
  const name = family instanceof PDFName ? family.decodeText() : "";
  if (name === "Indexed" || name === "Separation" || name === "CalGray") return 1;
  if (name === "CalRGB" || name === "Lab") return 3;
  const second = space.lookup(1);
  if (name === "DeviceN" && second instanceof PDFArray) return second.size();
  if (name === "ICCBased" && second instanceof PDFRawStream) return numberOf(second.dict, "N");
  return undefined;
}
