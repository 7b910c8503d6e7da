// Scan pages are converted on worker threads. Much of a conversion is JavaScript (reading the
// PDF, the JPEG parse that cuts A3 sheets, near-blank detection): on the worker's main thread
// it would run one page at a time whatever the job concurrency, and hold up the queue's work.
import "sharp"; // sharp must be loaded by the main thread before any worker thread loads it
import { Piscina } from "piscina";
import { ScanPageError } from "./errors.js";
import type { Outcome, PageTask, WrittenImage } from "./thread.js";
import type { Half, ScanPageResult } from "./types.js";

export type { PageTask, WrittenImage } from "./thread.js";

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

  /** Converts a page and writes its files; a refused page rejects with its ScanPageError. */
  async convert(task: PageTask): Promise<{ source: ScanPageResult["source"]; images: Partial<Record<Half, WrittenImage>> }> {
    const outcome = (await this.pool.run(task)) as Outcome;
    if (!outcome.ok) throw new ScanPageError(outcome.reason);
    return { source: outcome.source, images: outcome.images };
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
