// A few tesseract.js workers, started on first use and shared by every request. Starting one
// costs about a second (loading the French and English models), recognising a header strip a
// few tens of milliseconds, so workers are kept for the reader's lifetime. Everything comes from
// node_modules: nothing is downloaded.
import { access, mkdir, readFile, readlink, rename, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { createWorker, OEM, type Page, type PSM, type Worker } from "tesseract.js";

export interface OcrJob {
  /** Any image format leptonica reads; the reader sends binary PGM, which costs nothing to write. */
  image: Buffer;
  psm: PSM;
  whitelist: string;
}

const LANGUAGES = ["fra", "eng"] as const;

export class OcrPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: { resolve: (worker: Worker) => void; reject: (error: Error) => void }[] = [];
  private readonly workers: Promise<Worker>[] = [];
  private readonly running = new Set<Promise<unknown>>();
  private langPath: Promise<string> | undefined;
  private closed = false;

  constructor(
    private readonly threads: number,
    private readonly cacheDir: string,
  ) {}

  async recognize(job: OcrJob): Promise<Page> {
    const worker = await this.acquire();
    // Parameters given with a job apply to that job only (tesseract.js restores them after).
    const parameters = { tessedit_pageseg_mode: job.psm, tessedit_char_whitelist: job.whitelist };
    const recognising = worker.recognize(job.image, parameters as object, { text: false, blocks: true });
    this.running.add(recognising);
    try {
      return (await recognising).data;
    } finally {
      this.running.delete(recognising);
      this.release(worker);
    }
  }

  /** Lets running jobs finish (a worker terminated mid-job never answers), then stops the workers. */
  async close(): Promise<void> {
    this.closed = true;
    this.failWaiting(new Error("OCR pool closed"));
    await Promise.allSettled([...this.running]);
    const started = await Promise.allSettled(this.workers.splice(0));
    await Promise.all(started.map((outcome) => (outcome.status === "fulfilled" ? outcome.value.terminate() : undefined)));
  }

  private acquire(): Promise<Worker> {
    if (this.closed) return Promise.reject(new Error("OCR pool closed"));
    const worker = this.idle.pop();
    if (worker) return Promise.resolve(worker);
    const waiter = new Promise<Worker>((resolve, reject) => this.waiting.push({ resolve, reject }));
    if (this.workers.length < this.threads) this.spawn();
    return waiter;
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next) next.resolve(worker);
    else this.idle.push(worker);
  }

  private spawn(): void {
    const started = this.startWorker();
    this.workers.push(started);
    started.then(
      (worker) => this.release(worker),
      (error: unknown) => {
        // A worker that cannot start (models missing, say) fails every request waiting for one;
        // forgotten, it is tried again on the next request.
        const at = this.workers.indexOf(started);
        if (at >= 0) this.workers.splice(at, 1);
        this.failWaiting(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }

  private failWaiting(error: Error): void {
    for (const { reject } of this.waiting.splice(0)) reject(error);
  }

  private async startWorker(): Promise<Worker> {
    this.langPath ??= prepareModels(this.cacheDir).catch((error: unknown) => {
      this.langPath = undefined; // Tried again with the next worker: the disk may have been full.
      throw error;
    });
    const langPath = await this.langPath;
    // tesseract.js throws from its message handler (an uncaught exception) unless an error
    // handler is given; failures still reach us as rejected promises. The cache is only read
    // ("readOnly"): prepareModels wrote it whole, which tesseract.js does not guarantee.
    const worker = await createWorker(LANGUAGES.join("+"), OEM.LSTM_ONLY, {
      langPath,
      gzip: true,
      cachePath: this.cacheDir,
      cacheMethod: "readOnly",
      errorHandler: () => {},
    });
    // The strips carry no resolution; without one tesseract warns on every call.
    await worker.setParameters({ user_defined_dpi: "300" });
    return worker;
  }
}

/**
 * tesseract.js takes one folder for every language, and the two models come in two packages: one
 * folder of links to both. It also caches each model unzipped in cachePath, written in place, so
 * a process starting while another writes would read half a model: the cache is written here
 * instead, under a temporary name then renamed, as are the links. Returns the folder of links.
 */
async function prepareModels(cacheDir: string): Promise<string> {
  const folder = path.join(cacheDir, "lang");
  await mkdir(folder, { recursive: true });
  const require = createRequire(import.meta.url);
  for (const lang of LANGUAGES) {
    const source = path.join(path.dirname(require.resolve(`@tesseract.js-data/${lang}/package.json`)), "4.0.0_best_int", `${lang}.traineddata.gz`);
    const link = path.join(folder, `${lang}.traineddata.gz`);
    if ((await readlink(link).catch(() => null)) !== source) {
      await replaceWith(link, (temporary) => symlink(source, temporary));
    }
    const cached = path.join(cacheDir, `${lang}.traineddata`);
    if (!(await access(cached).then(() => true, () => false))) {
      await replaceWith(cached, async (temporary) => writeFile(temporary, gunzipSync(await readFile(source))));
    }
  }
  return folder;
}

async function replaceWith(target: string, write: (temporary: string) => Promise<void>): Promise<void> {
  const temporary = `${target}.${process.pid}.${Date.now()}`;
  await write(temporary);
  await rename(temporary, target);
}
