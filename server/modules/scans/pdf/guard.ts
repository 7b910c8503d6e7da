// Before handing a page to pdf.js, which inflates and decodes without limits: refuse images that
// declare too many pixels and Flate streams that inflate past their bound, anywhere the page
// reaches (contents, forms, images, fonts, patterns, annotations).
import { PDFArray, PDFDict, PDFName, PDFRawStream, PDFRef, type PDFObject, type PDFPage } from "pdf-lib";
import { checkDeclaredPixels, imageBound, inflateBounded } from "./inflate.js";
import { boolOf, entry, filterChain, nameOf, numberOf } from "./pdf-values.js";
import type { ResolvedOptions } from "./types.js";

export function guardPage(page: PDFPage, options: ResolvedOptions): void {
  const context = page.doc.context;
  const seen = new Set<PDFObject>();
  const pending: PDFObject[] = [page.node];
  while (pending.length > 0) {
    const item = pending.pop()!;
    const value = item instanceof PDFRef ? context.lookup(item) : item;
    if (value === undefined || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof PDFRawStream) {
      guardStream(value, options);
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

function guardStream(stream: PDFRawStream, options: ResolvedOptions): void {
  const dict = stream.dict;
  const image = nameOf(dict, "Subtype") === "Image";
  const width = numberOf(dict, "Width") ?? 0;
  const height = numberOf(dict, "Height") ?? 0;
  if (image) checkDeclaredPixels(width, height, options.maxPixels);
  const filters = filterChain(stream);
  const first = filters?.[0];
  if (first?.name !== "FlateDecode" && first?.name !== "Fl") return;
  const samples = image && filters?.length === 1 ? declaredImageBytes(dict, width, height) : undefined;
  inflateBounded(stream.contents, Math.min(options.maxInflatedBytes, samples ?? Infinity));
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
