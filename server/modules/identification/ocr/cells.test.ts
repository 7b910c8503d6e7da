// Finding the CMEN grid without OCR: rows of boxes from the printed lines, whatever the letters
// written in them, and a tilted scan straightened first.
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { findGrid } from "./cells.js";
import { headerImage } from "./header-image.js";

// A header region is some 200 mm wide for 5 mm boxes: the mask is as wide for its boxes.
const [W, H] = [1000, 120];

/** A row of ten 24 × 26 px boxes at (40, 40), 1 px lines, on an empty mask. */
function boxes(): Uint8Array {
  const ink = new Uint8Array(W * H);
  const set = (x: number, y: number) => (ink[y * W + x] = 1);
  for (let x = 40; x <= 280; x += 1) [40, 66].forEach((y) => set(x, y));
  for (let k = 0; k <= 10; k += 1) for (let y = 40; y <= 66; y += 1) set(40 + 24 * k, y);
  return ink;
}

describe("findGrid", () => {
  it("finds the boxes and which hold ink, taking letter strokes for letters, not edges", () => {
    const ink = boxes();
    // A tall stroke in box 2 (almost the box's height) and a small letter in box 5.
    for (let y = 43; y <= 64; y += 1) ink[y * W + 100] = 1;
    for (let y = 50; y <= 58; y += 1) for (let x = 165; x <= 172; x += 1) ink[y * W + x] = 1;
    const { rows } = findGrid({ ink, width: W, height: H }, ink);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.cells.map((cell) => (cell.inked ? "#" : "."))).toEqual([..."..#..#...."]);
  });

  it("clears the grid lines but keeps a stroke written across one", () => {
    const ink = boxes();
    for (let y = 30; y <= 55; y += 1) ink[y * W + 52] = 1; // Down through the top line of box 0.
    const grid = findGrid({ ink, width: W, height: H }, ink);
    expect(grid.ink[40 * W + 52]).toBe(1);
    expect(grid.ink[40 * W + 150]).toBe(0);
    expect(grid.ink[50 * W + 64]).toBe(0);
    // The stroke spills above the boxes: the row's writing starts there.
    expect(grid.rows[0]!.ink.top).toBeLessThan(40);
  });

  it("finds rows of 20, 16 and 8 boxes on a scan tilted by 1.5°", async () => {
    const row = (y: number, count: number) =>
      Array.from({ length: count }, (_, i) => `<rect x="${100 + i * 27}" y="${y}" width="27" height="30" fill="none" stroke="#000" stroke-width="1.5"/>`).join("");
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="300"><rect width="800" height="300" fill="#eee"/>
      <g transform="rotate(1.5 400 150)">${row(40, 20)}${row(110, 16)}${row(180, 8)}</g></svg>`;
    const image = await sharp(Buffer.from(svg)).greyscale().jpeg().toBuffer();
    const header = await headerImage(image, { x: 0, y: 0, width: 1, height: 1 });
    const { rows } = findGrid({ ink: header.ink, width: header.grey.width, height: header.grey.height }, header.faint);
    expect(rows.map((r) => r.cells.length)).toEqual([20, 16, 8]);
    expect(rows.flatMap((r) => r.cells).every((cell) => !cell.inked)).toBe(true);
  });
});
