// Near-blank detection on thumbnails: paper, noise, uneven lighting and dust are blank; a line of
// writing or a printed header is not.
import { describe, expect, it } from "vitest";
import { isNearBlank } from "./near-blank.js";

const [W, H] = [212, 300];

function paper(noise: number, shade = (_x: number, _y: number) => 0): Uint8Array {
  let seed = 7;
  const next = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const pixels = new Uint8Array(W * H);
  for (let y = 0; y < H; y += 1) {
    for (let x = 0; x < W; x += 1) pixels[y * W + x] = Math.round(230 + (next() - 0.5) * 2 * noise - shade(x, y));
  }
  return pixels;
}

function stroke(pixels: Uint8Array, y: number, from: number, to: number, level: number): Uint8Array {
  for (let x = from; x < to; x += 1) pixels[y * W + x] = level;
  return pixels;
}

describe("isNearBlank", () => {
  it("calls paper with noise, a lighting gradient and dust blank", () => {
    expect(isNearBlank(paper(6), W, H, 1)).toBe(true);
    expect(isNearBlank(paper(4, (x, y) => (x + y) / 8), W, H, 1)).toBe(true);
    const dusty = paper(4);
    for (const [x, y] of [[50, 60], [120, 200], [90, 150]] as const) dusty[y * W + x] = 120;
    expect(isNearBlank(dusty, W, H, 1)).toBe(true);
  });

  it("ignores the margins, where scanners leave shadows", () => {
    const shadow = paper(4);
    for (let y = 0; y < H; y += 1) for (let x = 0; x < 6; x += 1) shadow[y * W + x] = 40;
    expect(isNearBlank(shadow, W, H, 1)).toBe(true);
  });

  it("sees one faint handwritten line, or a printed rule", () => {
    expect(isNearBlank(stroke(paper(4), 150, 40, 120, 190), W, H, 1)).toBe(false);
    expect(isNearBlank(stroke(paper(4), 20, 15, 200, 60), W, H, 1)).toBe(false);
  });

  it("reads colour thumbnails by their luminance", () => {
    const grey = stroke(paper(4), 150, 40, 120, 150);
    const rgb = new Uint8Array(W * H * 3);
    grey.forEach((v, i) => rgb.set([v, v, v], i * 3));
    expect(isNearBlank(rgb, W, H, 3)).toBe(false);
  });
});
