// The DCT-domain cut must give exactly the pixels a full decode gives for each half, or decline
// (the parse itself declines colour, progressive and damaged JPEGs).
import sharp, { type JpegOptions, type Region } from "sharp";
import { describe, expect, it } from "vitest";
import { parseGreyJpeg } from "./jpeg-parse.js";
import { splitJpegHalves as splitParsed } from "./jpeg-split.js";

function splitJpegHalves(jpeg: Buffer): [Buffer, Buffer] | undefined {
  const parsed = parseGreyJpeg(jpeg);
  const parts = parsed && splitParsed(parsed);
  return parts && [parts[0].jpeg, parts[1].jpeg];
}

/** A grey test image with detail everywhere, so that every block has AC coefficients. */
function pattern(width: number, height: number): Buffer {
  const pixels = Buffer.alloc(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) pixels[y * width + x] = (x * 7 + y * 13 + ((x * y) % 97)) & 0xff;
  }
  return pixels;
}

async function greyJpeg(width: number, height: number, options: JpegOptions = {}): Promise<Buffer> {
  return sharp(pattern(width, height), { raw: { width, height, channels: 1 } }).toColourspace("b-w").jpeg(options).toBuffer();
}

async function decoded(jpeg: Buffer, region?: Region): Promise<Buffer> {
  const image = sharp(jpeg);
  return (region ? image.extract(region) : image).toColourspace("b-w").raw().toBuffer();
}

describe("splitJpegHalves", () => {
  it.each([
    [320, 200, {}],
    [336, 101, { quality: 95 }], // height not a whole number of blocks
    [2480, 1754, { quality: 60 }],
    [1296, 64, { optimiseCoding: false }],
  ] as const)("cuts a %i × %i grey JPEG into halves identical to the decoded halves", async (width, height, options) => {
    const jpeg = await greyJpeg(width, height, options);
    const halves = splitJpegHalves(jpeg);
    expect(halves).toBeDefined();
    for (const [i, half] of halves!.entries()) {
      const meta = await sharp(half).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([width / 2, height, 1]);
      const expected = await decoded(jpeg, { left: (i * width) / 2, top: 0, width: width / 2, height });
      expect((await decoded(half)).equals(expected)).toBe(true);
    }
  });

  it.each([
    [321, 160, 161], // odd width: the right part keeps the last column
    [324, 160, 164], // the middle (162) is not on a block: cut on the nearest one
    [3307, 1656, 1651], // an A3 sheet at 200 dpi
  ])("cuts a %i-pixel-wide JPEG on the block boundary nearest its middle (%i + %i)", async (width, left, right) => {
    const jpeg = await greyJpeg(width, 80);
    const parts = splitParsed(parseGreyJpeg(jpeg)!)!;
    expect(parts.map((p) => p.width)).toEqual([left, right]);
    for (const [i, part] of parts.entries()) {
      expect((await sharp(part.jpeg).metadata()).width).toBe(part.width);
      const region = { left: i === 0 ? 0 : left, top: 0, width: part.width, height: 80 };
      expect((await decoded(part.jpeg)).equals(await decoded(jpeg, region))).toBe(true);
    }
  });

  it("declines what it cannot cut exactly", async () => {
    expect(splitJpegHalves(await greyJpeg(320, 80, { progressive: true }))).toBeUndefined();
    const colour = await sharp(pattern(320, 80), { raw: { width: 320, height: 80, channels: 1 } }).toColourspace("srgb").jpeg().toBuffer();
    expect(splitJpegHalves(colour)).toBeUndefined();
    const jpeg = await greyJpeg(320, 80);
    expect(splitJpegHalves(jpeg.subarray(0, jpeg.length / 2))).toBeUndefined(); // truncated
    expect(splitJpegHalves(Buffer.from("not a jpeg"))).toBeUndefined();
  });

  it("declines when the JPEG's own (optimised) DC table has no code for a new difference", async () => {
    // Left half: block rows alternately black and white; right half: mid-grey. The left half's
    // row-to-row differences never occur in the whole image, so its optimised table lacks them.
    const [width, height] = [64, 64];
    const pixels = Buffer.alloc(width * height);
    for (let y = 0; y < height; y += 1) {
      for (let x = 0; x < width; x += 1) pixels[y * width + x] = x >= 32 ? 128 : (y >> 3) % 2 ? 255 : 0;
    }
    const jpeg = await sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace("b-w").jpeg({ optimiseCoding: true }).toBuffer();
    expect(splitJpegHalves(jpeg)).toBeUndefined();
    const standard = await sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace("b-w").jpeg({ optimiseCoding: false }).toBuffer();
    const [left] = splitJpegHalves(standard)!;
    expect((await decoded(left!)).equals(await decoded(standard, { left: 0, top: 0, width: 32, height }))).toBe(true);
  });

  it("keeps no metadata segment in the halves", async () => {
    const jpeg = await sharp(await greyJpeg(320, 80)).withExif({ IFD0: { Orientation: "6" } }).toColourspace("b-w").jpeg().toBuffer();
    const [left] = splitJpegHalves(jpeg)!;
    expect((await sharp(left!).metadata()).exif).toBeUndefined();
  });
});
