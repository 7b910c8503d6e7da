// Scan pages are converted on worker threads. Much of a conversion is JavaScript (reading the
// PDF, the JPEG parse that cuts A3 sheets, near-blank detection): on the worker's main thread
// it would run one page at a time whatever the job concurrency, and hold up the queue's work.
import "sharp"; // sharp must be loaded by the main thread before any worker thread loads it
import { Piscina } from "piscina";
import { ScanPageError } from "./errors.js";
import type { Outcome, PageTask, WrittenImage } from "./thread.js";
import type { Half, ScanPageResult } from "./types.js";

export type { PageTask, WrittenImage } from "./thread.js";

function refusalOf(error: unknown, limits: PoolLimits): ScanPageError | undefined {
  if (error instanceof Error && error.name === "AbortError") {
    const seconds = Math.round(limits.pageTimeoutMs / 1000);
    return new ScanPageError(`La conversion de cette page a été arrêtée au bout de ${seconds} s : la page est anormalement complexe. Rescannez-la, ou relancez-la si le serveur était très chargé.`);
  }
  if ((error as NodeJS.ErrnoException | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY") {
    return new ScanPageError("La conversion de cette page demandait trop de mémoire : elle a été arrêtée. Rescannez la page.");
  }
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
  private readonly pool: Piscina;
  /** Conversions on a thread now, and those waiting for one (the worker runs more jobs than threads). */
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limits: PoolLimits) {
    const compiled = import.meta.url.endsWith(".js");
    const loaderMissing = !compiled && !process.execArgv.some((arg) => arg.includes("tsx"));
    this.pool = new Piscina({
      filename: new URL(`./thread.${compiled ? "js" : "ts"}`, import.meta.url).href,
      minThreads: limits.threads,
      maxThreads: limits.threads,
      resourceLimits: { maxOldGenerationSizeMb: limits.threadHeapMb },
      // From TypeScript sources under a runner that transforms them itself (vitest), the thread
      // needs tsx's loader.
      execArgv: loaderMissing ? [...process.execArgv, "--import", "tsx"] : process.execArgv,
    });
  }

  /**
   * Converts a page and writes its files. A refused page rejects with its ScanPageError; so does
   * one that takes too long or too much memory (a decompression bomb, a pathological drawing):
   * its thread is stopped and replaced, the worker goes on.
   */
  async convert(task: PageTask): Promise<{ source: ScanPageResult["source"]; images: Partial<Record<Half, WrittenImage>> }> {
    // A task waits here for a free thread, not in piscina's queue: the time limit counts from
    // the start of its own conversion, not from behind the pages queued before it.
    await this.threadFree();
    let outcome: Outcome;
    try {
      outcome = (await this.pool.run(task, { signal: AbortSignal.timeout(this.limits.pageTimeoutMs) })) as Outcome;
    } catch (error) {
      throw refusalOf(error, this.limits) ?? error;
    } finally {
      this.release();
    }
    if (!outcome.ok) throw new ScanPageError(outcome.reason);
    return { source: outcome.source, images: outcome.images };
  }

  private async threadFree(): Promise<void> {
    if (this.running < this.limits.threads) {
      this.running += 1;
      return;
    }
    // release() hands its slot over: `running` stays counted for the waiter.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }

  close(): Promise<void> {
    return this.pool.destroy();
  }
}
