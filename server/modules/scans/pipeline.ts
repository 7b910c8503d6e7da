// The worker's side of scan ingestion. Every step can run twice (retry, crash, recovery
// sweep) with the same result: rows are keyed by (batch, booklet index) and (batch, scan
// page, half), files by the same keys and written atomically, job ids are deterministic.
import { readdir, rm } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { UnrecoverableError, type Job } from "bullmq";
import type { AppContext } from "../../lib/context.js";
import { copyWithQpdf } from "./pdf/qpdf.js";
import { jobId } from "../../lib/jobs.js";
import { audit } from "../../lib/audit.js";
import { liveWorkers } from "../../lib/heartbeat.js";
import { localPathIfStored, Scratch, scratchName, scratchRoot, splitPageName, storedPath, workerOwner, type PageHalf } from "../../lib/storage.js";
import { layoutMismatch, planBooklets, type SourceFile } from "./layout.js";
import { inspectPage, ScanPageError } from "./pdf/page-images.js";
import type { ScanPagePool } from "./pdf/pool.js";

export interface PipelineEnv {
  ctx: AppContext;
  workerId: string;
  scanPages: ScanPagePool;
}

/** Where scan page `scanPageIndex` of a batch is split to (its key in the store). */
const splitPageKey = (batch: { id: string; pageCount: number }, scanPageIndex: number) => storedPath.pageOf(storedPath.splitPages(batch.id), scanPageIndex, batch.pageCount);

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

/** What planning a batch's booklets and pages needs. */
interface BatchPlan {
  id: string;
  schoolId: string;
  examId: string;
  layout: BatchFacts["layout"];
  pageCount: number;
  pagesPerCopy: number;
  sourceFiles: unknown;
}

interface Splitting {
  ctx: AppContext;
  scratch: Scratch;
  /** The batch's PDF as a local file (from object storage: downloaded once per split job). */
  batchFile: string;
  batch: BatchPlan;
}

/** Splits scan pages [from, to) into the store's split folder; each file appears whole (moved or uploaded into place). */
async function splitRun(s: Splitting, pages: PageRun): Promise<void> {
  await s.scratch.withFolder(`split-${pages.from}-`, async (runDir) => {
    const range = `${pages.from + 1}-${pages.to}`;
    const split = await copyWithQpdf(["--split-pages", s.batchFile, "--pages", ".", range, "--", path.join(runDir, "page.pdf")], 600_000);
    if (!split.ok) throw new Error(`qpdf --split-pages failed (${split.code}): ${split.stderr.slice(0, 500)}`);
    const count = pages.to - pages.from;
    await Promise.all(Array.from({ length: count }, (_, i) => s.ctx.files.putFile(splitPageKey(s.batch, pages.from + i), path.join(runDir, splitPageName(i, count)))));
  });
}

async function failBatch(ctx: AppContext, batchId: string, error: string): Promise<void> {
  await ctx.db.scanBatch.update({ where: { id: batchId }, data: { status: "FAILED", stage: null, error } });
}

const SPLIT_FAILED = "Le découpage de ce lot a échoué plusieurs fois (disque du serveur plein ?) : relancez-le ; si l'échec persiste, prévenez l'administrateur.";

/**
 * A split that failed its last attempt fails the batch and its pages still to convert, with the
 * reason: left PROCESSING it would wait in silence for ever. "Retry" starts again from there.
 */
async function failSplit(ctx: AppContext, batchId: string): Promise<void> {
  await ctx.db.$transaction(async (tx) => {
    const failed = await tx.scanBatch.updateMany({ where: { id: batchId, status: { in: ["UPLOADED", "PROCESSING"] } }, data: { status: "FAILED", stage: null, error: SPLIT_FAILED } });
    if (failed.count === 1) await tx.page.updateMany({ where: { batchId, status: "PENDING" }, data: { status: "FAILED", error: SPLIT_FAILED } });
  });
}

export async function splitBatch(env: PipelineEnv, batchId: string, job?: Job): Promise<{ scanPages: number }> {
  const { ctx } = env;
  const batch = await ctx.db.scanBatch.findUnique({ where: { id: batchId }, include: { exam: { select: { pagesPerCopy: true } } } });
  if (!batch || batch.status === "DONE") return { scanPages: 0 };
  await ctx.db.scanBatch.update({ where: { id: batchId }, data: { status: "PROCESSING", stage: "split", error: null } });
  const scratch = Scratch.ofWorker(ctx.config.DATA_DIR, env.workerId);
  try {
    return await scratch.withFolder("batch-", async (folder) =>
      splitInRuns({ ctx, scratch, batchFile: await ctx.files.localPath(batch.storagePath, folder), batch: { ...batch, pagesPerCopy: batch.exam.pagesPerCopy } }),
    );
  } catch (error) {
    if (job && job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) await failSplit(ctx, batchId);
    throw error;
  }
}

async function splitInRuns(s: Splitting): Promise<{ scanPages: number }> {
  const { ctx, batch } = s;
  const batchId = batch.id;
  const runs = pageRuns(batch.pageCount);
  // A retried split (after a crash) finds the rows planned: it splits and enqueues only the
  // runs that still have pages to convert.
  const planned = (await ctx.db.page.count({ where: { batchId } })) > 0;
  if (!planned) {
    await splitRun(s, runs[0]!);
    const first = await inspectPage(await ctx.files.read(splitPageKey(batch, 0)));
    const mismatch = layoutMismatch(batch.layout, first.widthPt, first.heightPt);
    if (mismatch) {
      await failBatch(ctx, batchId, mismatch);
      return { scanPages: 0 };
    }
    await planBatch(ctx, batch);
  }

  const pending = await ctx.db.page.findMany({ where: { batchId, status: "PENDING" }, distinct: ["scanPageIndex"], select: { scanPageIndex: true } });
  for (const [i, pages] of runs.entries()) {
    const todo = pending.filter(({ scanPageIndex }) => scanPageIndex >= pages.from && scanPageIndex < pages.to);
    if (todo.length === 0) continue;
    if (planned || i > 0) await splitRun(s, pages);
    await ctx.queues.enqueueMany("page.render", todo.map(({ scanPageIndex }) => ({ payload: { batchId, scanPageIndex }, jobId: jobId.render(batchId, scanPageIndex) })));
  }
  // Until here renders may finish every page but not settle the batch: the split folder is
  // still being written. From now on the last render (or this) settles it.
  await ctx.db.scanBatch.update({ where: { id: batchId }, data: { stage: "pages" } });
  await settleBatch(ctx, batchId);
  return { scanPages: batch.pageCount };
}

/** Booklet and Page rows of a batch, with the booklets' warnings on the batch. */
async function planBatch(ctx: AppContext, batch: BatchPlan): Promise<void> {
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
 * The page's own single-page PDF as a local file: its split file (from object storage:
 * downloaded into `folder`), or, that file gone, cut again from the batch file into `folder`.
 */
async function scanPagePdf(ctx: AppContext, folder: string, batch: { id: string; storagePath: string; pageCount: number }, scanPageIndex: number): Promise<string> {
  const split = await localPathIfStored(ctx.files, splitPageKey(batch, scanPageIndex), folder);
  if (split) return split;
  const out = path.join(folder, `${batch.id}-${scanPageIndex}.pdf`);
  const result = await copyWithQpdf([await ctx.files.localPath(batch.storagePath, folder), "--pages", ".", String(scanPageIndex + 1), "--", out], 120_000);
  if (!result.ok) throw new Error(`qpdf could not extract page ${scanPageIndex + 1}`);
  return out;
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

type ImageFiles = Partial<Record<PageHalf, { image: string; thumb: string }>>;

const imageFiles = (halves: PageHalf[], place: (half: PageHalf, kind: "image" | "thumb") => string): ImageFiles =>
  Object.fromEntries(halves.map((half) => [half, { image: place(half, "image"), thumb: place(half, "thumb") }]));

/** Converts the page on a thread into image files in `folder`, then stores each under its key. */
async function convertPage(env: PipelineEnv, folder: string, batch: BatchFacts & { id: string }, scanPageIndex: number, halves: PageHalf[], keys: ImageFiles) {
  const pdf = await scanPagePdf(env.ctx, folder, batch, scanPageIndex);
  const files = imageFiles(halves, (half, kind) => path.join(folder, `${half.toLowerCase()}-${kind}.jpg`));
  const result = await env.scanPages.convert({ pdf, targets: files, options: { split: batch.layout === "A3_DOUBLE" ? "halves" : "none" } });
  const stored = await Promise.allSettled(halves.flatMap((half) => [env.ctx.files.putFile(keys[half]!.image, files[half]!.image), env.ctx.files.putFile(keys[half]!.thumb, files[half]!.thumb)]));
  const failed = stored.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (failed) {
    // A page's files are stored all or none: a thumbnail stored beside an image that could not be
    // (object storage, or a copy across file systems, out of room) would be a file no row names.
    await Promise.all(halves.flatMap((half) => [keys[half]!.image, keys[half]!.thumb]).map((key) => env.ctx.files.remove(key).catch(() => undefined)));
    throw failed.reason;
  }
  return result;
}

export async function renderPage(env: PipelineEnv, batchId: string, scanPageIndex: number, job: Job): Promise<{ source: string }> {
  const { ctx } = env;
  const batch = await batchFacts(ctx, batchId);
  if (!batch) return { source: "none" };
  const halves: PageHalf[] = batch.layout === "A3_DOUBLE" ? ["LEFT", "RIGHT"] : ["FULL"];
  const keys = imageFiles(halves, (half, kind) => storedPath.pageImage(batch.schoolId, batchId, scanPageIndex, half, kind));
  try {
    const result = await Scratch.ofWorker(ctx.config.DATA_DIR, env.workerId).withFolder("page-", (folder) => convertPage(env, folder, { id: batchId, ...batch }, scanPageIndex, halves, keys));
    for (const half of halves) await markPageDone(ctx, batchId, scanPageIndex, half, { ...keys[half]!, ...result.images[half]!, source: result.source });
    if (!(await anyPagePending(ctx, batchId))) await settleBatch(ctx, batchId);
    return { source: result.source };
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
  // Only one of the renders finishing together settles it (the others find it settled): two
  // moving the split pages at once would remove each other's.
  const settled = await ctx.db.scanBatch.updateMany({
    where: { id: batchId, status: { in: ["UPLOADED", "PROCESSING"] }, OR: [{ stage: null }, { stage: { not: "split" } }] },
    data: failed > 0
      ? { status: "FAILED", stage: null, error: `${failed} page(s) n'ont pas pu être converties : relancez-les.` }
      : { status: "DONE", stage: null, error: null },
  });
  if (settled.count === 1 && failed === 0) {
    const { schoolId } = await ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchId }, select: { schoolId: true } });
    // The split pages are kept: graded PDFs copy their pages from them.
    await ctx.files.movePrefix(storedPath.splitPages(batchId), storedPath.sourcePages(schoolId, batchId));
    // Should Redis fail here, the worker's recovery sweep starts the identification.
    await ctx.queues.ensure("batch.identify", { batchId }, jobId.identifyBatch(batchId));
  }
}

/** A batch a crash left UPLOADED or PROCESSING with no job at work on it, and what recovery does. */
export interface StuckBatch {
  batchId: string;
  schoolId: string;
  /** The split runs again: never planned, or stopped half-way through splitting. */
  split: boolean;
  /** Scan pages whose render runs again. */
  pages: number[];
  /** Every page is converted but the batch was never settled. */
  settle: boolean;
  /** Its PDF is gone, so the split or renders cannot run: the batch is marked FAILED instead. */
  fileMissing: boolean;
}

/** Batches left half done by a crash: open, and neither a split nor a render job waiting or running for what is left. */
export async function findStuckBatches(ctx: AppContext): Promise<StuckBatch[]> {
  const open = await ctx.db.scanBatch.findMany({ where: { status: { in: ["UPLOADED", "PROCESSING"] } }, select: { id: true, schoolId: true, stage: true, storagePath: true } });
  const stuck: StuckBatch[] = [];
  for (const { id, schoolId, stage, storagePath } of open) {
    const pending = await ctx.db.page.findMany({ where: { batchId: id, status: "PENDING" }, distinct: ["scanPageIndex"], select: { scanPageIndex: true } });
    const planned = pending.length > 0 || (await ctx.db.page.count({ where: { batchId: id } })) > 0;
    // A live split job enqueues the renders and settles the batch itself.
    const splitLive = await ctx.queues.pending("scan.split", jobId.split(id));
    // One question per page, asked together: ioredis pipelines them (a big batch has thousands).
    const live = await Promise.all(pending.map(({ scanPageIndex }) => ctx.queues.pending("page.render", jobId.render(id, scanPageIndex))));
    const pages = pending.filter((_, i) => !live[i]).map(({ scanPageIndex }) => scanPageIndex);
    const split = (!planned || stage === "split") && !splitLive;
    const settle = planned && pending.length === 0 && !splitLive;
    const work = split || pages.length > 0;
    if (work || settle) stuck.push({ batchId: id, schoolId, split, pages, settle, fileMissing: work && !(await ctx.files.exists(storagePath)) });
  }
  return stuck;
}

const BATCH_FILE_MISSING = "Le fichier PDF de ce lot est introuvable : il ne peut plus être converti. Déposez-le de nouveau.";

/** Re-enqueues a stuck batch's split and renders (or settles it); one whose PDF is gone is marked FAILED, audited. */
export async function recoverBatch(ctx: AppContext, batch: StuckBatch): Promise<"requeued" | "settled" | "failed"> {
  if (batch.fileMissing) {
    await ctx.db.$transaction(async (tx) => {
      const failed = await tx.scanBatch.updateMany({ where: { id: batch.batchId, status: { in: ["UPLOADED", "PROCESSING"] } }, data: { status: "FAILED", stage: null, error: BATCH_FILE_MISSING } });
      if (failed.count === 0) return;
      await tx.page.updateMany({ where: { batchId: batch.batchId, status: "PENDING" }, data: { status: "FAILED", error: BATCH_FILE_MISSING } });
      await audit(tx, { schoolId: batch.schoolId, actorType: "system", action: "scan.recovery_failed", targetType: "scan_batch", targetId: batch.batchId, data: { reason: BATCH_FILE_MISSING } });
    });
    return "failed";
  }
  if (batch.split) await ctx.queues.ensure("scan.split", { batchId: batch.batchId }, jobId.split(batch.batchId));
  for (const scanPageIndex of batch.pages) await ctx.queues.ensure("page.render", { batchId: batch.batchId, scanPageIndex }, jobId.render(batch.batchId, scanPageIndex));
  if (batch.settle) await settleBatch(ctx, batch.batchId);
  return batch.split || batch.pages.length > 0 ? "requeued" : "settled";
}

/**
 * Picks up work left half done by a crash: batches never split or split half-way, pages never rendered, and
 * temporary files of workers that are no longer alive. Run at worker start (`korrigo recover` does the same, batch by batch).
 */
export async function recoverScans(ctx: AppContext, aliveWorkerId?: string): Promise<{ batches: number; pages: number; tmpDirsRemoved: number }> {
  const stuck = await findStuckBatches(ctx);
  for (const batch of stuck) await recoverBatch(ctx, batch);
  return { batches: stuck.length, pages: stuck.reduce((n, b) => n + b.pages.length, 0), tmpDirsRemoved: await removeDeadWorkersTmp(ctx, aliveWorkerId) };
}

/** Scratch folders of workers no longer alive (always on the local disk, whatever the file store). */
async function removeDeadWorkersTmp(ctx: AppContext, aliveWorkerId?: string): Promise<number> {
  const tmpRoot = scratchRoot(ctx.config.DATA_DIR);
  if (!existsSync(tmpRoot)) return 0;
  const alive = new Set([...(await liveWorkers(ctx.redis, ctx.config.REDIS_PREFIX)), ...(aliveWorkerId ? [aliveWorkerId] : [])].map((id) => scratchName(workerOwner(id))));
  let removed = 0;
  for (const dir of await readdir(tmpRoot)) {
    if (dir.startsWith("worker-") && !alive.has(dir)) {
      await rm(path.join(tmpRoot, dir), { recursive: true, force: true });
      removed++;
    }
  }
  return removed;
}
