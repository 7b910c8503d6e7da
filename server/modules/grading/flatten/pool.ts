// Graded PDFs are drawn on worker threads: pdf-lib is JavaScript, and on the worker's main
// thread it would draw one copy at a time whatever the job concurrency.
import { ThreadPool, threadLimitHit } from "../../../lib/threads.js";
import type { GradedCopyInput } from "./render.js";

/** A failure the same input would hit again: no point in retrying the job. */
export class FlattenError extends Error {}

/** One page's source: page `pageIndex` of `file` (a local file), cut from the batch `batchPath` (a stored file's key). */
export interface SourceFile {
  batchPath: string;
  scanPageIndex: number;
  file: string;
  pageIndex: number;
}

export interface FlattenTask {
  /** The local file the graded PDF is written to (in the job's scratch folder; its folder exists). */
  target: string;
  /** Per page of the copy, in order: where its scan page is, and how it was shown. */
  sources: SourceFile[];
  pages: { half: "FULL" | "LEFT" | "RIGHT"; rotation: 0 | 90 | 180 | 270 }[];
  input: Omit<GradedCopyInput, "pages" | "gradedAt"> & { gradedAt: string };
}

export interface WrittenPdf {
  sha256: string;
  sizeBytes: number;
}

export class FlattenPool {
  private readonly pool: ThreadPool;

  constructor(private readonly limits: { threads: number; timeoutMs: number }) {
    this.pool = new ThreadPool({ module: new URL("./thread.js", import.meta.url), threads: limits.threads, threadHeapMb: 512 });
  }

  async render(task: FlattenTask): Promise<WrittenPdf> {
    try {
      return await this.pool.run<WrittenPdf>(task, this.limits.timeoutMs);
    } catch (error) {
      const hit = threadLimitHit(error);
      if (hit) throw new FlattenError(`La génération du PDF corrigé a été arrêtée (${hit === "time" ? "trop longue" : "trop de mémoire"}) : la copie est anormalement lourde. Prévenez l'administrateur.`);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
