// The graded PDF of a copy: each page as the teacher saw it (the scan page itself, copied and
// not re-encoded, see embed.ts and geometry.ts) with the annotations drawn on top as vectors,
// the scores of questions not placed on a page in the first page's margin, then a summary page.
// A pure function of its input: the same input gives the same bytes (no dates in the metadata).
import { PDFDocument, StandardFonts } from "pdf-lib";
import type { Half, Rotation } from "../../scans/pdf/types.js";
import type { Annotation } from "../schemas.js";
import { Canvas } from "./canvas.js";
import { drawAnnotation, SCORE_COLOR, type Fonts, type PageDrawing, type RubricItem } from "./draw.js";
import { embedScanPage, type EmbeddedScan } from "./embed.js";
import { placement } from "./geometry.js";
import { drawSummary, type SummaryInput } from "./summary.js";
import { drawable, formatScore, truncate } from "./text.js";

/** One page of the copy as the teacher saw it, in copy order. */
export interface SourcePage {
  /**
   * A PDF holding the scan page (as qpdf extracts it from the batch), already loaded or not, and
   * the page's index in it (0 by default). Both halves of an A3 scan page carry the same.
   */
  pdf: PDFDocument | Uint8Array;
  pageIndex?: number;
  /** The same for the two halves of one scan page: the scan is embedded once per key. */
  sourceKey: string;
  /** Which half of an A3 scan page (cut at the middle of the upright page), or FULL. */
  half: Half;
  /** Quarter turns clockwise an admin applied on top of the page's own /Rotate. */
  rotation: Rotation;
}

export interface GradedCopyInput extends SummaryInput {
  pages: SourcePage[];
  /** `page` is the position from 1 in `pages`; annotations on other pages are ignored. */
  annotations: Annotation[];
  /** For rubric stamps on the pages and the items listed on the summary. */
  rubricItems: Record<string, RubricItem & { questionId: string }>;
}

/** Highlighter ink: see-through, and darkening what is under it as a felt marker does. */
const HIGHLIGHTER_STATE = { Type: "ExtGState", ca: 0.35, BM: "Multiply" };
const MARGIN_SIZE = 0.016;

export async function renderGradedPdf(input: GradedCopyInput): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(`${input.exam.title} – copie ${input.anonymousCode}`);
  doc.setLanguage("fr-FR");
  const fonts: Fonts = { regular: doc.embedStandardFont(StandardFonts.Helvetica), bold: doc.embedStandardFont(StandardFonts.HelveticaBold) };
  const scans = await embedScans(doc, input.pages);
  const highlighter = doc.context.register(doc.context.obj(HIGHLIGHTER_STATE));
  const questions = new Map(input.questions.map((q) => [q.id, q]));
  const scoreText = (id: string) => {
    const question = questions.get(id);
    return question && formatScore(input.scores[id], question.maxPoints);
  };
  const rubricItem = (id: string) => input.rubricItems[id];
  input.pages.forEach((page, i) => {
    const scan = scans.get(page.sourceKey)!;
    const { width, height, transforms } = placement(scan.geometry, page.half, page.rotation);
    const canvas = new Canvas(doc.addPage([width, height]), width, height);
    canvas.drawForm(scan.form, transforms);
    const drawing: PageDrawing = { canvas, fonts, highlighter, scoreText, rubricItem };
    for (const annotation of input.annotations) if (annotation.page === i + 1) drawAnnotation(drawing, annotation);
    if (i === 0) drawMarginScores(canvas, fonts, unplacedScores(input, scoreText));
    canvas.finish();
  });
  drawSummary(doc, fonts, input);
  // No object streams: measured on 4-page copies, they save 0.1 % of the size for 1–3 ms more
  // per copy (pdf-lib compresses them in JavaScript).
  return doc.save({ useObjectStreams: false, objectsPerTick: Infinity });
}

/** Each distinct scan page embedded once, whatever the number of output pages it gives. */
async function embedScans(doc: PDFDocument, pages: SourcePage[]): Promise<Map<string, EmbeddedScan>> {
  const scans = new Map<string, EmbeddedScan>();
  for (const page of pages) {
    if (!scans.has(page.sourceKey)) scans.set(page.sourceKey, await embedScanPage(doc, page.pdf, page.pageIndex ?? 0));
  }
  return scans;
}

/** Questions whose score the teacher did not place on a page: "Q1", "2,5 / 4". */
function unplacedScores(input: GradedCopyInput, scoreText: (id: string) => string | undefined): [string, string][] {
  const placed = new Set(input.annotations.flatMap((a) => (a.type === "score" && a.page >= 1 && a.page <= input.pages.length ? [a.questionId] : [])));
  return input.questions.filter((q) => !placed.has(q.id)).map((q) => [q.label, scoreText(q.id)!]);
}

/** A column of "Q1 : 2,5 / 4" in the top right corner, right-aligned, long labels shortened. */
function drawMarginScores(canvas: Canvas, fonts: Fonts, rows: [string, string][]): void {
  const font = fonts.bold;
  const size = MARGIN_SIZE * canvas.width;
  const right = canvas.width * 0.98;
  rows.forEach(([label, score], i) => {
    const suffix = drawable(` : ${score}`, font);
    const room = canvas.width * 0.3 - font.widthOfTextAtSize(suffix, size);
    const text = truncate(drawable(label.replace(/\s+/g, " "), font), font, size, room) + suffix;
    const baseline = canvas.height * 0.03 + (i + 1) * size * 1.3;
    canvas.text(text, right - font.widthOfTextAtSize(text, size), baseline, font, size, SCORE_COLOR);
  });
}
