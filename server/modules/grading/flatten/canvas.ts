// One output page's drawing, written as raw PDF operators in points from the page's top-left
// corner (y down), the way annotations are placed. A copy has thousands of stroke outline
// points: writing the operator text directly is much cheaper than pdf-lib's operator objects,
// and one stream keeps the annotations in their order (the last drawn on top).
import { deflateSync } from "node:zlib";
import type { PDFFont, PDFName, PDFPage, PDFRef } from "pdf-lib";
import type { Matrix } from "../../scans/pdf/content.js";

export type Point = readonly [number, number];

/**
 * The drawing is written in tenths of a point (far below what shows): whole numbers, which are
 * much faster to print than fractions, and shorter to compress.
 */
const UNIT = 10;

function n(value: number): string {
  return String(Math.round(value * UNIT));
}

/** "#rrggbb" → "r g b" (0–1); anything malformed draws black rather than failing a copy. */
function rgb(hex: string): string {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!match) return "0 0 0";
  return match.slice(1).map((h) => String(Math.round((parseInt(h, 16) / 255) * 1000) / 1000)).join(" ");
}

/** A path in page coordinates (top-left origin), built before it is painted. */
export class Path {
  private readonly parts: string[] = [];

  constructor(private readonly pageHeight: number) {}

  moveTo(x: number, y: number): this {
    this.parts.push(`${n(x)} ${n(this.pageHeight - y)} m`);
    return this;
  }

  lineTo(x: number, y: number): this {
    this.parts.push(`${n(x)} ${n(this.pageHeight - y)} l`);
    return this;
  }

  curveTo(c1: Point, c2: Point, to: Point): this {
    const h = this.pageHeight;
    this.parts.push(`${n(c1[0])} ${n(h - c1[1])} ${n(c2[0])} ${n(h - c2[1])} ${n(to[0])} ${n(h - to[1])} c`);
    return this;
  }

  polygon(points: readonly Point[]): this {
    points.forEach(([x, y], i) => (i === 0 ? this.moveTo(x, y) : this.lineTo(x, y)));
    return this.close();
  }

  close(): this {
    this.parts.push("h");
    return this;
  }

  toString(): string {
    return this.parts.join("\n");
  }
}

export interface StrokeStyle {
  color: string;
  width: number;
}

export class Canvas {
  private readonly ops: string[] = [`q ${1 / UNIT} 0 0 ${1 / UNIT} 0 0 cm`];
  private readonly names = new Map<PDFRef, PDFName>();

  constructor(
    private readonly page: PDFPage,
    /** Page size in points. */
    readonly width: number,
    readonly height: number,
  ) {}

  path(): Path {
    return new Path(this.height);
  }

  fill(path: Path, color: string): void {
    this.ops.push(`${rgb(color)} rg`, path.toString(), "f");
  }

  /** Round caps and joins, as a pen or a marker leaves them. */
  stroke(path: Path, style: StrokeStyle): void {
    this.ops.push(`${rgb(style.color)} RG ${n(style.width)} w 1 J 1 j`, path.toString(), "S");
  }

  fillAndStroke(path: Path, fillColor: string, style: StrokeStyle): void {
    this.ops.push(`${rgb(fillColor)} rg ${rgb(style.color)} RG ${n(style.width)} w 1 J 1 j`, path.toString(), "B");
  }

  /** One line of drawable text (see text.ts), its baseline's left end at (x, baseline). */
  text(text: string, x: number, baseline: number, font: PDFFont, size: number, color: string): void {
    if (text === "") return;
    const name = this.resource(font.ref, () => this.page.node.newFontDictionary("F", font.ref));
    this.ops.push(`BT ${rgb(color)} rg ${name.toString()} ${n(size)} Tf ${n(x)} ${n(this.height - baseline)} Td ${font.encodeText(text).toString()} Tj ET`);
  }

  /** Draws inside `draw` with a graphics state (transparency, blend mode) applied. */
  withState(state: PDFRef, draw: () => void): void {
    const name = this.resource(state, () => this.page.node.newExtGState("GS", state));
    this.ops.push("q", `${name.toString()} gs`);
    draw();
    this.ops.push("Q");
  }

  /** Draws a form XObject through PDF transformations, outermost first, each one a `cm`. */
  drawForm(form: PDFRef, transforms: readonly Matrix[]): void {
    const name = this.resource(form, () => this.page.node.newXObject("Scan", form));
    const matrices = [[UNIT, 0, 0, UNIT, 0, 0], ...transforms];
    this.ops.push("q", ...matrices.map((m) => `${m.join(" ")} cm`), `${name.toString()} Do`, "Q");
  }

  /** Adds the drawing to the page as one compressed content stream (once, when done). */
  finish(): void {
    const context = this.page.doc.context;
    // Node's zlib, several times faster than the pure-JS deflate pdf-lib would use. Level 3:
    // measured on 100 annotations, a third of level 6's time for 6 % more bytes (0.2 % of a copy).
    const content = Buffer.from(`${this.ops.join("\n")}\nQ`, "latin1");
    const stream = context.stream(deflateSync(content, { level: 3 }), { Filter: "FlateDecode" });
    this.page.node.addContentStream(context.register(stream));
  }

  private resource(ref: PDFRef, add: () => PDFName): PDFName {
    let name = this.names.get(ref);
    if (!name) {
      name = add();
      this.names.set(ref, name);
    }
    return name;
  }
}
