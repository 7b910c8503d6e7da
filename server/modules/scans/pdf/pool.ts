// Scan pages are converted on worker threads. Much of a conversion is JavaScript (reading the
// PDF, the JPEG parse that cuts A3 sheets, near-blank detection): on the worker's main thread
// it would run one page at a time whatever the job concurrency, and hold up the queue's work.
import "sharp"; // sharp must be loaded by the main thread before any worker thread loads it
import { Piscina } from "piscina";
import { ScanPageError } from "./errors.js";
import type { Outcome } from "./thread.js";
import type { ScanPageOptions, ScanPageResult, WebImage } from "./types.js";

export class ScanPagePool {
  private readonly pool: Piscina;

  constructor(threads: number) {
    const compiled = import.meta.url.endsWith(".js");
    const loaderMissing = !compiled && !process.execArgv.some((arg) => arg.includes("tsx"));
    this.pool = new Piscina({
      filename: new URL(`./thread.${compiled ? "js" : "ts"}`, import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      // From TypeScript sources under a runner that transforms them itself (vitest), the thread
      // needs tsx's loader.
      execArgv: loaderMissing ? [...process.execArgv, "--import", "tsx"] : process.execArgv,
    });
  }

  async convert(pdf: Uint8Array, options: ScanPageOptions): Promise<ScanPageResult> {
    const outcome = (await this.pool.run({ pdf, options })) as Outcome;
    if (!outcome.ok) throw new ScanPageError(outcome.reason);
    const images = Object.fromEntries(Object.entries(outcome.result.images).map(([half, image]) => [half, asBuffers(image)]));
    return { ...outcome.result, images };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}

// Buffers cross threads as plain Uint8Arrays.
function asBuffers(image: WebImage): WebImage {
  const buffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { ...image, image: buffer(image.image), thumb: buffer(image.thumb) };
}
