// A pool of worker threads for CPU-heavy work (piscina), with its own wait line: a task waits
// here for a free thread rather than in piscina's queue, so that a time limit counts from the
// start of its own run, not from behind the tasks queued before it.
import { Piscina } from "piscina";

export interface ThreadPoolOptions {
  /** The thread's module, as `new URL("./thread.js", import.meta.url)` of its caller. */
  module: URL;
  threads: number;
  /** JavaScript heap of each thread: a task that needs more fails instead of the worker. */
  threadHeapMb: number;
}

export class ThreadPool {
  private readonly pool: Piscina;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly options: ThreadPoolOptions) {
    const compiled = import.meta.url.endsWith(".js");
    const loaderMissing = !compiled && !process.execArgv.some((arg) => arg.includes("tsx"));
    this.pool = new Piscina({
      filename: options.module.href.replace(/\.(js|ts)$/, compiled ? ".js" : ".ts"),
      minThreads: options.threads,
      maxThreads: options.threads,
      resourceLimits: { maxOldGenerationSizeMb: options.threadHeapMb },
      // From TypeScript sources under a runner that transforms them itself (vitest), the thread
      // needs tsx's loader.
      execArgv: loaderMissing ? [...process.execArgv, "--import", "tsx"] : process.execArgv,
    });
  }

  /** Runs a task on a thread, stopping it (and replacing its thread) after `timeoutMs`. */
  async run<T>(task: unknown, timeoutMs: number): Promise<T> {
    await this.threadFree();
    try {
      return (await this.pool.run(task, { signal: AbortSignal.timeout(timeoutMs) })) as T;
    } finally {
      this.release();
    }
  }

  private async threadFree(): Promise<void> {
    if (this.running < this.options.threads) {
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

/** Whether a thread was stopped for its time limit or its memory. */
export function threadLimitHit(error: unknown): "time" | "memory" | null {
  if (error instanceof Error && error.name === "AbortError") return "time";
  if ((error as NodeJS.ErrnoException | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY") return "memory";
  return null;
}
