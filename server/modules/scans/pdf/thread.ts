// A worker thread of ScanPagePool: reads one scan page's PDF, converts it and writes its images
// to the files the job names (in its scratch folder), so that the bytes never pass through the
// main thread. A refusal (ScanPageError) crosses back as a value: errors lose their class
// between threads.
import { readFile, writeFile } from "node:fs/promises";
import { scanPageToImages, ScanPageError } from "./page-images.js";
import type { Half, ScanPageOptions, ScanPageResult } from "./types.js";

export interface PageTask {
  /** The single-page PDF (a local file). */
  pdf: string;
  options: ScanPageOptions;
  /** The local files each expected half's image and thumbnail are written to (their folder exists). */
  targets: Partial<Record<Half, { image: string; thumb: string }>>;
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
  let result: ScanPageResult;
  try {
    result = await scanPageToImages(await readFile(task.pdf), task.options);
  } catch (error) {
    if (error instanceof ScanPageError) return { ok: false, reason: error.reason };
    throw error;
  }
  const images: Partial<Record<Half, WrittenImage>> = {};
  for (const [half, target] of Object.entries(task.targets) as [Half, { image: string; thumb: string }][]) {
    const image = result.images[half];
    if (!image) throw new Error(`no ${half} image for ${task.pdf}`);
    await Promise.all([writeFile(target.image, image.image), writeFile(target.thumb, image.thumb)]);
    images[half] = { width: image.width, height: image.height, nearBlank: image.nearBlank };
  }
  return { ok: true, source: result.source, images };
}
