// The factory's PDFs are checked with poppler (pdftoppm, pdfimages), independently of Korrigo's
// own PDF code: pages carry the right labels, in the right order, encoded the way copiers do.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { a4PagePixels, A3_LANDSCAPE_PT, makeA3Batch, makeA4Batch, MAX_LABEL, readPageLabel, splitPages } from "./scan-factory.js";

const work = mkdtempSync(path.join(os.tmpdir(), "scan-factory-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let files = 0;
function saved(pdf: Uint8Array): string {
  const file = path.join(work, `${(files += 1)}.pdf`);
  writeFileSync(file, pdf);
  return file;
}

/** Every page rendered by poppler at 50 dpi, as greyscale images. */
function popplerPages(pdf: Uint8Array): Buffer[] {
  const file = saved(pdf);
  execFileSync("pdftoppm", ["-r", "50", "-gray", "-jpeg", file, `${file}-page`]);
  return readdirSync(work)
    .filter((name) => name.startsWith(`${path.basename(file)}-page`))
    .sort()
    .map((name) => readFileSync(path.join(work, name)));
}

/** `pdfimages -list` rows: [page, width, height, bits per component, encoding]. */
function embeddedImages(pdf: Uint8Array): [number, number, number, number, string][] {
  const out = execFileSync("pdfimages", ["-list", saved(pdf)], { encoding: "utf8" });
  return out
    .split("\n")
    .slice(2)
    .filter((line) => line.trim())
    .map((line) => {
      const cols = line.trim().split(/\s+/);
      return [Number(cols[0]), Number(cols[3]), Number(cols[4]), Number(cols[7]), cols[8]!];
    });
}

async function halves(image: Buffer): Promise<[Buffer, Buffer]> {
  const { width = 0, height = 0 } = await sharp(image).metadata();
  const half = Math.floor(width / 2);
  return [
    await sharp(image).extract({ left: 0, top: 0, width: half, height }).png().toBuffer(),
    await sharp(image).extract({ left: half, top: 0, width: half, height }).png().toBuffer(),
  ];
}

describe("scan factory", () => {
  it("labels A4 page i with i + 1, readable once poppler renders it", async () => {
    const pdf = await makeA4Batch({ pages: 3 });
    const labels = await Promise.all(popplerPages(pdf).map(readPageLabel));
    expect(labels).toEqual([1, 2, 3]);
  });

  it.each([
    ["jpeg", 200, "jpeg", 8],
    ["ccitt", 300, "ccitt", 1],
    ["flate", 150, "image", 8],
  ] as const)("stores %s pages as one full-page image at the requested resolution", async (encoding, dpi, listed, bits) => {
    const pdf = await makeA4Batch({ pages: 2, dpi, encoding });
    const width = Math.round((210 * dpi) / 25.4);
    const height = Math.round((297 * dpi) / 25.4);
    expect(embeddedImages(pdf)).toEqual([
      [1, width, height, bits, listed],
      [2, width, height, bits, listed],
    ]);
    expect(await Promise.all(popplerPages(pdf).map(readPageLabel))).toEqual([1, 2]);
  });

  it("draws vector pages with no image at all", async () => {
    const pdf = await makeA4Batch({ pages: 2, encoding: "vector" });
    expect(embeddedImages(pdf)).toEqual([]);
    expect(await Promise.all(popplerPages(pdf).map(readPageLabel))).toEqual([1, 2]);
  });

  it.each(["jpeg", "vector"] as const)("stores chosen %s pages upside down behind /Rotate 180", async (encoding) => {
    const pdf = await makeA4Batch({ pages: 3, encoding, rotate180: [1] });
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPages().map((p) => p.getRotation().angle)).toEqual([0, 180, 0]);
    // poppler applies /Rotate: every page reads upright.
    expect(await Promise.all(popplerPages(pdf).map(readPageLabel))).toEqual([1, 2, 3]);
  });

  it("stores the scanned image itself upside down", async () => {
    const pdf = await makeA4Batch({ pages: 2, rotate180: [1] });
    execFileSync("pdfimages", ["-j", saved(pdf), path.join(work, "raw")]);
    const image = readFileSync(path.join(work, "raw-001.jpg"));
    expect(await readPageLabel(image)).toBeNull();
    expect(await readPageLabel(await sharp(image).rotate(180).toBuffer())).toBe(2);
  });

  it("leaves blank pages bare: no label, almost nothing dark", async () => {
    const pages = popplerPages(await makeA4Batch({ pages: 2, blank: [0] }));
    expect(await readPageLabel(pages[0]!)).toBeNull();
    expect(await readPageLabel(pages[1]!)).toBe(2);
    const stats = await sharp(pages[0]!).stats();
    expect(stats.channels[0]!.min).toBeGreaterThan(100);
  });

  it("lays copies doubles out as recto [P4 | P1] and verso [P2 | P3]", async () => {
    const pdf = await makeA3Batch({ sheets: 2 });
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPages().map((p) => p.getSize())).toEqual(Array(4).fill(A3_LANDSCAPE_PT));
    const labels = [];
    for (const page of popplerPages(pdf)) labels.push(await Promise.all((await halves(page)).map(readPageLabel)));
    expect(labels).toEqual([[4, 1], [2, 3], [8, 5], [6, 7]]);
  });

  it("lays vector copies doubles out the same way", async () => {
    const pages = popplerPages(await makeA3Batch({ sheets: 1, encoding: "vector" }));
    const labels = [];
    for (const page of pages) labels.push(await Promise.all((await halves(page)).map(readPageLabel)));
    expect(labels).toEqual([[4, 1], [2, 3]]);
  });

  it("splits a batch into one-page PDFs", async () => {
    const pages = await splitPages(await makeA4Batch({ pages: 3, encoding: "vector" }));
    expect(pages).toHaveLength(3);
    expect(await Promise.all(pages.map((p) => popplerPages(p)[0]!).map(readPageLabel))).toEqual([1, 2, 3]);
  });

  it("makes the same bytes for the same request", async () => {
    const a = await makeA4Batch({ pages: 2, encoding: "ccitt", rotate180: [0] });
    const b = await makeA4Batch({ pages: 2, encoding: "ccitt", rotate180: [0] });
    expect(Buffer.compare(Buffer.from(a), Buffer.from(b))).toBe(0);
  });

  it("reads the largest label back from a 300-pixel WebP thumbnail", async () => {
    const { grey, width, height } = await a4PagePixels({ kind: "written", label: MAX_LABEL }, 100);
    const thumb = await sharp(grey, { raw: { width, height, channels: 1 } }).resize(212, 300).webp({ quality: 60 }).toBuffer();
    expect(await readPageLabel(thumb)).toBe(MAX_LABEL);
    await expect(a4PagePixels({ kind: "written", label: MAX_LABEL + 1 }, 50)).rejects.toThrow(RangeError);
  });
});
