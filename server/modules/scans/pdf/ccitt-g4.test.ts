// The Group 4 decoder must give exactly what libvips (libtiff) decodes from the same data, and its
// reductions must be box averages of that; anything else than clean G4 gives undefined.
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { a4PagePixels, encodeScan, random } from "../../../test/scan-factory.js";
import { decodeG4Reduced } from "./ccitt-g4.js";
import { bilevelTiff, TIFF_CCITT_G4 } from "./ccitt-tiff.js";

interface Bilevel {
  /** One byte a pixel, 0 (black) or 255 (white). */
  grey: Buffer;
  width: number;
  height: number;
}

/** G4 data as a copier PDF holds it (BlackIs1 false). */
async function encode(image: Bilevel): Promise<Uint8Array> {
  return (await encodeScan(image.grey, image.width, image.height, "ccitt")).data;
}

/** What the current path (libvips on a TIFF wrapper) decodes from the data. */
function libvipsDecode(data: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(bilevelTiff({ width, height, compression: TIFF_CCITT_G4, photometric: 0, data })).toColourspace("b-w").raw().toBuffer();
}

/** Mean of each n × n block (only over the pixels that exist at the right and bottom edges). */
function boxAverage(pixels: Buffer, width: number, height: number, n: number): number[] {
  const out: number[] = [];
  for (let y0 = 0; y0 < height; y0 += n) {
    for (let x0 = 0; x0 < width; x0 += n) {
      let sum = 0;
      let count = 0;
      for (let y = y0; y < Math.min(y0 + n, height); y += 1) {
        for (let x = x0; x < Math.min(x0 + n, width); x += 1) {
          sum += pixels[y * width + x]!;
          count += 1;
        }
      }
      out.push(sum / count);
    }
  }
  return out;
}

function plain(width: number, height: number, value: 0 | 255): Bilevel {
  return { grey: Buffer.alloc(width * height, value), width, height };
}

/** Rows made of runs of random lengths in [1, maxRun], alternating colours from a random start. */
function randomRuns(width: number, height: number, maxRun: number, seed: number): Bilevel {
  const next = random(seed);
  const grey = Buffer.alloc(width * height);
  for (let y = 0; y < height; y += 1) {
    let colour = next() < 0.5 ? 0 : 255;
    for (let x = 0; x < width; ) {
      const run = 1 + Math.floor(next() * maxRun);
      grey.fill(colour, y * width + x, y * width + Math.min(width, x + run));
      x += run;
      colour = 255 - colour;
    }
  }
  return { grey, width, height };
}

/**
 * Small shapes over a white page, moving little from one row to the next, plus a band of pixel
 * noise: vertical, pass and horizontal modes with runs of every short length.
 */
function noisyShapes(width: number, height: number, seed: number): Bilevel {
  const next = random(seed);
  const grey = Buffer.alloc(width * height, 255);
  for (let shape = 0; shape < 40; shape += 1) {
    const [cx, cy, rx, ry] = [next() * width, next() * height, 2 + next() * 40, 2 + next() * 20];
    for (let y = Math.max(0, Math.floor(cy - ry)); y < Math.min(height, cy + ry); y += 1) {
      for (let x = Math.max(0, Math.floor(cx - rx)); x < Math.min(width, cx + rx); x += 1) {
        if (((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1) grey[y * width + x] = 0;
      }
    }
  }
  for (let i = Math.floor(grey.length * 0.4); i < Math.floor(grey.length * 0.6); i += 1) grey[i] = next() < 0.5 ? 0 : 255;
  return { grey, width, height };
}

/** A window of a 300-dpi page with handwriting, thresholded as the encoder does. */
async function pageWindow(width: number, height: number, top: number): Promise<Bilevel> {
  const page = await a4PagePixels({ kind: "written", label: 3 }, 300);
  const grey = Buffer.alloc(width * height);
  for (let y = 0; y < height; y += 1) {
    for (let x = 0; x < width; x += 1) grey[y * width + x] = page.grey[(top + y) * page.width + 200 + x]! >= 160 ? 255 : 0;
  }
  return { grey, width, height };
}

async function expectExact(image: Bilevel): Promise<void> {
  const data = await encode(image);
  const decoded = decodeG4Reduced(data, { width: image.width, height: image.height, blackIs1: false }, 1);
  expect(decoded).toBeDefined();
  expect(decoded!.width).toBe(image.width);
  expect(decoded!.height).toBe(image.height);
  const expected = await libvipsDecode(data, image.width, image.height);
  expect(decoded!.pixels.equals(expected)).toBe(true);
}

describe("decodeG4Reduced at full size", () => {
  it("decodes a 300-dpi A4 page exactly as libvips does", async () => {
    const { grey, width, height } = await a4PagePixels({ kind: "written", label: 3 }, 300);
    await expectExact({ grey: Buffer.from(grey.map((v) => (v >= 160 ? 255 : 0))), width, height });
  });

  it("decodes odd sizes", async () => {
    await expectExact(await pageWindow(1001, 77, 650));
    await expectExact(noisyShapes(1001, 77, 1));
    await expectExact(noisyShapes(1, 5, 2));
    await expectExact(noisyShapes(13, 1, 3));
  });

  it("decodes all-white and all-black pages", async () => {
    await expectExact(plain(2480, 3508, 255));
    await expectExact(plain(2480, 3508, 0));
    await expectExact(plain(7, 3, 0));
  });

  it("decodes runs longer than 2560 pixels (chained make-up codes)", async () => {
    await expectExact(randomRuns(5000, 300, 5000, 4));
    // One black run across the whole line, then white lines, then white runs of the whole line
    // broken by a single black pixel.
    const image = plain(5000, 6, 255);
    image.grey.fill(0, 0, 5000);
    image.grey[3 * 5000 + 4999] = 0;
    image.grey[4 * 5000] = 0;
    await expectExact(image);
  });

  it("decodes noise, which uses every code", async () => {
    await expectExact(randomRuns(300, 200, 2, 5));
    await expectExact(randomRuns(300, 200, 70, 6));
    await expectExact(randomRuns(1800, 200, 1800, 7));
    await expectExact(noisyShapes(300, 200, 8));
  });

  it("ignores bytes after the last line", async () => {
    const image = noisyShapes(300, 200, 9);
    const data = await encode(image);
    const padded = Buffer.concat([data, Buffer.from([0, 0, 0xff, 0x0a])]);
    const decoded = decodeG4Reduced(padded, { width: 300, height: 200, blackIs1: false }, 1);
    expect(decoded?.pixels.equals(await libvipsDecode(data, 300, 200))).toBe(true);
  });
});

describe("decodeG4Reduced reduced", () => {
  async function expectBoxAverages(image: Bilevel, n: number): Promise<void> {
    const data = await encode(image);
    const params = { width: image.width, height: image.height, blackIs1: false };
    const full = decodeG4Reduced(data, params, 1)!;
    const reduced = decodeG4Reduced(data, params, n);
    expect(reduced).toBeDefined();
    expect(reduced!.width).toBe(Math.ceil(image.width / n));
    expect(reduced!.height).toBe(Math.ceil(image.height / n));
    const expected = boxAverage(full.pixels, image.width, image.height, n);
    expect(reduced!.pixels.length).toBe(expected.length);
    const worst = expected.reduce((max, value, i) => Math.max(max, Math.abs(value - reduced!.pixels[i]!)), 0);
    expect(worst).toBeLessThanOrEqual(1);
  }

  it("averages n × n blocks, partial ones included", async () => {
    for (const n of [2, 3]) {
      await expectBoxAverages(await pageWindow(1001, 77, 650), n);
      await expectBoxAverages(noisyShapes(1001, 77, 10), n);
      await expectBoxAverages(randomRuns(301, 203, 40, 11), n);
    }
    await expectBoxAverages(randomRuns(301, 203, 3, 12), 4);
    await expectBoxAverages(randomRuns(30, 20, 5, 13), 64);
  });

  it("reduces a 300-dpi A4 page", async () => {
    const { grey, width, height } = await a4PagePixels({ kind: "written", label: 3 }, 300);
    const image = { grey: Buffer.from(grey.map((v) => (v >= 160 ? 255 : 0))), width, height };
    await expectBoxAverages(image, 2);
    await expectBoxAverages(image, 3);
  });
});

describe("decodeG4Reduced with BlackIs1", () => {
  it("inverts the image", async () => {
    const image = noisyShapes(301, 203, 14);
    const data = await encode(image);
    for (const n of [1, 3]) {
      const normal = decodeG4Reduced(data, { width: 301, height: 203, blackIs1: false }, n)!;
      const inverted = decodeG4Reduced(data, { width: 301, height: 203, blackIs1: true }, n)!;
      expect(inverted.pixels.length).toBe(normal.pixels.length);
      // Exact at full size; reduced, both round halves up.
      const tolerance = n === 1 ? 0 : 1;
      expect(inverted.pixels.every((v, i) => Math.abs(v + normal.pixels[i]! - 255) <= tolerance)).toBe(true);
    }
  });
});

describe("decodeG4Reduced refusals", () => {
  it("returns undefined for data that is not clean G4 of the declared size", async () => {
    const { grey, width, height } = await a4PagePixels({ kind: "written", label: 3 }, 300);
    const data = await encode({ grey, width, height });
    const params = { width, height, blackIs1: false };
    expect(decodeG4Reduced(data, params, 2)).toBeDefined();
    expect(decodeG4Reduced(data.subarray(0, data.length >> 1), params, 2)).toBeUndefined();
    expect(decodeG4Reduced(data, { ...params, width: width + 8 }, 2)).toBeUndefined();
    expect(decodeG4Reduced(data, { ...params, height: height + 1 }, 2)).toBeUndefined();
    const next = random(15);
    const noise = Uint8Array.from({ length: data.length }, () => Math.floor(next() * 256));
    expect(decodeG4Reduced(noise, params, 2)).toBeUndefined();
    expect(decodeG4Reduced(new Uint8Array(0), params, 2)).toBeUndefined();
  });

  it("returns undefined when the last codes would need bits past the end of the data", async () => {
    // One 8-pixel line in horizontal mode: 001, white 5 = 1100, black 3 = 10: 9 bits.
    const params = { width: 8, height: 1, blackIs1: false };
    const whole = Uint8Array.from([0b00111001, 0b00000000]);
    expect([...decodeG4Reduced(whole, params, 1)!.pixels]).toEqual([255, 255, 255, 255, 255, 0, 0, 0]);
    expect([...(await libvipsDecode(whole, 8, 1))]).toEqual([255, 255, 255, 255, 255, 0, 0, 0]);
    // Its last 0 bit cut off: the decoder must not take it from the padding.
    expect(decodeG4Reduced(whole.subarray(0, 1), params, 1)).toBeUndefined();
  });

  it("returns undefined for a wrong width on a detailed image", async () => {
    const image = noisyShapes(300, 200, 16);
    const data = await encode(image);
    expect(decodeG4Reduced(data, { width: 308, height: 200, blackIs1: false }, 1)).toBeUndefined();
    expect(decodeG4Reduced(data, { width: 292, height: 200, blackIs1: false }, 1)).toBeUndefined();
  });

  it("returns undefined for invalid parameters", async () => {
    const data = await encode(noisyShapes(30, 20, 17));
    const params = { width: 30, height: 20, blackIs1: false };
    expect(decodeG4Reduced(data, params, 1)).toBeDefined();
    expect(decodeG4Reduced(data, params, 0)).toBeUndefined();
    expect(decodeG4Reduced(data, params, 1.5)).toBeUndefined();
    expect(decodeG4Reduced(data, params, -2)).toBeUndefined();
    expect(decodeG4Reduced(data, { ...params, width: 0 }, 1)).toBeUndefined();
    expect(decodeG4Reduced(data, { ...params, height: -1 }, 1)).toBeUndefined();
    expect(decodeG4Reduced(data, { ...params, width: 20001 }, 1)).toBeUndefined();
    expect(decodeG4Reduced(data, { ...params, width: 30.5 }, 1)).toBeUndefined();
  });
});
