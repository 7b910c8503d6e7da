// The summary page at the end of the graded PDF (A4): the exam, the copy, who graded it and
// when, each question's score with the rubric items applied to it, the total, the mark on the
// reporting scale and the general comment. Text flows onto another page when it does not fit.
import type { PDFDocument, PDFFont } from "pdf-lib";
import { Canvas } from "./canvas.js";
import type { Fonts, RubricItem } from "./draw.js";
import { drawable, formatDateTime, formatDay, formatNumber, formatPoints, formatScore, wrap } from "./text.js";

export interface SummaryInput {
  exam: { title: string; subject: string; date: string };
  anonymousCode: string;
  studentName: string | null;
  teacher: string;
  gradedAt: Date;
  questions: { id: string; label: string; maxPoints: number }[];
  scores: Record<string, number | null>;
  applied: Record<string, string[]>;
  rubricItems: Record<string, RubricItem>;
  total: number;
  maxTotal: number;
  scaled: number;
  reportScale: number;
  comment: string;
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 56.7; // 2 cm
const CONTENT_WIDTH = A4.width - 2 * MARGIN;
/** The score column's right edge is the margin; labels stop this far before it. */
const SCORE_COLUMN = 110;
const INK = "#000000";
const GREY = "#555555";
const RULE = "#999999";

interface LineStyle {
  font: PDFFont;
  size: number;
  color?: string;
  indent?: number;
}

/** Lines written top-down from the margin, starting a new page when the next one does not fit. */
class Flow {
  private canvas!: Canvas;
  private y = 0;
  private readonly canvases: Canvas[] = [];

  constructor(private readonly doc: PDFDocument) {
    this.newPage();
  }

  /** Wrapped lines of `text` at the left margin (plus indent); returns the first line's baseline. */
  paragraph(text: string, style: LineStyle, width = CONTENT_WIDTH): { canvas: Canvas; baseline: number } {
    const indent = style.indent ?? 0;
    const lines = wrap(drawable(text, style.font), style.font, style.size, width - indent);
    let first: { canvas: Canvas; baseline: number } | undefined;
    for (const line of lines) {
      const baseline = this.advance(style.size * 1.3);
      this.canvas.text(line, MARGIN + indent, baseline, style.font, style.size, style.color ?? INK);
      first ??= { canvas: this.canvas, baseline };
    }
    return first!;
  }

  /** Text ending at the right margin, on a baseline already written. */
  static right(at: { canvas: Canvas; baseline: number }, text: string, font: PDFFont, size: number): void {
    const safe = drawable(text, font);
    at.canvas.text(safe, A4.width - MARGIN - font.widthOfTextAtSize(safe, size), at.baseline, font, size, INK);
  }

  space(points: number): void {
    this.y += points;
  }

  rule(): void {
    this.advance(6);
    const path = this.canvas.path().moveTo(MARGIN, this.y).lineTo(A4.width - MARGIN, this.y);
    this.canvas.stroke(path, { color: RULE, width: 0.5 });
    this.y += 4;
  }

  finish(): void {
    for (const canvas of this.canvases) canvas.finish();
  }

  /** Moves down by `height` (on a new page if needed) and returns the new position. */
  private advance(height: number): number {
    if (this.y + height > A4.height - MARGIN) this.newPage();
    this.y += height;
    return this.y;
  }

  private newPage(): void {
    this.canvas = new Canvas(this.doc.addPage([A4.width, A4.height]), A4.width, A4.height);
    this.canvases.push(this.canvas);
    this.y = MARGIN;
  }
}

export function drawSummary(doc: PDFDocument, fonts: Fonts, s: SummaryInput): void {
  const flow = new Flow(doc);
  flow.paragraph(s.exam.title, { font: fonts.bold, size: 18 });
  flow.paragraph(`${s.exam.subject} — ${formatDay(s.exam.date)}`, { font: fonts.regular, size: 12, color: GREY });
  flow.space(12);
  flow.paragraph(`Copie : ${s.anonymousCode}`, { font: fonts.regular, size: 11 });
  if (s.studentName) flow.paragraph(`Élève : ${s.studentName}`, { font: fonts.regular, size: 11 });
  flow.paragraph(`Corrigée par ${s.teacher}, le ${formatDateTime(s.gradedAt)}`, { font: fonts.regular, size: 11 });
  flow.space(12);
  drawScores(flow, fonts, s);
  if (s.comment.trim() !== "") {
    flow.space(18);
    flow.paragraph("Appréciation", { font: fonts.bold, size: 12 });
    flow.space(2);
    flow.paragraph(s.comment.trim(), { font: fonts.regular, size: 11 });
  }
  flow.finish();
}

function drawScores(flow: Flow, fonts: Fonts, s: SummaryInput): void {
  Flow.right(flow.paragraph("Question", { font: fonts.bold, size: 11 }), "Note", fonts.bold, 11);
  flow.rule();
  for (const question of s.questions) {
    const row = flow.paragraph(question.label, { font: fonts.regular, size: 11 }, CONTENT_WIDTH - SCORE_COLUMN);
    Flow.right(row, formatScore(s.scores[question.id], question.maxPoints), fonts.bold, 11);
    for (const itemId of s.applied[question.id] ?? []) {
      const item = s.rubricItems[itemId];
      if (item) flow.paragraph(`${formatPoints(item.points, item.mode)} ${item.label}`, { font: fonts.regular, size: 9, color: GREY, indent: 14 }, CONTENT_WIDTH - SCORE_COLUMN);
    }
    flow.rule();
  }
  Flow.right(flow.paragraph("Total", { font: fonts.bold, size: 12 }), `${formatNumber(s.total)} / ${formatNumber(s.maxTotal)}`, fonts.bold, 12);
  flow.space(6);
  const scaled = flow.paragraph(`Note sur ${formatNumber(s.reportScale)}`, { font: fonts.bold, size: 14 });
  Flow.right(scaled, `${formatNumber(s.scaled)} / ${formatNumber(s.reportScale)}`, fonts.bold, 14);
}
