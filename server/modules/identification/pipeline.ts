// The worker's side of identification. A converted batch is looked at once for cover sheets
// (only when the exam printed some), split at them, then each booklet's header is read (QR,
// else OCR) and the reading stored; the last reading of a batch matches it against the roster.
// Each step is keyed by its row and writes whole values: running it again changes nothing.
import type { AppContext } from "../../lib/context.js";
import { Prisma } from "../../lib/db.js";
import { jobId } from "../../lib/jobs.js";
import { Scratch, storedPath } from "../../lib/storage.js";
import { DomainError } from "../../lib/errors.js";
import { DEFAULT_NAME_BOX, type NameBox } from "../exams/schemas.js";
import { lockExam } from "./copies.js";
import { decide } from "./decide.js";
import { editableBooklet, placePages, type Placement } from "./pages.js";
import { readCoverToken } from "./qr.js";
import type { StoredReading } from "./reading.js";
import type { HeaderReader } from "./ocr/reader.js";

export interface IdentifyEnv {
  ctx: AppContext;
  workerId: string;
  headers: HeaderReader;
}

type Tx = Prisma.TransactionClient;

export async function identifyBatch(env: IdentifyEnv, batchId: string): Promise<{ booklets: number }> {
  const { ctx } = env;
  const batch = await ctx.db.scanBatch.findUnique({ where: { id: batchId }, select: { id: true, status: true, examId: true, layout: true, attachToId: true, attachAt: true, schoolId: true } });
  if (!batch || batch.status !== "DONE") return { booklets: 0 };
  if (batch.attachToId) {
    await attachLateSheet(ctx, { ...batch, attachToId: batch.attachToId, attachAt: batch.attachAt ?? 1 });
    return { booklets: 0 };
  }
  if ((await ctx.db.coverSheet.count({ where: { examId: batch.examId } })) > 0) {
    const found = await findCoverSheets(ctx, batch);
    if (found > 0 && batch.layout === "A4_BATCH") await ctx.db.$transaction((tx) => splitAtCoverSheets(tx, batch), { timeout: 60_000 });
  }
  const unread = await ctx.db.booklet.findMany({ where: { batchId, status: "READING", reading: { equals: Prisma.DbNull } }, select: { id: true } });
  await ctx.queues.enqueueMany("booklet.identify", unread.map(({ id }) => ({ payload: { bookletId: id }, jobId: jobId.identifyBooklet(id) })));
  if (unread.length === 0) await decide(ctx, { examId: batch.examId, batchId });
  return { booklets: unread.length };
}

/**
 * Reads every page that could be a cover sheet: any page of an A4 batch, the first page of
 * each sheet of copies doubles. A page is read once (coverChecked).
 */
async function findCoverSheets(ctx: AppContext, batch: { id: string; layout: string }): Promise<number> {
  const pages = await ctx.db.page.findMany({
    where: { batchId: batch.id, status: "DONE", coverChecked: false, ...(batch.layout === "A3_DOUBLE" ? { position: 1 } : {}) },
    select: { id: true, imagePath: true },
  });
  for (const page of pages) {
    const token = page.imagePath ? await readCoverToken(await ctx.files.read(page.imagePath)).catch(() => null) : null;
    await ctx.db.page.update({ where: { id: page.id }, data: { coverChecked: true, coverToken: token } });
  }
  return ctx.db.page.count({ where: { batchId: batch.id, coverToken: { not: null } } });
}

/**
 * Booklets of an A4 batch start at cover sheets instead of every `pagesPerCopy` pages, so copies
 * of any length work. Only booklets nobody has touched are re-planned (all still READING).
 */
async function splitAtCoverSheets(tx: Tx, batch: { id: string; schoolId: string; examId: string }): Promise<void> {
  const booklets = await tx.booklet.findMany({ where: { batchId: batch.id }, orderBy: { index: "asc" }, select: { id: true, status: true, copyId: true } });
  if (booklets.some((b) => b.status !== "READING" || b.copyId)) return;
  const pages = await tx.page.findMany({ where: { batchId: batch.id }, orderBy: { scanPageIndex: "asc" }, select: { id: true, coverToken: true } });
  const groups: { id: string; cover: boolean }[][] = [];
  for (const page of pages) {
    if (page.coverToken || groups.length === 0) groups.push([]);
    groups.at(-1)!.push({ id: page.id, cover: page.coverToken !== null });
  }
  const placements: Placement[] = [];
  for (const [i, group] of groups.entries()) {
    const bookletId = booklets[i]?.id ?? (await tx.booklet.create({ data: { schoolId: batch.schoolId, examId: batch.examId, batchId: batch.id, index: i + 1, warnings: [] } })).id;
    let position = 0;
    for (const page of group) placements.push({ id: page.id, bookletId, position: page.cover ? 0 : ++position });
  }
  await placePages(tx, placements);
  await tx.booklet.updateMany({ where: { batchId: batch.id }, data: { warnings: [] } });
  // Left empty by the new plan, never identified: nothing refers to them.
  await tx.booklet.deleteMany({ where: { id: { in: booklets.slice(groups.length).map((b) => b.id) } } });
  await tx.scanBatch.update({ where: { id: batch.id }, data: { warnings: [] } });
}

/** A sheet uploaded late joins its copy's booklet at the chosen position. */
async function attachLateSheet(ctx: AppContext, batch: { id: string; schoolId: string; examId: string; attachToId: string; attachAt: number }): Promise<void> {
  const attached = await ctx.db.$transaction(async (tx) => {
    await lockExam(tx, batch.examId);
    const own = await tx.booklet.findMany({ where: { batchId: batch.id, status: "READING" }, orderBy: { index: "asc" }, select: { id: true } });
    if (own.length === 0) return true;
    const target = await editableBooklet(tx, batch.schoolId, batch.attachToId).catch((error: unknown) => {
      if (error instanceof DomainError) return null;
      throw error;
    });
    if (!target) return false;
    const late = await tx.page.findMany({ where: { batchId: batch.id, discardedAt: null }, orderBy: [{ booklet: { index: "asc" } }, { position: "asc" }], select: { id: true } });
    const current = await tx.page.findMany({ where: { bookletId: target.id, discardedAt: null, coverToken: null }, orderBy: { position: "asc" }, select: { id: true } });
    const at = Math.min(Math.max(batch.attachAt, 1), current.length + 1) - 1;
    const order = [...current.slice(0, at), ...late, ...current.slice(at)];
    await placePages(tx, order.map((page, i) => ({ id: page.id, bookletId: target.id, position: i + 1 })));
    await tx.booklet.updateMany({ where: { id: { in: own.map((b) => b.id) } }, data: { status: "MERGED", mergedIntoId: target.id } });
    return true;
  });
  // Its copy went to grading (or was merged away) meanwhile: the sheet waits on the desk.
  if (!attached) {
    await ctx.db.booklet.updateMany({
      where: { batchId: batch.id, status: "READING" },
      data: { status: "PENDING", reading: {}, warnings: ["Feuille envoyée en retard : sa copie ne pouvait plus la recevoir. Rattachez-la à la main."] },
    });
  }
}

export async function identifyBookletJob(env: IdentifyEnv, bookletId: string): Promise<{ method: "QR" | "OCR" | "NONE" }> {
  const { ctx } = env;
  const booklet = await ctx.db.booklet.findUnique({
    where: { id: bookletId },
    include: {
      exam: { select: { headerKind: true, nameBox: true } },
      pages: { where: { discardedAt: null }, orderBy: { position: "asc" }, take: 1, select: { status: true, imagePath: true, coverToken: true } },
    },
  });
  if (!booklet || booklet.status !== "READING" || booklet.reading !== null) return { method: "NONE" };
  const first = booklet.pages[0];
  let reading: StoredReading;
  let headerCropPath: string | null = null;
  if (first?.coverToken) {
    reading = { coverToken: first.coverToken };
  } else if (!first?.imagePath || first.status !== "DONE") {
    reading = { sourceName: booklet.sourceName, error: "La première page de la liasse n'a pas d'image : identifiez-la à la main." };
  } else {
    try {
      const region = (booklet.exam.nameBox as NameBox | null) ?? DEFAULT_NAME_BOX;
      const read = await env.headers.read(await ctx.files.read(first.imagePath), booklet.exam.headerKind, region);
      const crop = storedPath.headerCrop(booklet.schoolId, booklet.id);
      await ctx.files.put(crop, read.crop, Scratch.ofWorker(ctx.config.DATA_DIR, env.workerId));
      headerCropPath = crop;
      reading = { header: read.reading, sourceName: booklet.sourceName };
    } catch (error) {
      ctx.logger.warn({ err: error, bookletId }, "header could not be read");
      reading = { sourceName: booklet.sourceName, error: "L'en-tête n'a pas pu être lu : identifiez la liasse à la main." };
    }
  }
  const stored = await ctx.db.booklet.updateMany({
    where: { id: bookletId, status: "READING" },
    data: { reading: reading as Prisma.InputJsonObject, headerCropPath, readError: reading.error ?? null },
  });
  if (stored.count === 1 && !(await anyBookletUnread(ctx, booklet.batchId))) await decide(ctx, { examId: booklet.examId, batchId: booklet.batchId });
  return { method: reading.coverToken ? "QR" : reading.header ? "OCR" : "NONE" };
}

async function anyBookletUnread(ctx: AppContext, batchId: string): Promise<boolean> {
  return (await ctx.db.booklet.count({ where: { batchId, status: "READING", reading: { equals: Prisma.DbNull } } })) > 0;
}

/**
 * Batches converted but not (fully) identified after a crash: booklets still READING, and no
 * job at work to finish them (the batch's job, or a reading job for each booklet not read yet).
 */
export async function findStuckIdentification(ctx: AppContext): Promise<{ batchId: string; booklets: number }[]> {
  const batches = await ctx.db.scanBatch.findMany({
    where: { status: "DONE", booklets: { some: { status: "READING" } } },
    select: { id: true, booklets: { where: { status: "READING", reading: { equals: Prisma.DbNull } }, select: { id: true } } },
  });
  const stuck: { batchId: string; booklets: number }[] = [];
  for (const { id, booklets } of batches) {
    if (await ctx.queues.pending("batch.identify", jobId.identifyBatch(id))) continue;
    if (!(await everyBookletBeingRead(ctx, booklets))) stuck.push({ batchId: id, booklets: booklets.length });
  }
  return stuck;
}

/** Whether each booklet has a reading job waiting or running (false for none: the batch's matching is what is left). */
async function everyBookletBeingRead(ctx: AppContext, booklets: { id: string }[]): Promise<boolean> {
  for (const { id } of booklets) if (!(await ctx.queues.pending("booklet.identify", jobId.identifyBooklet(id)))) return false;
  return booklets.length > 0;
}

/** The batch's identification runs again: it reads the booklets not read yet, then matches the batch. */
export async function recoverIdentificationOf(ctx: AppContext, batchId: string): Promise<void> {
  await ctx.queues.ensure("batch.identify", { batchId }, jobId.identifyBatch(batchId));
}

/** Run at worker start: every stuck batch's identification runs again (`korrigo recover` does the same). */
export async function recoverIdentification(ctx: AppContext): Promise<number> {
  const stuck = await findStuckIdentification(ctx);
  for (const { batchId } of stuck) await recoverIdentificationOf(ctx, batchId);
  return stuck.length;
}
