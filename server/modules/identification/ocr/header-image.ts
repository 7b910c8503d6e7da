// The header region of a page image, straightened and cleaned: grey pixels for the crop people
// look at, and an ink mask (1 = ink) for locating boxes and lines and for the OCR strips.
import sharp, { type Sharp } from "sharp";

/** A page-relative rectangle, top-left origin, every value in [0, 1]. */
export interface Region {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface GreyImage {
  data: Buffer;
  width: number;
  height: number;
}

export interface HeaderImage {
  grey: GreyImage;
  /** 1 where there is ink, after Otsu's threshold on the normalised grey. */
  ink: Uint8Array;
  /** Also 1 on faint print (grey ruled lines, light box edges): for finding lines, not for reading. */
  faint: Uint8Array;
}

/** The page or region cannot be used. `reason` is a French sentence for the people using Korrigo. */
export class HeaderImageError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "HeaderImageError";
  }
}

/**
 * Headers are worked on at most this wide, about 150 dpi: enough for letters in 5 mm boxes, and
 * a 300 dpi scan would otherwise cost four times as much for nothing.
 */
const WORK_WIDTH = 1300;
/** Tilts tried when straightening, in degrees: scans are rarely more than 2° off. */
const MAX_SKEW = 2.5;
const COARSE_STEP = 0.5;
const SKEW_STEP = 0.1;
const MIN_ROTATION = 0.1;
/** Grey levels between the darkest and lightest percent of a region that has anything on it. */
const MIN_CONTRAST = 40;
/** Faint print lies this far from the ink threshold towards white. */
const FAINT = 0.4;

export async function headerImage(page: Buffer | string, region: Region): Promise<HeaderImage> {
  checkRegion(region);
  const crop = await cropRegion(page, region);
  const angle = skewAngle(crop, otsu(crop.data));
  // Below a tenth of a degree, a line drifts by two pixels at most over the header's width, which
  // finding lines tolerates; rotating costs more than everything else here.
  const straight = Math.abs(angle) < MIN_ROTATION ? crop : await toGrey(
    sharp(crop.data, { raw: { width: crop.width, height: crop.height, channels: 1 } }).rotate(-angle, { background: { r: 255, g: 255, b: 255 } }),
  );
  if (!stretch(straight.data)) {
    // Bare paper: Otsu's threshold would split its noise into "ink".
    const none = new Uint8Array(straight.data.length);
    return { grey: straight, ink: none, faint: none };
  }
  const threshold = otsu(straight.data);
  return { grey: straight, ink: inkMask(straight.data, threshold), faint: inkMask(straight.data, Math.round(threshold + (255 - threshold) * FAINT)) };
}

/** The crop for people: about 900 px wide, sharpened, as a grey JPEG. */
export function previewJpeg(grey: GreyImage): Promise<Buffer> {
  return sharp(grey.data, { raw: { width: grey.width, height: grey.height, channels: 1 } })
    .resize({ width: 900, kernel: "lanczos3" })
    .sharpen()
    .toColourspace("b-w")
    .jpeg({ quality: 80 })
    .toBuffer();
}

function checkRegion(region: Region): void {
  const { x, y, width, height } = region;
  const inside = [x, y, width, height].every((v) => Number.isFinite(v) && v >= 0 && v <= 1);
  if (!inside || width <= 0 || height <= 0 || x + width > 1.0001 || y + height > 1.0001) {
    throw new HeaderImageError("La zone de l'en-tête doit être un rectangle à l'intérieur de la page.");
  }
}

async function cropRegion(page: Buffer | string, region: Region): Promise<GreyImage> {
  try {
    const { width, height } = await sharp(page).metadata();
    if (!width || !height) throw new Error("no size");
    const left = Math.floor(region.x * width);
    const top = Math.floor(region.y * height);
    const box = {
      left,
      top,
      width: Math.max(1, Math.min(width - left, Math.round(region.width * width))),
      height: Math.max(1, Math.min(height - top, Math.round(region.height * height))),
    };
    return await toGrey(sharp(page).extract(box).resize({ width: WORK_WIDTH, withoutEnlargement: true }));
  } catch {
    throw new HeaderImageError("L'image de la page est illisible ou endommagée : l'en-tête ne peut pas être lu.");
  }
}

async function toGrey(image: Sharp): Promise<GreyImage> {
  const { data, info } = await image.toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

/** Otsu's threshold: the grey level that best separates paper from ink. */
function otsu(pixels: Uint8Array): number {
  const histogram = histogramOf(pixels);
  const total = pixels.length;
  const sum = histogram.reduce((acc, count, level) => acc + count * level, 0);
  let [below, sumBelow, best, threshold] = [0, 0, -1, 128];
  for (let level = 0; level < 256; level += 1) {
    below += histogram[level]!;
    if (below === 0) continue;
    const above = total - below;
    if (above === 0) break;
    sumBelow += level * histogram[level]!;
    const between = below * above * (sumBelow / below - (sum - sumBelow) / above) ** 2;
    if (between > best) [best, threshold] = [between, level];
  }
  return threshold;
}

/**
 * Stretches grey levels in place so the darkest 1 % is black and the lightest 1 % white (sharp's
 * normalise does the same, several times slower). False, leaving the pixels alone, when they are
 * all within a few grey levels: there is nothing on the paper.
 */
function stretch(pixels: Buffer): boolean {
  const histogram = histogramOf(pixels);
  const level = (share: number) => {
    let seen = 0;
    for (let v = 0; v < 256; v += 1) if ((seen += histogram[v]!) >= share * pixels.length) return v;
    return 255;
  };
  const [low, high] = [level(0.01), level(0.99)];
  if (high - low < MIN_CONTRAST) return false;
  const table = Uint8Array.from({ length: 256 }, (_, v) => Math.max(0, Math.min(255, Math.round(((v - low) * 255) / (high - low)))));
  for (let i = 0; i < pixels.length; i += 1) pixels[i] = table[pixels[i]!]!;
  return true;
}

// Indexed loops over typed arrays: iterating a Buffer with for…of is several times slower.
function histogramOf(pixels: Uint8Array): Uint32Array {
  const histogram = new Uint32Array(256);
  for (let i = 0; i < pixels.length; i += 1) histogram[pixels[i]!]! += 1;
  return histogram;
}

function inkMask(pixels: Uint8Array, threshold: number): Uint8Array {
  const ink = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i += 1) ink[i] = pixels[i]! <= threshold ? 1 : 0;
  return ink;
}

/**
 * The tilt, in degrees (positive: clockwise), that lines up the most ink on the fewest rows.
 * Printed frames and ruled lines dominate the row profile, so this follows them rather than the
 * handwriting. Coarse steps first, then fine ones around the best.
 */
function skewAngle(grey: GreyImage, threshold: number): number {
  const ink = inkPoints(grey, threshold);
  const margin = Math.ceil(grey.width * Math.tan((MAX_SKEW * Math.PI) / 180)) + 2;
  const profile = new Float64Array(grey.height + 2 * margin);
  const score = (angle: number) => {
    const slope = Math.tan((angle * Math.PI) / 180);
    profile.fill(0);
    for (let i = 0; i < ink.length; i += 2) profile[Math.round(ink[i + 1]! - ink[i]! * slope) + margin]! += 1;
    let sum = 0;
    for (const count of profile) sum += count * count;
    return sum;
  };
  const coarse = best(score, 0, COARSE_STEP, MAX_SKEW);
  return Math.round(best(score, coarse, SKEW_STEP, COARSE_STEP) * 100) / 100;
}

/** The angle of [centre − reach, centre + reach] (by `step`) with the best score, nearest the centre on ties. */
function best(score: (angle: number) => number, centre: number, step: number, reach: number): number {
  let [bestAngle, bestScore] = [centre, score(centre)];
  for (let k = 1; k * step <= reach + 1e-9; k += 1) {
    for (const angle of [centre + k * step, centre - k * step]) {
      const value = score(angle);
      // A page without lines scores alike everywhere: it stays as it is.
      if (value > bestScore * 1.0001) [bestAngle, bestScore] = [angle, value];
    }
  }
  return bestAngle;
}

/** x, y pairs of the pixels at or below `threshold`. */
function inkPoints(grey: GreyImage, threshold: number): Int32Array {
  const histogram = histogramOf(grey.data);
  let count = 0;
  for (let level = 0; level <= threshold; level += 1) count += histogram[level]!;
  const points = new Int32Array(2 * count);
  let at = 0;
  for (let y = 0; y < grey.height; y += 1) {
    for (let x = 0; x < grey.width; x += 1) {
      if (grey.data[y * grey.width + x]! > threshold) continue;
      points[at++] = x;
      points[at++] = y;
    }
  }
  return points;
}
