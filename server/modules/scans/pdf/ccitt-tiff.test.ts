// The in-memory TIFF wrapper: libtiff must decode the PDF's fax data to exactly the bilevel image
// that was encoded, in the right colours.
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { a4PagePixels, encodeScan } from "../../../test/scan-factory.js";
import { bilevelTiff, TIFF_CCITT_G4, TIFF_UNCOMPRESSED } from "./ccitt-tiff.js";

async function pixels(tiff: Buffer): Promise<Buffer> {
  return sharp(tiff).toColourspace("b-w").raw().toBuffer();
}

describe("bilevelTiff", () => {
  it("decodes Group 4 data to the thresholded page, black on white", async () => {
    const { grey, width, height } = await a4PagePixels({ kind: "written", label: 3 }, 100);
    const { data } = await encodeScan(grey, width, height, "ccitt");
    const decoded = await pixels(bilevelTiff({ width, height, compression: TIFF_CCITT_G4, photometric: 0, data }));
    const expected = Buffer.from(grey.map((v) => (v >= 160 ? 255 : 0)));
    expect(decoded.equals(expected)).toBe(true);
    const inverted = await pixels(bilevelTiff({ width, height, compression: TIFF_CCITT_G4, photometric: 1, data }));
    expect(inverted.every((v, i) => v === 255 - expected[i]!)).toBe(true);
  });

  it("wraps uncompressed 1-bit rows, padded to a byte", async () => {
    // 10 × 2: first row all 1 bits, second row alternating.
    const data = Buffer.from([0xff, 0xc0, 0xaa, 0x80]);
    expect([...(await pixels(bilevelTiff({ width: 10, height: 2, compression: TIFF_UNCOMPRESSED, photometric: 1, data })))]).toEqual([
      ...Array(10).fill(255),
      255, 0, 255, 0, 255, 0, 255, 0, 255, 0,
    ]);
  });
});
