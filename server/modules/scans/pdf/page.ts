// Loading the single-page PDF with pdf-lib and reading the first page's geometry.
import { PDFDocument, PDFName, PDFNumber, type PDFObject, type PDFPage } from "pdf-lib";
import { ScanPageError } from "./errors.js";
import { normaliseRotation, type Box } from "./placement.js";
import { numbers } from "./pdf-values.js";
import type { Rotation } from "./types.js";

export interface PageGeometry {
  /** Visible area (CropBox within MediaBox) in default user space. */
  box: Box;
  rotate: Rotation;
  /** Visible size after /Rotate. */
  widthPt: number;
  heightPt: number;
}

export async function loadPdf(bytes: Uint8Array): Promise<PDFDocument> {
  let doc: PDFDocument;
  let pages: number;
  try {
    doc = await PDFDocument.load(bytes, { updateMetadata: false, ignoreEncryption: true });
    pages = doc.getPageCount(); // walks the page tree, which is where damaged files fail
  } catch {
    throw new ScanPageError("Le fichier PDF est illisible ou endommagé.");
  }
  if (doc.isEncrypted) {
    throw new ScanPageError("Le fichier PDF est protégé (chiffré) : retirez la protection avant de l'importer.");
  }
  if (pages === 0) throw new ScanPageError("Le fichier PDF ne contient aucune page.");
  return doc;
}

export function pageGeometry(page: PDFPage): PageGeometry {
  // US Letter is pdf.js's default too when MediaBox is missing or invalid.
  const media = rectangle(inherited(page, "MediaBox")) ?? { x0: 0, y0: 0, x1: 612, y1: 792 };
  const crop = rectangle(inherited(page, "CropBox"));
  // pdf.js shows the intersection of CropBox and MediaBox; an empty intersection means MediaBox.
  const box = crop ? intersect(crop, media) ?? media : media;
  const rotateValue = inherited(page, "Rotate");
  const rotate = normaliseRotation(rotateValue instanceof PDFNumber ? rotateValue.asNumber() : 0);
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const turned = rotate === 90 || rotate === 270;
  return { box, rotate, widthPt: turned ? height : width, heightPt: turned ? width : height };
}

// Untyped, so that a malformed entry reads as missing instead of throwing.
function inherited(page: PDFPage, key: string): PDFObject | undefined {
  return page.doc.context.lookup(page.node.getInheritableAttribute(PDFName.of(key)));
}

function rectangle(value: PDFObject | undefined): Box | undefined {
  const n = numbers(value);
  if (!n || n.length !== 4) return undefined;
  const [a, b, c, d] = n as [number, number, number, number];
  const box = { x0: Math.min(a, c), y0: Math.min(b, d), x1: Math.max(a, c), y1: Math.max(b, d) };
  return box.x1 > box.x0 && box.y1 > box.y0 ? box : undefined;
}

function intersect(a: Box, b: Box): Box | undefined {
  const box = { x0: Math.max(a.x0, b.x0), y0: Math.max(a.y0, b.y0), x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1) };
  return box.x1 > box.x0 && box.y1 > box.y0 ? box : undefined;
}
