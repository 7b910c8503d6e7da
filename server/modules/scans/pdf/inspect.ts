// Is the page one full-page image? Decodes the content stream(s) within the inflation bound and
// looks for a single image drawn over the visible page area.
import { PDFArray, PDFDict, PDFName, PDFRawStream, type PDFObject, type PDFPage } from "pdf-lib";
import { singleImageDraw, type ContentResources } from "./content.js";
import { inflateBounded } from "./inflate.js";
import type { PageGeometry } from "./page.js";
import { entry, filterChain, nameOf, numberOf } from "./pdf-values.js";
import { imageAngleOnPage } from "./placement.js";
import type { ResolvedOptions, Rotation } from "./types.js";

export interface FullPageImage {
  stream: PDFRawStream;
  /** Counter-clockwise angle at which the image is drawn on the page. */
  angle: Rotation;
}

export function findFullPageImage(page: PDFPage, geometry: PageGeometry, options: ResolvedOptions): FullPageImage | undefined {
  const content = pageContent(page, options.maxInflatedBytes);
  if (!content) return undefined;
  const resources = resolve(page, page.node.getInheritableAttribute(PDFName.Resources));
  const xobjects = resources instanceof PDFDict ? entry(resources, "XObject") : undefined;
  const states = resources instanceof PDFDict ? entry(resources, "ExtGState") : undefined;
  const xobject = (name: string) => (xobjects instanceof PDFDict ? entry(xobjects, name) : undefined);
  const lookup: ContentResources = {
    xobjectKind(name) {
      const value = xobject(name);
      if (value === undefined) return undefined;
      return value instanceof PDFRawStream && nameOf(value.dict, "Subtype") === "Image" ? "image" : "other";
    },
    graphicsStateIsPlain(name) {
      const state = states instanceof PDFDict ? entry(states, name) : undefined;
      return state instanceof PDFDict && plainGraphicsState(state);
    },
  };
  const draw = singleImageDraw(content, lookup);
  if (!draw) return undefined;
  const stream = xobject(draw.name);
  const angle = imageAngleOnPage(draw.ctm, geometry.box);
  return stream instanceof PDFRawStream && angle !== undefined ? { stream, angle } : undefined;
}

/** The page's content streams, decoded and joined; undefined when a filter is not Flate or none. */
function pageContent(page: PDFPage, maxBytes: number): Uint8Array | undefined {
  const contents = resolve(page, page.node.get(PDFName.Contents));
  const streams = contents instanceof PDFArray ? contents.asArray().map((item) => resolve(page, item)) : [contents];
  const parts: Uint8Array[] = [];
  let budget = maxBytes;
  for (const stream of streams) {
    if (stream === undefined) continue;
    if (!(stream instanceof PDFRawStream)) return undefined;
    const filters = filterChain(stream);
    if (!filters || filters.length > 1) return undefined;
    const filter = filters[0];
    let data: Uint8Array | undefined = stream.contents;
    if (filter) {
      if (filter.name !== "FlateDecode" || (filter.parms && entry(filter.parms, "Predictor"))) return undefined;
      data = inflateBounded(stream.contents, budget);
    }
    if (!data) return undefined;
    budget -= data.length;
    // Content streams split across an array join with whitespace between them.
    parts.push(data, new Uint8Array([10]));
  }
  return Buffer.concat(parts);
}

function resolve(page: PDFPage, value: PDFObject | undefined): PDFObject | undefined {
  return page.doc.context.lookup(value);
}

function plainGraphicsState(state: PDFDict): boolean {
  const softMask = entry(state, "SMask");
  if (softMask !== undefined && !(softMask instanceof PDFName && softMask.decodeText() === "None")) return false;
  if ((numberOf(state, "CA") ?? 1) < 1 || (numberOf(state, "ca") ?? 1) < 1) return false;
  const blend = nameOf(state, "BM");
  return blend === undefined || blend === "Normal" || blend === "Compatible";
}
