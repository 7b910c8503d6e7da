// The worker's side of scan ingestion. Every step can run twice (retry, crash, recovery
// sweep) with the same result: rows are keyed by (batch, booklet index) and (batch, scan
// page, half), files by the same keys and written atomically, job ids are deterministic.
import { readFile, readdir, rename, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { UnrecoverableError, type Job } from "bullmq";
import type { AppContext } from "../../lib/context.js";
import { run } from "../../lib/exec.js";
import { jobId } from "../../lib/jobs.js";
import { liveWorkers } from "../../lib/heartbeat.js";
import { splitPageName, Storage, type PageHalf } from "../../lib/storage.js";
import { layoutMismatch, planBooklets, type SourceFile } from "./layout.js";
import { inspectPage, ScanPageError } from "./pdf/page-images.js";
import type { ScanPagePool } from "./pdf/pool.js";

export interface PipelineEnv {
  ctx: AppContext;
  workerId: string;
  scanPages: ScanPagePool;
}

const tmpOwner = (workerId: string) => `worker-${workerId}`;

/** Where scan page `scanPageIndex` of a batch is split to. */
function splitPageFile(workDir: string, scanPageIndex: number, pageCount: number): string {
  return path.join(workDir, splitPageName(scanPageIndex, pageCount));
}

// The batch is split a run of pages at a time and each run's renders are enqueued at once, so
// that pages are converted while the rest is still being split. The first run is short: the
// layout check needs page 1, and the progress bar should move within a second.
const FIRST_RUN = 8;
const RUN = 32;

interface PageRun {
  from: number;
  to: number;
}

function pageRuns(pageCount: number): PageRun[] {
  const runs: PageRun[] = [];
  for (let from = 0; from < pageCount; ) {
    const to = Math.min(pageCount, from + (from === 0 ? FIRST_RUN : RUN));
    runs.push({ from, to });
    from = to;
  }
  return runs;
}

/** Splits scan pages [from, to) into the work folder; each file appears whole (renamed into place). */
async function splitRun(storage: Storage, batch: { id: string; storagePath: string; pageCount: number }, pages: PageRun): Promise<void> {
  const workDir = storage.abs(storage.workDir(batch.id));
  const runDir = await storage.ensureDir(path.join(storage.workDir(batch.id), `run-${pages.from}`));
  const range = `${pages.from + 1}-${pages.to}`;
  const split = await run("qpdf", ["--decrypt", "--split-pages", storage.abs(batch.storagePath), "--pages", ".", range, "--", path.join(runDir, "page.pdf")], 600_000);
  if (split.code !== 0 && split.code !== 3) throw new Error(`qpdf --split-pages failed (${split.code}): ${split.stderr.slice(0, 500)}`);
  const count = pages.to - pages.from;
  for (let i = 0; i < count; i++) await rename(splitPageFile(runDir, i, count), splitPageFile(workDir, pages.from + i, batch.pageCount));
  await rm(runDir, { recursive: true, force: true });
}

async function failBatch(ctx: AppContext, batchId: string, error: string): Promise<void> {
  await ctx.db.scanBatch.update({ where: { id: batchId }, data: { status: "FAILED", stage: null, error } });
}

export async function splitBatch(env: PipelineEnv, batchId: string): Promise<{ scanPages: number }> {
  const { ctx } = env;
  const storage = new Storage(ctx.config.DATA_DIR);
  const batch = await ctx.db.scanBatch.findUnique({ where: { id: batchId }, include: { exam: { select: { pagesPerCopy: true } } } });
  if (!batch || batch.status === "DONE") return { scanPages: 0 };
  await ctx.db.scanBatch.update({ where: { id: batchId }, data: { status: "PROCESSING", stage: "split", error: null } });

  const runs = pageRuns(batch.pageCount);
  // A retried split (after a crash) finds the rows planned: it splits and enqueues only the
  // runs that still have pages to convert.
  const planned = (await ctx.db.page.count({ where: { batchId } })) > 0;
  if (!planned) {
    await splitRun(storage, batch, runs[0]!);
    const first = await inspectPage(await readFile(splitPageFile(storage.abs(storage.workDir(batchId)), 0, batch.pageCount)));
    const mismatch = layoutMismatch(batch.layout, first.widthPt, first.heightPt);
    if (mismatch) {
      await failBatch(ctx, batchId, mismatch);
      return { scanPages: 0 };
    }
    await planBatch(ctx, { ...batch, pagesPerCopy: batch.exam.pagesPerCopy });
  }

  const pending = await ctx.db.page.findMany({ where: { batchId, status: "PENDING" }, distinct: ["scanPageIndex"], select: { scanPageIndex: true } });
  for (const [i, pages] of runs.entries()) {
    const todo = pending.filter(({ scanPageIndex }) => scanPageIndex >= pages.from && scanPageIndex < pages.to);
    if (todo.length === 0) continue;
    if (planned || i > 0) await splitRun(storage, batch, pages);
    await ctx.queues.enqueueMany("page.render", todo.map(({ scanPageIndex }) => ({ payload: { batchId, scanPageIndex }, jobId: jobId.render(batchId, scanPageIndex) })));
  }
  // Until here renders may finish every page but not settle the batch: the split folder is
  // still being written. From now on the last render (or this) settles it.
  await ctx.db.scanBatch.update({ where: { id: batchId }, data: { stage: "pages" } });
  await settleBatch(ctx, batchId);
  return { scanPages: batch.pageCount };
}

/** Booklet and Page rows of a batch, with the booklets' warnings on the batch. */
async function planBatch(ctx: AppContext, batch: { id: string; schoolId: string; examId: string; layout: BatchFacts["layout"]; pageCount: number; pagesPerCopy: number; sourceFiles: unknown }): Promise<void> {
  const batchId = batch.id;
  const booklets = planBooklets({
    layout: batch.layout,
    scanPageCount: batch.pageCount,
    pagesPerCopy: batch.pagesPerCopy,
    sourceFiles: batch.sourceFiles as SourceFile[] | null,
  });
  await ctx.db.$transaction(async (tx) => {
    await tx.booklet.createMany({
      data: booklets.map((b) => ({ schoolId: batch.schoolId, examId: batch.examId, batchId, index: b.index, warnings: b.warnings, sourceName: b.sourceName ?? null })),
      skipDuplicates: true,
    });
    const ids = new Map((await tx.booklet.findMany({ where: { batchId }, select: { id: true, index: true } })).map((b) => [b.index, b.id]));
    await tx.page.createMany({
      data: booklets.flatMap((b) => b.pages.map((p) => ({ schoolId: batch.schoolId, batchId, bookletId: ids.get(b.index)!, ...p }))),
      skipDuplicates: true,
    });
    const warnings = booklets.flatMap((b) => b.warnings.map((w) => `Liasse ${b.index} : ${w}`));
    await tx.scanBatch.update({ where: { id: batchId }, data: { warnings } });
  });
}

/**
 * The page's own single-page PDF, relative to DATA_DIR: in the split folder, or cut again from
 * the batch file into the worker's temporary folder (`temporary` then says so).
 */
async function scanPagePdf(env: PipelineEnv, storage: Storage, batch: { id: string; storagePath: string; pageCount: number }, scanPageIndex: number): Promise<{ path: string; temporary: boolean }> {
  const split = splitPageFile(storage.workDir(batch.id), scanPageIndex, batch.pageCount);
  if (existsSync(storage.abs(split))) return { path: split, temporary: false };
  const out = path.join(await storage.ensureDir(storage.tmpDir(tmpOwner(env.workerId))), `${batch.id}-${scanPageIndex}.pdf`);
  const result = await run("qpdf", ["--decrypt", storage.abs(batch.storagePath), "--pages", ".", String(scanPageIndex + 1), "--", out], 120_000);
  if (result.code !== 0 && result.code !== 3) throw new Error(`qpdf could not extract page ${scanPageIndex + 1}`);
  return { path: path.relative(storage.root, out), temporary: true };
}

interface BatchFacts {
  schoolId: string;
  layout: "A4_BATCH" | "A3_DOUBLE" | "INDIVIDUAL_FILES";
  storagePath: string;
  pageCount: number;
}

// What a render needs to know of its batch never changes once pages exist: one query per
// batch and worker instead of one per page.
const factsCache = new Map<string, BatchFacts>();
async function batchFacts(ctx: AppContext, batchId: string): Promise<BatchFacts | null> {
  const cached = factsCache.get(batchId);
  if (cached) return cached;
  const facts = await ctx.db.scanBatch.findUnique({ where: { id: batchId }, select: { schoolId: true, layout: true, storagePath: true, pageCount: true } });
  if (facts) {
    if (factsCache.size > 200) factsCache.clear();
    factsCache.set(batchId, facts);
  }
  return facts;
}

export async function renderPage(env: PipelineEnv, batchId: string, scanPageIndex: number, job: Job): Promise<{ source: string }> {
  const { ctx } = env;
  const storage = new Storage(ctx.config.DATA_DIR);
  const batch = await batchFacts(ctx, batchId);
  if (!batch) return { source: "none" };
  const halves: PageHalf[] = batch.layout === "A3_DOUBLE" ? ["LEFT", "RIGHT"] : ["FULL"];
  const targets = Object.fromEntries(halves.map((half) => [half, {
    image: storage.pageImagePath(batch.schoolId, batchId, scanPageIndex, half, "image"),
    thumb: storage.pageImagePath(batch.schoolId, batchId, scanPageIndex, half, "thumb"),
  }]));
  try {
    const pdf = await scanPagePdf(env, storage, { id: batchId, ...batch }, scanPageIndex);
    try {
      const result = await env.scanPages.convert({
        dataDir: ctx.config.DATA_DIR, pdf: pdf.path, targets, tmpOwner: tmpOwner(env.workerId),
        options: { split: batch.layout === "A3_DOUBLE" ? "halves" : "none" },
      });
      for (const half of halves) await markPageDone(ctx, batchId, scanPageIndex, half, { ...targets[half]!, ...result.images[half]!, source: result.source });
      if (!(await anyPagePending(ctx, batchId))) await settleBatch(ctx, batchId);
      return { source: result.source };
    } finally {
      if (pdf.temporary) await storage.remove(pdf.path);
    }
  } catch (error) {
    const permanent = error instanceof ScanPageError;
    if (permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
      const reason = permanent ? error.reason : "La conversion de cette page a échoué plusieurs fois. Relancez-la ; si l'échec persiste, rescannez la page.";
      await ctx.db.page.updateMany({ where: { batchId, scanPageIndex }, data: { status: "FAILED", error: reason } });
      await settleBatch(ctx, batchId);
    }
    if (permanent) throw new UnrecoverableError(error.reason);
    throw error;
  }
}

// The two statements below run for every page of every batch. Written in SQL, they cost about
// a quarter of the CPU of the same Prisma calls (measured: 0.9 against 3.7 ms for the update).

/** Each Page row is keyed by (batch, scan page, half) and written whole: a retry writes the same values again. */
async function markPageDone(ctx: AppContext, batchId: string, scanPageIndex: number, half: PageHalf, page: { image: string; thumb: string; width: number; height: number; nearBlank: boolean; source: string }): Promise<void> {
  await ctx.db.$executeRaw`
    UPDATE "Page" SET "status" = 'DONE', "error" = NULL, "imagePath" = ${page.image}, "thumbPath" = ${page.thumb},
      "width" = ${page.width}, "height" = ${page.height}, "nearBlank" = ${page.nearBlank}, "source" = ${page.source}, "updatedAt" = now()
    WHERE "batchId" = ${batchId}::uuid AND "scanPageIndex" = ${scanPageIndex} AND "half" = ${half}::"PageHalf"`;
}

/**
 * Whether a page of the batch is still to do. Each job asks after its own rows are committed,
 * so the job that finishes last sees none left and settles the batch.
 */
async function anyPagePending(ctx: AppContext, batchId: string): Promise<boolean> {
  const [row] = await ctx.db.$queryRaw<{ pending: boolean }[]>`
    SELECT EXISTS (SELECT 1 FROM "Page" WHERE "batchId" = ${batchId}::uuid AND "status" = 'PENDING') AS "pending"`;
  return row?.pending ?? false;
}

/** When no page is left to do, the batch is DONE (or FAILED, naming how many pages failed). */
async function settleBatch(ctx: AppContext, batchId: string): Promise<void> {
  const counts = await ctx.db.page.groupBy({ by: ["status"], where: { batchId }, _count: { _all: true } });
  const count = (status: string) => counts.find((c) => c.status === status)?._count._all ?? 0;
  if (counts.length === 0 || count("PENDING") > 0) return;
  const failed = count("FAILED");
  // While the split job is still at work (stage "split") it settles the batch itself at its end.
  const settled = await ctx.db.scanBatch.updateMany({
    where: { id: batchId, OR: [{ stage: null }, { stage: { not: "split" } }] },
    data: failed > 0
      ? { status: "FAILED", stage: null, error: `${failed} page(s) n'ont pas pu être converties : relancez-les.` }
      : { status: "DONE", stage: null, error: null },
  });
  if (settled.count === 1 && failed === 0) {
    const storage = new Storage(ctx.config.DATA_DIR);
    const { schoolId } = await ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId }, select: { schoolId: true } });
    // The split pages are kept: graded PDFs copy their pages from them.
    if (existsSync(storage.abs(storage.workDir(batchId)))) await storage.moveDir(storage.workDir(batchId), storage.sourcePagesDir(schoolId, batchId));
    // Should Redis fail here, the worker's recovery sweep starts the identification.
    await ctx.queues.ensure("batch.identify", { batchId }, jobId.identifyBatch(batchId));
  }
}

/**
 * Picks up work left half done by a crash: batches never split or split half-way, pages never rendered, and
 * temporary files of workers that are no longer alive. Run at worker start and by the CLI.
 */
export async function recoverScans(ctx: AppContext, aliveWorkerId?: string): Promise<{ batches: number; pages: number; tmpDirsRemoved: number }> {
  const storage = new Storage(ctx.config.DATA_DIR);
  const open = await ctx.db.scanBatch.findMany({ where: { status: { in: ["UPLOADED", "PROCESSING"] } }, select: { id: true, stage: true } });
  let pages = 0;
  for (const { id, stage } of open) {
    const pending = await ctx.db.page.findMany({ where: { batchId: id, status: "PENDING" }, distinct: ["scanPageIndex"], select: { scanPageIndex: true } });
    const planned = pending.length > 0 || (await ctx.db.page.count({ where: { batchId: id } })) > 0;
    // A split that did not finish splitting runs again: it settles the batch at its end.
    if (!planned || stage === "split") await ctx.queues.ensure("scan.split", { batchId: id }, jobId.split(id));
    for (const { scanPageIndex } of pending) await ctx.queues.ensure("page.render", { batchId: id, scanPageIndex }, jobId.render(id, scanPageIndex));
    pages += pending.length;
    if (planned && pending.length === 0) await settleBatch(ctx, id);
  }
  return { batches: open.length, pages, tmpDirsRemoved: await removeDeadWorkersTmp(ctx, storage, aliveWorkerId) };
}

async function removeDeadWorkersTmp(ctx: AppContext, storage: Storage, aliveWorkerId?: string): Promise<number> {
  const tmpRoot = storage.abs("tmp");
  if (!existsSync(tmpRoot)) return 0;
  const alive = new Set([...(await liveWorkers(ctx.redis, ctx.config.REDIS_PREFIX)), ...(aliveWorkerId ? [aliveWorkerId] : [])].map((id) => path.basename(storage.tmpDir(tmpOwner(id)))));
  let removed = 0;
  for (const dir of await readdir(tmpRoot)) {
    if (dir.startsWith("worker-") && !alive.has(dir)) {
      await storage.remove(path.join("tmp", dir));
      removed++;
    }
  }
  return removed;
}
