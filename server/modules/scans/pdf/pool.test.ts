// Conversions on worker threads give the same images as in-process ones, and a refused page
// still arrives as a ScanPageError with its sentence.
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { makeA4Batch, readPageLabel } from "../../../test/scan-factory.js";
import { ScanPageError } from "./page-images.js";
import { ScanPagePool } from "./pool.js";

const pool = new ScanPagePool(2);
afterAll(() => pool.close());

describe("ScanPagePool", () => {
  it("converts pages on its threads, several at once", async () => {
    const pdfs = await Promise.all([1, 2, 3].map(() => makeA4Batch({ pages: 1, dpi: 150 })));
    const results = await Promise.all(pdfs.map((pdf) => pool.convert(pdf, { split: "none" })));
    for (const result of results) {
      const image = result.images.FULL!;
      expect(Buffer.isBuffer(image.image) && Buffer.isBuffer(image.thumb)).toBe(true);
      expect(await sharp(image.image).metadata()).toMatchObject({ format: "jpeg", width: image.width, height: image.height });
      expect(await readPageLabel(image.thumb)).toBe(1);
    }
  });

  it("passes a refusal back as a ScanPageError", async () => {
    const refused = pool.convert(await makeA4Batch({ pages: 1, dpi: 150 }), { split: "none", maxPixels: 500_000 });
    await expect(refused).rejects.toBeInstanceOf(ScanPageError);
    await expect(refused).rejects.toMatchObject({ reason: expect.stringMatching(/pixels/) });
  });
});
