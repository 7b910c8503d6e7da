// Scan batches on the API side: receive an upload, check it, store it once, start the
// pipeline; report progress; retry failed pages. The work itself is in pipeline.ts (worker).
import { randomUUID, createHash } from "node:crypto";
import path from "node:path";
import type { Request } from "express";
import type { AppContext } from "../../lib/context.js";
import { Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, NotFoundError, PayloadTooLargeError, RedisUnavailableError, UnprocessableError } from "../../lib/errors.js";
import { copyWithQpdf } from "./pdf/qpdf.js";
import { redisDown } from "../../lib/redis.js";
import { jobId } from "../../lib/jobs.js";
import { enqueueAfterCommit } from "../../lib/queue.js";
import { Scratch, storedPath } from "../../lib/storage.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { findExam } from "../exams/service.js";
import { checkPdf, type CheckedPdf } from "./check.js";
import { receiveFiles, type UploadLimits } from "./upload.js";
import { expandZips } from "./zip.js";
import type { SourceFile } from "./layout.js";

const MAX_IMAGE_PIXELS = 80_000_000;

function limitsOf(ctx: AppContext) {
  return {
    upload: { maxBytes: ctx.config.SCAN_MAX_BYTES, maxFiles: 500 } satisfies UploadLimits,
    pdf: { maxPages: ctx.config.SCAN_MAX_PAGES, checkSeconds: ctx.config.SCAN_CHECK_SECONDS, maxImagePixels: MAX_IMAGE_PIXELS },
  };
}

/** Several individual PDFs become one batch file; sourceFiles remembers which pages came from where. */
async function mergeFiles(files: { path: string; name: string; checked: CheckedPdf }[], dir: string) {
  let firstPage = 0;
  const sourceFiles: SourceFile[] = files.map((f) => {
    const source = { name: f.name, firstPage, pageCount: f.checked.pageCount };
    firstPage += f.checked.pageCount;
    return source;
  });
  // One file is stored as it came (the split decrypts a copier's "permissions" encryption).
  if (files.length === 1) return { file: files[0]!.path, sourceFiles, pageCount: firstPage };
  const merged = path.join(dir, "merged.pdf");
  const result = await copyWithQpdf(["--empty", "--pages", ...files.map((f) => f.path), "--", merged], 300_000);
  if (!result.ok) throw new UnprocessableError("Les fichiers envoyés n'ont pas pu être assemblés.", "PDF_MERGE_FAILED");
  return { file: merged, sourceFiles, pageCount: firstPage };
}

/** A late sheet: its pages join this booklet at this position (from 1) once converted. */
export interface Attachment {
  bookletId: string;
  position: number;
}

/**
 * Refused before a byte is read while Redis is out of reach: the batch could be stored but not
 * queued, and the admin is better told to send it again in a moment than left watching a batch
 * that does not move. (Redis lost after this check, the recovery sweep queues the batch.)
 */
function checkQueueReachable(ctx: AppContext): void {
  if (redisDown(ctx.redis)) {
    throw new RedisUnavailableError("Le traitement des copies est momentanément indisponible : rien n'a été enregistré, renvoyez le fichier dans quelques secondes.", "QUEUE_UNAVAILABLE");
  }
}

export async function uploadScan(ctx: AppContext, actor: StaffPrincipal, examId: string, req: Request, meta: RequestMeta, attach?: Attachment) {
  checkQueueReachable(ctx);
  const exam = await findExam(ctx.db, actor.schoolId, examId);
  if (exam.status === "ARCHIVED") throw new ConflictError("Cet examen est archivé : on ne peut plus y déposer de copies.", "EXAM_ARCHIVED");
  const limits = limitsOf(ctx);
  return Scratch.ofApi(ctx.config.DATA_DIR).withFolder("upload-", async (dir) => {
    const received = await receiveFiles(req, dir, limits.upload);
    const individual = exam.layout === "INDIVIDUAL_FILES" && !attach;
    if (!individual && (received.length > 1 || /\.zip$/i.test(received[0]!.name))) {
      throw new UnprocessableError("Cet examen attend un seul PDF avec toutes les copies : pour une copie par fichier, choisissez la mise en page « fichiers individuels ».", "ONE_FILE_EXPECTED");
    }
    const sha256 = received.length === 1 ? received[0]!.sha256 : createHash("sha256").update(received.map((f) => f.sha256).join(",")).digest("hex");
    const existing = await ctx.db.scanBatch.findUnique({ where: { examId_sha256: { examId, sha256 } } });
    if (existing) return { batch: await batchDetail(ctx, actor.schoolId, existing.id), duplicate: true };

    const files = individual ? await expandZips(received, dir, limits.upload) : received;
    const checked = [];
    for (const file of files) checked.push({ ...file, checked: await checkPdf(file.path, file.name, limits.pdf) });
    const merged = await mergeFiles(checked, dir);
    if (merged.pageCount > limits.pdf.maxPages) {
      throw new PayloadTooLargeError(`L'envoi compte ${merged.pageCount} pages, plus que les ${limits.pdf.maxPages} acceptées : découpez-le.`, "TOO_MANY_PAGES");
    }
    const batchId = await storeBatch(ctx, {
      // A late sheet is one booklet whatever the exam's page count: a copie double, or its pages.
      actor, examId, sha256, layout: attach && exam.layout !== "A3_DOUBLE" ? "INDIVIDUAL_FILES" : exam.layout, file: merged.file, pageCount: merged.pageCount, attach,
      sizeBytes: received.reduce((sum, f) => sum + f.size, 0),
      originalName: received.map((f) => f.name).join(", ").slice(0, 500),
      sourceFiles: individual ? merged.sourceFiles : null,
    }, meta);
    return { batch: await batchDetail(ctx, actor.schoolId, batchId), duplicate: false };
  });
}

interface NewBatch {
  actor: StaffPrincipal;
  examId: string;
  sha256: string;
  layout: "A4_BATCH" | "A3_DOUBLE" | "INDIVIDUAL_FILES";
  file: string;
  pageCount: number;
  sizeBytes: number;
  originalName: string;
  sourceFiles: SourceFile[] | null;
  attach?: Attachment;
}

/**
 * The file goes to its final place first (moved, or streamed to object storage), then the row;
 * a duplicate racing us wins cleanly.
 */
async function storeBatch(ctx: AppContext, b: NewBatch, meta: RequestMeta): Promise<string> {
  const id = randomUUID();
  const storagePath = storedPath.scan(b.actor.schoolId, id);
  await ctx.files.putFile(storagePath, b.file);
  try {
    await ctx.db.$transaction(async (tx) => {
      await tx.scanBatch.create({
        data: {
          id, schoolId: b.actor.schoolId, examId: b.examId, layout: b.layout, storagePath, sha256: b.sha256, sizeBytes: b.sizeBytes,
          pageCount: b.pageCount, originalName: b.originalName, uploadedById: b.actor.id, stage: "queued",
          ...(b.attach ? { attachToId: b.attach.bookletId, attachAt: b.attach.position } : {}),
          ...(b.sourceFiles ? { sourceFiles: b.sourceFiles as unknown as Prisma.InputJsonValue } : {}),
        },
      });
      await audit(tx, { schoolId: b.actor.schoolId, actorType: "staff", actorId: b.actor.id, action: "scan.uploaded", targetType: "scan_batch", targetId: id, data: { pages: b.pageCount, bytes: b.sizeBytes } }, meta);
    });
  } catch (error) {
    await ctx.files.remove(storagePath);
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      const winner = await ctx.db.scanBatch.findUniqueOrThrow({ where: { examId_sha256: { examId: b.examId, sha256: b.sha256 } } });
      return winner.id;
    }
    throw error;
  }
  // Should Redis be down now, the batch stays UPLOADED and the worker's recovery sweep starts it.
  await ctx.queues.ensure("scan.split", { batchId: id }, jobId.split(id)).catch((err: unknown) => ctx.logger.error({ err, batchId: id }, "could not enqueue scan.split"));
  return id;
}

async function findBatch(ctx: AppContext, schoolId: string, batchId: string) {
  const batch = await ctx.db.scanBatch.findFirst({ where: { id: batchId, schoolId } });
  if (!batch) throw new NotFoundError("Lot de copies introuvable.");
  return batch;
}

type BatchRow = Awaited<ReturnType<typeof findBatch>>;
type PageCounts = Record<"total" | "DONE" | "FAILED", number>;

/** Page rows per status for several batches, in one grouped query. */
async function pageCounts(ctx: AppContext, batchIds: string[]): Promise<(batchId: string) => PageCounts> {
  const rows = await ctx.db.page.groupBy({ by: ["batchId", "status"], where: { batchId: { in: batchIds } }, _count: { _all: true } });
  return (batchId) => {
    const mine = rows.filter((r) => r.batchId === batchId);
    const count = (status: string) => mine.find((r) => r.status === status)?._count._all ?? 0;
    return { total: mine.reduce((sum, r) => sum + r._count._all, 0), DONE: count("DONE"), FAILED: count("FAILED") };
  };
}

function toProgress(batch: BatchRow, counts: PageCounts) {
  return {
    id: batch.id,
    status: batch.status,
    stage: batch.stage,
    scanPageCount: batch.pageCount,
    pagesTotal: counts.total,
    pagesDone: counts.DONE,
    pagesFailed: counts.FAILED,
    error: batch.error,
  };
}

/** Where a batch stands: cheap enough to poll every second, whatever the batch's size. */
export async function batchProgress(ctx: AppContext, schoolId: string, batchId: string) {
  const batch = await findBatch(ctx, schoolId, batchId);
  return toProgress(batch, (await pageCounts(ctx, [batch.id]))(batch.id));
}

/** Batches with their booklets and pages: three queries whatever the number of batches. */
async function describe(ctx: AppContext, batches: BatchRow[]) {
  const ids = batches.map((b) => b.id);
  const [counts, booklets] = await Promise.all([
    pageCounts(ctx, ids),
    ctx.db.booklet.findMany({
      // A merged booklet's pages are shown in the booklet they went to.
      where: { batchId: { in: ids }, status: { not: "MERGED" } },
      orderBy: { index: "asc" },
      include: { pages: { orderBy: { position: "asc" }, select: { id: true, position: true, status: true, nearBlank: true, error: true, width: true, height: true, coverToken: true } } },
    }),
  ]);
  return batches.map((batch) => ({
    ...toProgress(batch, counts(batch.id)),
    examId: batch.examId,
    layout: batch.layout,
    originalName: batch.originalName,
    sizeBytes: Number(batch.sizeBytes),
    warnings: batch.warnings,
    createdAt: batch.createdAt.toISOString(),
    booklets: booklets
      .filter((b) => b.batchId === batch.id)
      .map((b) => ({
        id: b.id,
        index: b.index,
        sourceName: b.sourceName,
        warnings: b.warnings,
        status: b.status,
        pages: b.pages.map(({ coverToken, ...p }) => ({ ...p, cover: coverToken !== null, imageUrl: `/api/pages/${p.id}/image`, thumbUrl: `/api/pages/${p.id}/thumb` })),
      })),
  }));
}

export async function batchDetail(ctx: AppContext, schoolId: string, batchId: string) {
  const [detail] = await describe(ctx, [await findBatch(ctx, schoolId, batchId)]);
  return detail!;
}

export async function listBatches(ctx: AppContext, schoolId: string, examId: string) {
  await findExam(ctx.db, schoolId, examId);
  return describe(ctx, await ctx.db.scanBatch.findMany({ where: { examId, schoolId }, orderBy: { createdAt: "desc" } }));
}

/** Failed pages (or a failed split) are queued again; done pages are left alone. */
export async function retryBatch(ctx: AppContext, actor: StaffPrincipal, batchId: string, pageId: string | null, meta: RequestMeta) {
  const batch = await findBatch(ctx, actor.schoolId, batchId);
  const failed = await ctx.db.page.findMany({ where: { batchId, status: "FAILED", ...(pageId ? { id: pageId } : {}) }, select: { scanPageIndex: true } });
  if (pageId && failed.length === 0) throw new ConflictError("Cette page n'est pas en échec : rien à relancer.", "NOTHING_TO_RETRY");
  const splitFailed = batch.status === "FAILED" && (await ctx.db.page.count({ where: { batchId } })) === 0;
  if (!splitFailed && failed.length === 0) throw new ConflictError("Aucune page en échec dans ce lot.", "NOTHING_TO_RETRY");
  const indexes = [...new Set(failed.map((p) => p.scanPageIndex))];
  await ctx.db.$transaction(async (tx) => {
    await tx.page.updateMany({ where: { batchId, scanPageIndex: { in: indexes } }, data: { status: "PENDING", error: null } });
    // A batch refused at the split (wrong layout, say) is cut again with the exam's layout of now.
    const layout = splitFailed ? (await findExam(tx, actor.schoolId, batch.examId)).layout : batch.layout;
    await tx.scanBatch.update({ where: { id: batchId }, data: { status: "PROCESSING", error: null, layout, stage: splitFailed ? "queued" : "pages" } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "scan.retried", targetType: "scan_batch", targetId: batchId, data: { pages: indexes.length } }, meta);
  });
  // The retry is committed: Redis out of reach, the worker's recovery sweep queues the split and renders.
  if (splitFailed) await enqueueAfterCommit(ctx, "scan.split", [{ payload: { batchId }, jobId: jobId.split(batchId) }]);
  await enqueueAfterCommit(ctx, "page.render", indexes.map((scanPageIndex) => ({ payload: { batchId, scanPageIndex }, jobId: jobId.render(batchId, scanPageIndex) })));
  return batchDetail(ctx, actor.schoolId, batchId);
}
