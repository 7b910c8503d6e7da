// A scan page as a form XObject of the graded PDF: its content and resources copied as they are
// (the scanner's image stream is neither decoded nor re-encoded), drawn on as many output pages
// as needed (both halves of an A3 sheet) while stored once.
import { deflateSync } from "node:zlib";
import { decodePDFRawStream, PDFArray, PDFDocument, PDFFlateStream, PDFObjectCopier, PDFRawStream, type PDFContext, type PDFDict, type PDFRef, type PDFStream } from "pdf-lib";
import { loadPdf, pageGeometry, type PageGeometry } from "../../scans/pdf/page.js";

export interface EmbeddedScan {
  form: PDFRef;
  geometry: PageGeometry;
}

/**
 * Embeds page `pageIndex` of `source`. pdf-lib's own embedPage is not used: it copies the whole
 * page dictionary (annotations, thumbnail, article beads…) into the output, where all of it but
 * the resources would stay as unreferenced objects; here only the resources are copied.
 */
export async function embedScanPage(doc: PDFDocument, source: PDFDocument | Uint8Array, pageIndex = 0): Promise<EmbeddedScan> {
  const sourceDoc = source instanceof PDFDocument ? source : await loadPdf(source);
  const page = sourceDoc.getPage(pageIndex);
  const geometry = pageGeometry(page);
  const resources: PDFDict = page.node.Resources() ?? sourceDoc.context.obj({});
  const { box } = geometry;
  const form = doc.context.stream(deflateSync(pageContent(sourceDoc.context, page.node.Contents())), {
    Type: "XObject",
    Subtype: "Form",
    // The visible area: what lies outside the CropBox stays hidden, as in the web image.
    BBox: [box.x0, box.y0, box.x1, box.y1],
    Resources: PDFObjectCopier.for(sourceDoc.context, doc.context).copy(resources),
    Filter: "FlateDecode",
  });
  return { form: doc.context.register(form), geometry };
}

/** The page's content streams, decoded and joined (a page may split its content in several). */
function pageContent(context: PDFContext, contents: PDFStream | PDFArray | undefined): Uint8Array {
  const streams = contents instanceof PDFArray ? contents.asArray().map((ref) => context.lookup(ref)) : [contents];
  const parts: Uint8Array[] = [];
  for (const stream of streams) {
    if (stream instanceof PDFRawStream) parts.push(decodePDFRawStream(stream).decode(), NEWLINE);
    else if (stream instanceof PDFFlateStream) parts.push(stream.getUnencodedContents(), NEWLINE);
  }
  return Buffer.concat(parts);
}

const NEWLINE = Uint8Array.of(0x0a);
