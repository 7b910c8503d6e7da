// A worker thread of ScanPagePool: reads one scan page's PDF, converts it and writes its images
// where the job says, so that neither the files nor their bytes pass through the main thread.
// A refusal (ScanPageError) crosses back as a value: errors lose their class between threads.
import { readFile } from "node:fs/promises";
import { Storage } from "../../../lib/storage.js";
import { scanPageToImages, ScanPageError } from "./page-images.js";
import type { Half, ScanPageOptions, ScanPageResult } from "./types.js";

export interface PageTask {
  dataDir: string;
  /** The single-page PDF, relative to dataDir. */
  pdf: string;
  options: ScanPageOptions;
  /** Where each expected half's image and thumbnail go, relative to dataDir. */
  targets: Partial<Record<Half, { image: string; thumb: string }>>;
  /** Owner of the temporary files of the atomic writes. */
  tmpOwner: string;
}

export interface WrittenImage {
  width: number;
  height: number;
  nearBlank: boolean;
}

export type Outcome =
  | { ok: true; source: ScanPageResult["source"]; images: Partial<Record<Half, WrittenImage>> }
  | { ok: false; reason: string };

export default async function convert(task: PageTask): Promise<Outcome> {
  const storage = new Storage(task.dataDir);
  let result: ScanPageResult;
  try {
    result = await scanPageToImages(await readFile(storage.abs(task.pdf)), task.options);
  } catch (error) {
    if (error instanceof ScanPageError) return { ok: false, reason: error.reason };
    throw error;
  }
  const images: Partial<Record<Half, WrittenImage>> = {};
  for (const [half, target] of Object.entries(task.targets) as [Half, { image: string; thumb: string }][]) {
    const image = result.images[half];
    if (!image) throw new Error(`no ${half} image for ${task.pdf}`);
    await Promise.all([storage.writeAtomic(target.image, image.image, task.tmpOwner), storage.writeAtomic(target.thumb, image.thumb, task.tmpOwner)]);
    images[half] = { width: image.width, height: image.height, nearBlank: image.nearBlank };
  }
  return { ok: true, source: result.source, images };
}
