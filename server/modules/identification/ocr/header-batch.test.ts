// The generated test data the reader is tested on: batches of the right shape, first pages that
// keep scan-factory's page-label mark through the simulated scan, and a plausible class.
import { PDFDocument } from "pdf-lib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { cmenFirstPage, freeBoxFirstPage, frenchClass, makeHeaderBatch } from "../../../test/header-factory.js";
import { A3_LANDSCAPE_PT, A4_PT, readPageLabel } from "../../../test/scan-factory.js";

const sizes = async (pdf: Uint8Array) => (await PDFDocument.load(pdf)).getPages().map((page) => page.getSize());

describe("header-factory", { timeout: 30_000 }, () => {
  const [first, second] = frenchClass(3, 2, "Tle 3");

  it("makes A4 batches of free-box copies, pagesPerCopy pages each", async () => {
    const pdf = await makeHeaderBatch({ kind: "FREE_BOX", copies: [{ student: first! }, { student: second! }], pagesPerCopy: 3, seed: 1, dpi: 100 });
    const pages = await sizes(pdf);
    expect(pages).toHaveLength(6);
    for (const size of pages) expect(size).toEqual({ width: A4_PT.width, height: A4_PT.height });
  });

  it("makes A3 landscape batches of copies doubles, two scan pages per sheet", async () => {
    const pdf = await makeHeaderBatch({ kind: "CMEN", copies: [{ student: first! }, { student: second!, sheets: 2 }], seed: 1, dpi: 100 });
    const pages = await sizes(pdf);
    expect(pages).toHaveLength(6);
    for (const size of pages) expect(size).toEqual({ width: A3_LANDSCAPE_PT.width, height: A3_LANDSCAPE_PT.height });
  });

  it("keeps the page-label mark readable on tilted first pages", async () => {
    for (const seed of [1, 2, 3]) {
      const pages = [await freeBoxFirstPage({ student: first!, label: 5 * seed, seed }), await cmenFirstPage({ student: first!, sheet: { k: 1, n: 1 }, label: 5 * seed, seed })];
      for (const page of pages) {
        const image = await sharp(page.grey, { raw: { width: page.width, height: page.height, channels: 1 } }).jpeg().toBuffer();
        expect(await readPageLabel(image)).toBe(5 * seed);
      }
    }
  });

  it("makes a class of distinct French pupils born 2008–2011, the same for the same seed", () => {
    const pupils = frenchClass(42, 35, "2nde B");
    expect(new Set(pupils.map((p) => `${p.lastName};${p.firstName}`)).size).toBe(35);
    for (const pupil of pupils) {
      expect(pupil.birthDate).toMatch(/^20(08|09|10|11)-\d\d-\d\d$/);
      expect(pupil.className).toBe("2nde B");
    }
    expect(frenchClass(42, 35, "2nde B")).toEqual(pupils);
    expect(pupils.some((p) => /[^A-Za-z]/.test(p.lastName + p.firstName))).toBe(true);
  });
});
