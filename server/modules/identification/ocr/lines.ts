// Straight printed lines in an ink mask: frames, ruled lines and the edges of letter boxes.
// Handwriting never makes long straight runs of ink, so the longest run on a row (or column)
// tells lines from writing without knowing where anything is printed.

export interface Mask {
  ink: Uint8Array;
  width: number;
  height: number;
}

export interface HorizontalLine {
  /** Middle row of the line. */
  y: number;
  top: number;
  bottom: number;
  x0: number;
  x1: number;
}

export interface VerticalLine {
  x: number;
  left: number;
  right: number;
}

/** JPEG ringing and thin print leave holes in lines this wide at most (pixels). */
const GAP = 2;

/**
 * Lines at least `minLength` pixels long, top to bottom; a line a few pixels thick is one line.
 * Each row is looked at together with its neighbours, so that a line still tilted by a pixel
 * or two over its length is not cut in pieces.
 */
export function horizontalLines(mask: Mask, minLength: number): HorizontalLine[] {
  const lines: HorizontalLine[] = [];
  const { ink, width, height } = mask;
  for (let y = 0; y < height; y += 1) {
    const [above, below] = [Math.max(0, y - 1) * width, Math.min(height - 1, y + 1) * width];
    const run = longestRun((x) => (ink[above + x]! | ink[y * width + x]! | ink[below + x]!) === 1, width);
    if (run.length < minLength) continue;
    const last = lines.at(-1);
    if (last && last.bottom >= y - 1 && run.x0 < last.x1 && run.x1 > last.x0) {
      last.bottom = y;
      last.y = Math.round((last.top + y) / 2);
      last.x0 = Math.min(last.x0, run.x0);
      last.x1 = Math.max(last.x1, run.x1);
    } else {
      lines.push({ y, top: y, bottom: y, x0: run.x0, x1: run.x1 });
    }
  }
  return lines;
}

/**
 * Columns of the band [top, bottom) inked on at least `share` of its rows, merged into lines:
 * the middle column of each, left to right.
 */
export function verticalLines(mask: Mask, band: { x0: number; x1: number; top: number; bottom: number }, share: number): VerticalLine[] {
  const lines: VerticalLine[] = [];
  const needed = share * (band.bottom - band.top);
  for (let x = Math.max(0, band.x0); x < Math.min(mask.width, band.x1); x += 1) {
    let count = 0;
    for (let y = band.top; y < band.bottom; y += 1) count += mask.ink[y * mask.width + x]!;
    if (count < needed) continue;
    const last = lines.at(-1);
    if (last && last.right >= x - 1) {
      last.right = x;
      last.x = Math.round((last.left + x) / 2);
    } else {
      lines.push({ x, left: x, right: x });
    }
  }
  return lines;
}

/** The longest stretch of `inked` positions in [0, length), bridging holes of up to GAP. */
function longestRun(inked: (i: number) => boolean, length: number): { x0: number; x1: number; length: number } {
  let best = { x0: 0, x1: 0, length: 0 };
  let start = -1;
  let lastInk = -GAP - 2;
  for (let i = 0; i < length; i += 1) {
    if (!inked(i)) continue;
    if (i - lastInk > GAP + 1) start = i;
    lastInk = i;
    if (i - start + 1 > best.length) best = { x0: start, x1: i, length: i - start + 1 };
  }
  return best;
}
