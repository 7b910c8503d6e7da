// Bounded inflation of FlateDecode streams. zlib stops as soon as the output would pass the
// bound, so a small stream that expands to gigabytes (a decompression bomb) costs nothing.
import { constants, inflateSync } from "node:zlib";
import { ScanPageError, frenchNumber } from "./errors.js";

/**
 * Inflates `data`, refusing the page when the output would exceed `bound` bytes.
 * Returns undefined for a corrupt stream: the caller then lets pdf.js try (it is more lenient).
 */
export function inflateBounded(data: Uint8Array, bound: number): Buffer | undefined {
  try {
    // Z_SYNC_FLUSH keeps what was inflated from a truncated stream instead of throwing.
    return inflateSync(data, { maxOutputLength: Math.max(1, bound), finishFlush: constants.Z_SYNC_FLUSH });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw inflatedPastBound(bound);
    return undefined;
  }
}

/** The refusal of a stream that decodes to more than `bound` bytes, whatever its filter. */
export function inflatedPastBound(bound: number): ScanPageError {
  return new ScanPageError(`Un flux compressé de la page se décompresse au-delà de la taille attendue (${frenchNumber(bound)} octets) : fichier refusé.`);
}

/**
 * The inflation bound for image samples of `expected` bytes: some PDF writers leave a little
 * padding after the samples, which readers ignore; a bomb is far beyond this.
 */
export function imageBound(expected: number, rowBytes: number): number {
  return expected + Math.max(1024, rowBytes);
}

/** Refuses an image whose declared size alone exceeds the pixel budget. */
export function checkDeclaredPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new ScanPageError(
      `La page déclare une image de ${frenchNumber(width)} × ${frenchNumber(height)} pixels : fichier refusé.`,
    );
  }
}
