// Where a scan page lands on an output page, so that the output shows exactly the image the
// teacher annotated. That image (scans/pdf/page-images.ts) is the page's visible area (CropBox
// within MediaBox) turned by its /Rotate; an A3 sheet is cut at the middle of that upright page
// into its LEFT and RIGHT halves; the admin's quarter turns clockwise come on top. The output
// page has that final size and no /Rotate: annotations, which are fractions of the final image
// from its top-left corner, then map to the page directly, and text extraction reads upright.
import type { Matrix } from "../../scans/pdf/content.js";
import type { PageGeometry } from "../../scans/pdf/page.js";
import type { Half, Rotation } from "../../scans/pdf/types.js";

export interface Placement {
  /** Output page size in points. */
  width: number;
  height: number;
  /** From the source page's user space to the output page's, outermost first (successive `cm`). */
  transforms: Matrix[];
}

interface Size {
  width: number;
  height: number;
}

export function placement(geometry: Pick<PageGeometry, "box" | "rotate">, half: Half, rotation: Rotation): Placement {
  const { box } = geometry;
  // Each step maps display coordinates (points from the top-left corner, y down) to the next.
  const steps: Matrix[] = [[1, 0, 0, -1, -box.x0, box.y1]];
  let size: Size = { width: box.x1 - box.x0, height: box.y1 - box.y0 };
  size = turn(steps, size, geometry.rotate);
  if (half !== "FULL") {
    size = { width: size.width / 2, height: size.height };
    if (half === "RIGHT") steps.push([1, 0, 0, 1, -size.width, 0]);
  }
  size = turn(steps, size, rotation);
  steps.push([1, 0, 0, -1, 0, size.height]); // back to PDF's bottom-left origin, y up
  return { ...size, transforms: steps.reverse() };
}

/** Turns the display clockwise by `rotation` (as /Rotate and the admin's turns do). */
function turn(steps: Matrix[], size: Size, rotation: Rotation): Size {
  const { width: w, height: h } = size;
  // x' = a·x + c·y + e, y' = b·x + d·y + f
  if (rotation === 90) steps.push([0, 1, -1, 0, h, 0]); // (x, y) → (h − y, x)
  if (rotation === 180) steps.push([-1, 0, 0, -1, w, h]); // (x, y) → (w − x, h − y)
  if (rotation === 270) steps.push([0, -1, 1, 0, 0, w]); // (x, y) → (y, w − x)
  return rotation === 90 || rotation === 270 ? { width: h, height: w } : size;
}
