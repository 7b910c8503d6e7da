// The graded PDF checked from the outside: pages rendered by poppler (independently of pdf-lib)
// and compared with the scan pages they come from, the summary's text read back by pdf.js.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PDFDocument, PDFName, PDFRawStream, StandardFonts } from "pdf-lib";
import sharp, { type Sharp } from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeImagePdf, random, A3_LANDSCAPE_PT, A4_PT } from "../../../test/scan-factory.js";
import type { Annotation } from "../schemas.js";
import { renderGradedPdf, type GradedCopyInput, type SourcePage } from "./render.js";
import { drawable, formatScore, wrap } from "./text.js";

const run = promisify(execFile);
let work = "";
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "graded-pdf-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

type Rgb = [number, number, number];
const RED: Rgb = [220, 30, 30];
const GREEN: Rgb = [40, 170, 60];
const BLUE: Rgb = [30, 60, 210];
const YELLOW: Rgb = [230, 210, 40];
const PAPER: Rgb = [235, 235, 235];

/**
 * A one-page PDF holding one RGB JPEG over the whole page, as a copier makes it. `paint` gives
 * each pixel's colour from its position (fractions of the image, top-left origin); `noise` adds
 * grain so that the JPEG weighs what a scan does.
 */
async function scanPdf(o: {
  page: { width: number; height: number };
  dpi: number;
  paint: (x: number, y: number) => Rgb;
  noise?: number;
  rotate?: number;
}): Promise<Uint8Array> {
  const width = Math.round((o.page.width / 72) * o.dpi);
  const height = Math.round((o.page.height / 72) * o.dpi);
  const pixels = Buffer.alloc(width * height * 3);
  const grain = random(42);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) {
      const colour = o.paint(x / width, y / height);
      const jitter = o.noise ? (grain() - 0.5) * o.noise : 0;
      for (let c = 0; c < 3; c += 1) pixels[(y * width + x) * 3 + c] = Math.max(0, Math.min(255, colour[c]! + jitter));
    }
  }
  const data = await sharp(pixels, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  const image = { width, height, data, dict: { ColorSpace: "DeviceRGB", BitsPerComponent: 8, Filter: "DCTDecode" } };
  return makeImagePdf(image, { size: o.page, rotate: o.rotate });
}

/** Four coloured quadrants: any turn or mirror of the page shows. */
const quadrants = (x: number, y: number): Rgb => (y < 0.5 ? (x < 0.5 ? RED : GREEN) : x < 0.5 ? BLUE : YELLOW);
const plainPaper = (): Rgb => PAPER;

interface Raster {
  data: Buffer;
  width: number;
  height: number;
}

/** Every page as poppler renders it (CropBox, /Rotate applied, as pdf.js shows pages), RGB. */
async function renderPages(pdf: Uint8Array, dpi = 30): Promise<Raster[]> {
  const dir = await mkdtemp(path.join(work, "render-"));
  await writeFile(path.join(dir, "in.pdf"), pdf);
  await run("pdftoppm", ["-r", String(dpi), "-cropbox", "-tiff", "in.pdf", "page"], { cwd: dir });
  const names = (await readdir(dir)).filter((name) => name.startsWith("page")).sort();
  return Promise.all(names.map((name) => raster(sharp(path.join(dir, name)))));
}

async function raster(image: Sharp): Promise<Raster> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** The pixel at a position given as fractions of the page. */
function pixelAt(r: Raster, fx: number, fy: number): Rgb {
  const at = (Math.min(r.height - 1, Math.floor(fy * r.height)) * r.width + Math.min(r.width - 1, Math.floor(fx * r.width))) * 3;
  return [r.data[at]!, r.data[at + 1]!, r.data[at + 2]!];
}

function near(actual: Rgb, expected: Rgb, tolerance = 40): boolean {
  return actual.every((v, i) => Math.abs(v - expected[i]!) <= tolerance);
}

/** Mean absolute difference per channel over a region (fractions of the page), same-size rasters. */
function meanDifference(a: Raster, b: Raster, region = { x0: 0, y0: 0, x1: 1, y1: 1 }): number {
  expect([a.width, a.height]).toEqual([b.width, b.height]);
  let sum = 0;
  let count = 0;
  for (let y = Math.floor(region.y0 * a.height); y < Math.floor(region.y1 * a.height); y += 1) {
    for (let x = Math.floor(region.x0 * a.width); x < Math.floor(region.x1 * a.width); x += 1) {
      for (let c = 0; c < 3; c += 1) sum += Math.abs(a.data[(y * a.width + x) * 3 + c]! - b.data[(y * a.width + x) * 3 + c]!);
      count += 3;
    }
  }
  return sum / count;
}

/** Each page's text as pdf.js extracts it. */
async function pageTexts(pdf: Uint8Array): Promise<string[]> {
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, useSystemFonts: false, verbosity: 0 }).promise;
  try {
    const texts: string[] = [];
    for (let i = 1; i <= doc.numPages; i += 1) {
      const content = await (await doc.getPage(i)).getTextContent();
      texts.push(content.items.map((item) => ("str" in item ? item.str : "")).join(" "));
    }
    return texts;
  } finally {
    await doc.destroy();
  }
}

const Q = [
  { id: "q1", label: "Exercice 1", maxPoints: 4 },
  { id: "q2", label: "Exercice 2", maxPoints: 6 },
  { id: "q3", label: "Question bonus", maxPoints: 2 },
];

function copyInput(pages: SourcePage[], overrides: Partial<GradedCopyInput> = {}): GradedCopyInput {
  return {
    pages,
    annotations: [],
    questions: Q,
    scores: { q1: 2.5, q2: 4.75, q3: null },
    rubricItems: {
      r1: { label: "Démarche correcte", points: 1, mode: "ADD", questionId: "q1" },
      r2: { label: "Unité oubliée", points: 0.5, mode: "SUBTRACT", questionId: "q2" },
    },
    applied: { q1: ["r1"], q2: ["r2"] },
    total: 7.25,
    maxTotal: 12,
    scaled: 12.08,
    reportScale: 20,
    exam: { title: "Devoir surveillé n° 3", subject: "Physique-chimie", date: "2026-03-01" },
    anonymousCode: "K7Q2-XM",
    studentName: null,
    teacher: "Mme Durand",
    gradedAt: new Date("2026-03-10T09:30:00Z"),
    comment: "Bon travail, soignez la présentation.",
    ...overrides,
  };
}

function fullPage(pdf: Uint8Array | PDFDocument, key: string, rotation: SourcePage["rotation"] = 0): SourcePage {
  return { pdf, sourceKey: key, half: "FULL", rotation };
}

/** A red pen stroke from (x0, y) to (x1, y), as the editor records it. */
function penStroke(page: number, y: number, x0: number, x1: number): Annotation {
  const points = Array.from({ length: 40 }, (_, i) => [x0 + ((x1 - x0) * i) / 39, y, 0.5] as [number, number, number]);
  return { id: `pen-${page}-${y}`, page, type: "pen", color: "#ff0000", width: 0.01, points };
}

describe("graded PDF", () => {
  it("has the copy's pages then a summary with every score, the total and the mark out of 20", async () => {
    const scan = await scanPdf({ page: A4_PT, dpi: 50, paint: plainPaper });
    const input = copyInput([fullPage(scan, "a"), fullPage(scan, "b")], { studentName: "Léa Martin" });
    const pdf = await renderGradedPdf(input);
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBe(3);
    // The same draft gives the same file (and the same checksum) when drawn again.
    expect(Buffer.from(await renderGradedPdf(input)).equals(Buffer.from(pdf))).toBe(true);
    const summary = (await pageTexts(pdf))[2]!;
    for (const expected of ["Devoir surveillé n° 3", "Physique-chimie", "1 mars 2026", "K7Q2-XM", "Léa Martin", "Mme Durand", "10 mars 2026"]) {
      expect(summary).toContain(expected);
    }
    for (const expected of ["Exercice 1", "2,5 / 4", "Exercice 2", "4,75 / 6", "Question bonus", "non traité", "7,25 / 12", "12,08 / 20"]) {
      expect(summary).toContain(expected);
    }
    expect(summary).toContain("+1 Démarche correcte");
    expect(summary).toContain("–0,5 Unité oubliée");
    expect(summary).toContain("Bon travail, soignez la présentation.");
  });

  it("writes scores not placed on a page in the first page's margin, and placed ones where they are", async () => {
    const scan = await scanPdf({ page: A4_PT, dpi: 50, paint: plainPaper });
    const annotations: Annotation[] = [{ id: "s", page: 2, type: "score", questionId: "q2", x: 0.5, y: 0.5 }];
    const texts = await pageTexts(await renderGradedPdf(copyInput([fullPage(scan, "a"), fullPage(scan, "b")], { annotations })));
    expect(texts[0]).toContain("Exercice 1 : 2,5 / 4");
    expect(texts[0]).toContain("Question bonus : non traité");
    expect(texts[0]).not.toContain("Exercice 2");
    expect(texts[1]).toBe("4,75 / 6");
  });

  it("draws a stroke over the scan where it was drawn and leaves the scan as it is elsewhere", async () => {
    const scan = await scanPdf({ page: A4_PT, dpi: 60, paint: quadrants });
    const scores = Q.map((q, i): Annotation => ({ id: `s${i}`, page: 1, type: "score", questionId: q.id, x: 0.1, y: 0.9 + i * 0.03 }));
    const pdf = await renderGradedPdf(copyInput([fullPage(scan, "a")], { annotations: [penStroke(1, 0.6, 0.2, 0.8), ...scores] }));
    const [source] = await renderPages(scan, 50);
    const [graded] = await renderPages(pdf, 50);
    expect(near(pixelAt(graded!, 0.7, 0.6), [255, 0, 0], 60)).toBe(true);
    expect(near(pixelAt(source!, 0.7, 0.6), YELLOW)).toBe(true);
    // Away from the stroke (and from the scores at the bottom), the scan shows unchanged.
    expect(meanDifference(source!, graded!, { x0: 0, y0: 0, x1: 1, y1: 0.55 })).toBeLessThan(1);
    expect(meanDifference(source!, graded!, { x0: 0, y0: 0.65, x1: 1, y1: 0.85 })).toBeLessThan(1);
  });

  it("shows each half of an A3 scan on its own page, the scan stored once", async () => {
    // Left half red, right half blue, with a scan's grain: the size comparison needs real weight.
    const spread = await scanPdf({ page: A3_LANDSCAPE_PT, dpi: 100, paint: (x) => (x < 0.5 ? RED : BLUE), noise: 60 });
    const halves: SourcePage[] = (["LEFT", "RIGHT"] as const).map((half) => ({ pdf: spread, sourceKey: "sheet", half, rotation: 0 }));
    const annotations = [penStroke(1, 0.3, 0.2, 0.6), penStroke(2, 0.6, 0.3, 0.7), { id: "t", page: 2, type: "tick", color: "#00aa00", x: 0.5, y: 0.2, size: 0.05 } as const];
    const pdf = await renderGradedPdf(copyInput(halves, { annotations }));
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBe(3);
    const [left, right] = doc.getPages();
    expect(left!.getWidth()).toBeCloseTo(A3_LANDSCAPE_PT.width / 2, 1);
    expect(right!.getHeight()).toBeCloseTo(A3_LANDSCAPE_PT.height, 1);
    const images = [...doc.context.enumerateIndirectObjects()].filter(([, o]) => o instanceof PDFRawStream && o.dict.get(PDFName.of("Subtype")) === PDFName.of("Image"));
    expect(images).toHaveLength(1);
    expect(pdf.length).toBeLessThanOrEqual(1.1 * spread.length);

    const [sourceRender] = await renderPages(spread, 40);
    const [leftRender, rightRender] = await renderPages(pdf, 40);
    expect(near(pixelAt(leftRender!, 0.5, 0.8), RED)).toBe(true);
    expect(near(pixelAt(rightRender!, 0.5, 0.2), BLUE)).toBe(true);
    // Each half is that half of the scan, pixel for pixel (away from the annotations).
    const half = leftRender!.width;
    for (const [render, offset] of [[leftRender!, 0], [rightRender!, sourceRender!.width - half]] as const) {
      const cut = await raster(sharp(sourceRender!.data, { raw: { width: sourceRender!.width, height: sourceRender!.height, channels: 3 } }).extract({ left: offset, top: 0, width: half, height: render.height }));
      expect(meanDifference(render, cut, { x0: 0, y0: 0.7, x1: 1, y1: 1 })).toBeLessThan(2);
    }
  });

  it("turns the page as the admin did, and puts annotations where they were on the turned page", async () => {
    const scan = await scanPdf({ page: A4_PT, dpi: 50, paint: quadrants });
    const stroke = penStroke(1, 0.1, 0.08, 0.12);
    const pdf = await renderGradedPdf(copyInput([fullPage(scan, "a", 90)], { annotations: [stroke] }));
    const [graded] = await renderPages(pdf, 30);
    expect(graded!.width).toBeGreaterThan(graded!.height);
    // Turned clockwise: the bottom-left quadrant (blue) comes to the top left.
    expect(near(pixelAt(graded!, 0.75, 0.25), RED)).toBe(true);
    expect(near(pixelAt(graded!, 0.25, 0.75), YELLOW)).toBe(true);
    expect(near(pixelAt(graded!, 0.1, 0.1), [255, 0, 0], 60)).toBe(true);
    expect(near(pixelAt(graded!, 0.1, 0.2), BLUE)).toBe(true);
  });

  it("matches the upright image for every admin turn, page /Rotate and CropBox", async () => {
    const upright = await scanPdf({ page: A4_PT, dpi: 50, paint: quadrants });
    const [uprightRender] = await renderPages(upright, 30);
    for (const rotation of [0, 90, 180, 270] as const) {
      const pdf = await renderGradedPdf(copyInput([fullPage(upright, "a", rotation)]));
      const [graded] = await renderPages(pdf, 30);
      const expected = await raster(sharp(uprightRender!.data, { raw: { width: uprightRender!.width, height: uprightRender!.height, channels: 3 } }).rotate(rotation));
      expect(meanDifference(graded!, expected, { x0: 0, y0: 0.2, x1: 1, y1: 1 }), `admin turn ${rotation}`).toBeLessThan(3);
    }
    // A page stored sideways with /Rotate 90, and a page showing only part of its MediaBox:
    // the output shows what a PDF reader (and the web image) shows.
    const sideways = await scanPdf({ page: { width: A4_PT.height, height: A4_PT.width }, dpi: 50, paint: quadrants, rotate: 90 });
    const cropped = await PDFDocument.load(upright);
    cropped.getPage(0).setCropBox(100, 200, 300, 400);
    for (const source of [sideways, await cropped.save()]) {
      const [expected] = await renderPages(source, 30);
      const [graded] = await renderPages(await renderGradedPdf(copyInput([fullPage(source, "a")])), 30);
      expect(meanDifference(graded!, expected!, { x0: 0, y0: 0.2, x1: 1, y1: 1 })).toBeLessThan(3);
    }
  });

  it("draws every kind of annotation, ticks and crosses as paths rather than text", async () => {
    const scan = await PDFDocument.load(await scanPdf({ page: A4_PT, dpi: 40, paint: plainPaper }));
    const marks: Annotation[] = [
      { id: "t", page: 1, type: "tick", color: "#00aa00", x: 0.3, y: 0.3, size: 0.1 },
      { id: "c", page: 1, type: "cross", color: "#dd0000", x: 0.7, y: 0.3, size: 0.1 },
      { id: "h", page: 2, type: "highlighter", color: "#ffee00", width: 0.03, points: [[0.2, 0.2, 0.5], [0.6, 0.2, 0.5]] },
      { id: "a", page: 2, type: "arrow", color: "#0000ff", width: 0.005, from: [0.2, 0.4], to: [0.6, 0.5] },
      { id: "l", page: 2, type: "line", color: "#0000ff", width: 0.01, from: [0.2, 0.6], to: [0.6, 0.6] },
      { id: "x", page: 2, type: "text", color: "#cc0000", x: 0.1, y: 0.7, w: 0.3, h: 0.1, size: 0.02, text: "Développez le raisonnement de la question 2" },
      { id: "b", page: 2, type: "comment", color: "#7700aa", x: 0.6, y: 0.02, text: "Près du bord haut" },
      { id: "r", page: 2, type: "rubric", itemId: "r2", x: 0.5, y: 0.8 },
    ];
    const scores = Q.map((q, i): Annotation => ({ id: `s${i}`, page: 2, type: "score", questionId: q.id, x: 0.1, y: 0.9 + i * 0.02 }));
    const pdf = await renderGradedPdf(copyInput([fullPage(scan, "a"), fullPage(scan, "b")], { annotations: [...marks, ...scores] }));
    const [page1, page2] = await renderPages(pdf, 40);
    // The middle of the tick's long stroke, from (−0.12, 0.3) to (0.4, −0.32) sizes off its centre.
    expect(near(pixelAt(page1!, 0.3 + 0.1 * 0.14, 0.3 - (0.1 * 0.01 * A4_PT.width) / A4_PT.height), [0, 170, 0], 60)).toBe(true);
    expect(near(pixelAt(page1!, 0.7, 0.3), [221, 0, 0], 60)).toBe(true);
    // Highlighter ink multiplies with the paper under it: yellow, darkened by the grey paper.
    const highlighted = pixelAt(page2!, 0.4, 0.2);
    expect(highlighted[2]).toBeLessThan(PAPER[2] - 40);
    expect(highlighted[0]).toBeGreaterThan(200);
    expect(near(pixelAt(page2!, 0.4, 0.6), [0, 0, 255], 60)).toBe(true);
    const texts = await pageTexts(pdf);
    expect(texts[0]).not.toMatch(/[✓✗✔✘]/);
    expect(texts[0]).not.toContain("Exercice"); // every score is placed on page 2
    expect(texts[1]).toContain("Développez le raisonnement");
    expect(texts[1]).toContain("Près du bord haut");
    expect(texts[1]).toContain("–0,5");
    expect(texts[1]).toContain("Unité oubliée");
  });

  it("replaces characters the standard fonts cannot draw, everywhere, without failing", async () => {
    const odd = "é à ç œ « » ’ — ∑ 😀 α";
    const scan = await scanPdf({ page: A4_PT, dpi: 40, paint: plainPaper });
    const annotations: Annotation[] = [
      { id: "x", page: 1, type: "text", color: "#cc0000", x: 0.1, y: 0.5, w: 0.5, h: 0.1, size: 0.02, text: odd },
      { id: "b", page: 1, type: "comment", color: "#7700aa", x: 0.5, y: 0.5, text: odd },
    ];
    const input = copyInput([fullPage(scan, "a")], {
      annotations,
      comment: odd,
      teacher: "Mme Ωmega",
      questions: [{ id: "q1", label: `Exercice ${odd}`, maxPoints: 4 }],
      exam: { title: `Devoir ${odd}`, subject: "Grec 🏛", date: "2026-03-01" },
    });
    const texts = await pageTexts(await renderGradedPdf(input));
    expect(texts).toHaveLength(2);
    expect(texts[0]).toContain("é à ç œ « » ’ — ? ? ?");
    expect(texts[1]).toContain("Devoir é à ç œ « » ’ — ? ? ?");
    expect(texts[1]).toContain("Mme ?mega");
    expect(texts[1]).toContain("2,5 / 4");
  });

  it("puts a very long comment onto a further page", async () => {
    const scan = await scanPdf({ page: A4_PT, dpi: 40, paint: plainPaper });
    const comment = Array.from({ length: 120 }, (_, i) => `Remarque ${i + 1} : relisez votre copie avant de la rendre.`).join("\n");
    const pdf = await renderGradedPdf(copyInput([fullPage(scan, "a")], { comment }));
    const texts = await pageTexts(pdf);
    expect(texts).toHaveLength(4);
    expect(texts[1]).toContain("Remarque 1 :");
    expect(texts[3]).toContain("Remarque 120 :");
  });
});

describe("graded PDF text", () => {
  it("wraps on spaces within the width, keeping line breaks and cutting words longer than a line", async () => {
    const font = (await PDFDocument.create()).embedStandardFont(StandardFonts.Helvetica);
    const lines = wrap("Un deux trois quatre cinq six\n\nhttps://exemple.fr/un-tres-long-chemin-sans-espaces", font, 10, 80);
    for (const line of lines) expect(font.widthOfTextAtSize(line, 10)).toBeLessThanOrEqual(80);
    expect(lines.slice(0, 4)).toEqual(["Un deux trois", "quatre cinq six", ""].concat(lines[3]!));
    expect(lines.slice(3).join("")).toBe("https://exemple.fr/un-tres-long-chemin-sans-espaces");
    expect(drawable("Łódź ő — 😀\ttab", font)).toBe("Lódz o — ? tab");
    expect(formatScore(2.25, 4)).toBe("2,25 / 4");
  });
});
