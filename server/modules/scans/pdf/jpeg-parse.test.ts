// The quarter-size preview drawn from the coded blocks must look like libjpeg's own decode.
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { a4PagePixels } from "../../../test/scan-factory.js";
import { parseGreyJpeg, quarterImage } from "./jpeg-parse.js";

describe("quarterImage", () => {
  it.each([80, 95])("matches a decode reduced to a quarter, at JPEG quality %i", async (quality) => {
    const { grey, width, height } = await a4PagePixels({ kind: "written", label: 21 }, 150);
    const jpeg = await sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace("b-w").jpeg({ quality }).toBuffer();
    const preview = quarterImage(parseGreyJpeg(jpeg)!);
    expect([preview.width, preview.height]).toEqual([Math.ceil(width / 4), Math.ceil(height / 4)]);
    const reference = await sharp(jpeg)
      .resize(preview.width, preview.height, { fit: "fill", kernel: "cubic" })
      .toColourspace("b-w")
      .raw()
      .toBuffer();
    let total = 0;
    for (let i = 0; i < reference.length; i += 1) total += Math.abs(reference[i]! - preview.pixels[i]!);
    expect(total / reference.length).toBeLessThan(3); // mean difference, in grey levels
  });

  it("declines what it does not parse", async () => {
    const pixels = Buffer.alloc(64 * 64, 200);
    const raw = { raw: { width: 64, height: 64, channels: 1 as const } };
    expect(parseGreyJpeg(await sharp(pixels, raw).toColourspace("b-w").jpeg({ progressive: true }).toBuffer())).toBeUndefined();
    expect(parseGreyJpeg(await sharp(pixels, raw).toColourspace("srgb").jpeg().toBuffer())).toBeUndefined();
    expect(parseGreyJpeg(Buffer.from([0xff, 0xd8, 0xff, 0xd9]))).toBeUndefined();
  });
});
