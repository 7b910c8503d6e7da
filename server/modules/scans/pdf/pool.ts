// Scan pages are converted on worker threads. Much of a conversion is JavaScript (reading the
// PDF, the JPEG parse that cuts A3 sheets, near-blank detection): on the worker's main thread
// it would run one page at a time whatever the job concurrency, and hold up the queue's work.
import "sharp"; // sharp must be loaded by the main thread before any worker thread loads it
import { ThreadPool, threadLimitHit } from "../../../lib/threads.js";
import { ScanPageError } from "./errors.js";
import type { Outcome, PageTask, WrittenImage } from "./thread.js";
import type { Half, ScanPageResult } from "./types.js";

export type { PageTask, WrittenImage } from "./thread.js";

function refusalOf(error: unknown, limits: PoolLimits): ScanPageError | undefined {
  const hit = threadLimitHit(error);
  if (hit === "time") {
    const seconds = Math.round(limits.pageTimeoutMs / 1000);
    return new ScanPageError(`La conversion de cette page a été arrêtée au bout de ${seconds} s : la page est anormalement complexe. Rescannez-la, ou relancez-la si le serveur était très chargé.`);
  }
  if (hit === "memory") return new ScanPageError("La conversion de cette page demandait trop de mémoire : elle a été arrêtée. Rescannez la page.");
  return undefined;
}

export interface PoolLimits {
  threads: number;
  /** A conversion still running after this long is stopped (its thread is terminated). */
  pageTimeoutMs: number;
  /** JavaScript heap of each thread: a page that needs more fails instead of the worker. */
  threadHeapMb: number;
}

export class ScanPagePool {
  private readonly pool: ThreadPool;

  constructor(private readonly limits: PoolLimits) {
    this.pool = new ThreadPool({ module: new URL("./thread.js", import.meta.url), threads: limits.threads, threadHeapMb: limits.threadHeapMb });
  }

  /**
   * Converts a page and writes its files. A refused page rejects with its ScanPageError; so does
   * one that takes too long or too much memory (a decompression bomb, a pathological drawing):
   * its thread is stopped and replaced, the worker goes on.
   */
  async convert(task: PageTask): Promise<{ source: ScanPageResult["source"]; images: Partial<Record<Half, WrittenImage>> }> {
    let outcome: Outcome;
    try {
      outcome = await this.pool.run<Outcome>(task, this.limits.pageTimeoutMs);
    } catch (error) {
      throw refusalOf(error, this.limits) ?? error;
    }
    if (!outcome.ok) throw new ScanPageError(outcome.reason);
    return { source: outcome.source, images: outcome.images };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
