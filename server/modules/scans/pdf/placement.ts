// Does the image drawn with this matrix fill the page, and which way up is it?
import type { Matrix } from "./content.js";
import type { Rotation } from "./types.js";

/** Visible page area in default user space (points). */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** How far (as a fraction of the page's width or height) each image edge may miss the page's. */
const EDGE_TOLERANCE = 0.02;
/** How much a matrix may shear before it no longer counts as a multiple of 90°. */
const AXIS_TOLERANCE = 0.02;

/**
 * The counter-clockwise angle at which the image appears on the page when the matrix maps it
 * onto the box (within the tolerance), or undefined (mirrored, skewed, partial image).
 */
export function imageAngleOnPage(ctm: Matrix, box: Box): Rotation | undefined {
  const angle = axisAngle(ctm);
  if (angle === undefined) return undefined;
  const [a, b, c, d, e, f] = ctm;
  const xs = [e, a + e, c + e, a + c + e];
  const ys = [f, b + f, d + f, b + d + f];
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const fits =
    Math.abs(Math.min(...xs) - box.x0) <= EDGE_TOLERANCE * width &&
    Math.abs(Math.max(...xs) - box.x1) <= EDGE_TOLERANCE * width &&
    Math.abs(Math.min(...ys) - box.y0) <= EDGE_TOLERANCE * height &&
    Math.abs(Math.max(...ys) - box.y1) <= EDGE_TOLERANCE * height;
  return fits ? angle : undefined;
}

// The image's rightward axis is (a, b) and its upward axis is (c, d) in user space.
function axisAngle([a, b, c, d]: Matrix): Rotation | undefined {
  const small = (minor: number, major: number) => Math.abs(minor) <= AXIS_TOLERANCE * Math.abs(major);
  if (small(b, a) && small(c, d)) {
    if (a > 0 && d > 0) return 0;
    if (a < 0 && d < 0) return 180;
  } else if (small(a, b) && small(d, c)) {
    if (b > 0 && c < 0) return 90;
    if (b < 0 && c > 0) return 270;
  }
  return undefined;
}

/**
 * Clockwise rotation to apply to the decoded image (first sample row at the top) so that it shows
 * as the page is meant to be read: undo the image's angle on the page, then apply /Rotate
 * (which turns the page clockwise when displayed).
 */
export function uprightRotation(imageAngle: Rotation, pageRotate: Rotation): Rotation {
  return ((360 - imageAngle + pageRotate) % 360) as Rotation;
}

/** /Rotate as pdf.js reads it: a multiple of 90, anything else counting as 0. */
export function normaliseRotation(degrees: number): Rotation {
  if (!Number.isInteger(degrees) || degrees % 90 !== 0) return 0;
  return (((degrees % 360) + 360) % 360) as Rotation;
}
