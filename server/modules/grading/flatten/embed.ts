// A scan page as a form XObject of the graded PDF: its content and resources copied as they are
// (the scanner's image stream is neither decoded nor re-encoded), drawn on as many output pages
// as needed (both halves of an A3 sheet) while stored once.
import { deflateSync } from "node:zlib";
import { decodePDFRawStream, PDFArray, PDFDict, PDFDocument, PDFFlateStream, PDFName, PDFObjectCopier, PDFRawStream, type PDFContext, type PDFObject, type PDFRef, type PDFStream } from "pdf-lib";
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
  dropActiveContent(sourceDoc.context, resources);
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

// What makes a PDF active (scripts, launched programs, embedded files, links out): drawing never
// needs it, and a scan's resources may hide it anywhere (an uploaded PDF is anyone's file). It is
// cut off before the resources are copied, so the graded PDF handed to students carries none.
const ACTIVE_KEYS = new Set(["A", "AA", "JS", "OpenAction", "EF", "EmbeddedFiles", "JavaScript", "RichMediaContent"]);
const ACTIVE_ACTIONS = new Set(["JavaScript", "Launch", "URI", "SubmitForm", "ImportData", "ResetForm", "GoToR", "GoToE", "Rendition", "RichMediaExecute", "Sound", "Movie"]);
const ACTIVE_TYPES = new Set(["Action", "Filespec", "EmbeddedFile", "Annot"]);

/** Removes, in the loaded source document, every entry reachable from `root` that holds active content. */
function dropActiveContent(context: PDFContext, root: PDFDict): void {
  const seen = new Set<PDFObject>();
  const pending: PDFObject[] = [root];
  const active = (value: PDFObject | undefined) => {
    const dict = value instanceof PDFRawStream ? value.dict : value;
    if (!(dict instanceof PDFDict)) return false;
    const name = (key: string) => {
      const entry = dict.lookup(PDFName.of(key));
      return entry instanceof PDFName ? entry.decodeText() : undefined;
    };
    return ACTIVE_TYPES.has(name("Type") ?? "") || ACTIVE_ACTIONS.has(name("S") ?? "");
  };
  while (pending.length > 0) {
    const value = context.lookup(pending.pop());
    if (value === undefined || seen.has(value)) continue;
    seen.add(value);
    const dict = value instanceof PDFRawStream ? value.dict : value;
    if (dict instanceof PDFDict) {
      for (const [key, entry] of dict.entries()) {
        if (ACTIVE_KEYS.has(key.decodeText()) || active(context.lookup(entry))) dict.delete(key);
        else pending.push(entry);
      }
    } else if (value instanceof PDFArray) {
      for (let i = value.size() - 1; i >= 0; i -= 1) {
        if (active(context.lookup(value.get(i)))) value.remove(i);
        else pending.push(value.get(i));
      }
    }
  }
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
