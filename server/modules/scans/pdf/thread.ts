// A worker thread of ScanPagePool. A refusal (ScanPageError) crosses back as a value: errors
// lose their class between threads.
import { scanPageToImages, ScanPageError } from "./page-images.js";
import type { ScanPageOptions, ScanPageResult } from "./types.js";

export type Outcome = { ok: true; result: ScanPageResult } | { ok: false; reason: string };

export default async function convert({ pdf, options }: { pdf: Uint8Array; options: ScanPageOptions }): Promise<Outcome> {
  try {
    return { ok: true, result: await scanPageToImages(pdf, options) };
  } catch (error) {
    if (error instanceof ScanPageError) return { ok: false, reason: error.reason };
    throw error;
  }
}
