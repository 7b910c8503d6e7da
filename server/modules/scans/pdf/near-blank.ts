// "Nothing written here", judged on the thumbnail (cheap, and downscaling has already averaged
// out paper noise). Ink is a pixel clearly darker than the paper around it: the local paper
// level is the brightest value within a few pixels, so uneven scanner lighting, show-through
// from the other side and grey paper do not count, while a faint pencil line does.

/** Margin ignored on each side, where scanners leave shadows, punched holes and fold lines. */
const MARGIN = 0.04;
/** The local paper level is the brightest pixel of the 3 × 3 blocks of this size around a pixel. */
const BLOCK = 4;
/** Darker than the local paper by at least this many levels (0–255). */
const INK_CONTRAST = 24;
/** Fraction of ink pixels under which the page counts as blank (≈ 25 pixels on a 212 × 300 thumbnail). */
const INK_FRACTION = 0.0004;

export function isNearBlank(pixels: Uint8Array, width: number, height: number, channels: number): boolean {
  const grey = luminance(pixels, width * height, channels);
  const paper = localPaper(grey, width, height);
  const blocksX = Math.ceil(width / BLOCK);
  const x0 = Math.floor(width * MARGIN);
  const y0 = Math.floor(height * MARGIN);
  let ink = 0;
  for (let y = y0; y < height - y0; y += 1) {
    const paperRow = ((y / BLOCK) | 0) * blocksX;
    for (let x = x0; x < width - x0; x += 1) {
      if (paper[paperRow + ((x / BLOCK) | 0)]! - grey[y * width + x]! >= INK_CONTRAST) ink += 1;
    }
  }
  return ink <= (width - 2 * x0) * (height - 2 * y0) * INK_FRACTION;
}

function luminance(pixels: Uint8Array, count: number, channels: number): Uint8Array {
  if (channels === 1) return pixels;
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i += 1) {
    const at = i * channels;
    out[i] = (pixels[at]! * 77 + pixels[at + 1]! * 150 + pixels[at + 2]! * 29) >> 8;
  }
  return out;
}

/** Per block: the maximum over the block and its eight neighbours. */
function localPaper(grey: Uint8Array, width: number, height: number): Uint8Array {
  const blocksX = Math.ceil(width / BLOCK);
  const blocksY = Math.ceil(height / BLOCK);
  const blockMax = new Uint8Array(blocksX * blocksY);
  for (let y = 0; y < height; y += 1) {
    const blockRow = ((y / BLOCK) | 0) * blocksX;
    for (let x = 0; x < width; x += 1) {
      const v = grey[y * width + x]!;
      const b = blockRow + ((x / BLOCK) | 0);
      if (v > blockMax[b]!) blockMax[b] = v;
    }
  }
  const paper = new Uint8Array(blocksX * blocksY);
  for (let by = 0; by < blocksY; by += 1) {
    for (let bx = 0; bx < blocksX; bx += 1) {
      let max = 0;
      for (let ny = Math.max(0, by - 1); ny <= Math.min(blocksY - 1, by + 1); ny += 1) {
        for (let nx = Math.max(0, bx - 1); nx <= Math.min(blocksX - 1, bx + 1); nx += 1) {
          max = Math.max(max, blockMax[ny * blocksX + nx]!);
        }
      }
      paper[by * blocksX + bx] = max;
    }
  }
  return paper;
}
