// READY copies with real scanned pages, without running the scan pipeline: a generated batch
// PDF stored where an upload would put it, and the batch, booklet, page and copy rows that
// ingestion and identification would have written. For grading tests and the grading bench.
import { createHash, randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import type { AppContext } from "../lib/context.js";
import path from "node:path";
import { run } from "../lib/exec.js";
import { Scratch, splitPageName, storedPath } from "../lib/storage.js";
import { createStudent } from "./harness.js";
import { makeA3Batch, makeA4Batch } from "./scan-factory.js";

export interface GradableCopies {
  batchId: string;
  copyIds: string[];
}

/** `copies` copies of `pagesPerCopy` A4 pages (A4_BATCH), or of one A3 sheet = 4 pages (A3_DOUBLE). */
export async function makeGradableCopies(ctx: AppContext, opts: { schoolId: string; examId: string; uploadedById: string; copies: number; layout: "A4_BATCH" | "A3_DOUBLE"; pagesPerCopy?: number; dpi?: number }): Promise<GradableCopies> {
  const { schoolId, examId, copies } = opts;
  const a3 = opts.layout === "A3_DOUBLE";
  const perCopy = a3 ? 4 : (opts.pagesPerCopy ?? 4);
  const dpi = opts.dpi ?? 100;
  const pdf = a3 ? await makeA3Batch({ sheets: copies, dpi }) : await makeA4Batch({ pages: copies * perCopy, dpi });
  const batchId = randomUUID();
  const storagePath = storedPath.scan(schoolId, batchId);
  const scanPages = a3 ? copies * 2 : copies * perCopy;
  await storeScannedBatch(ctx, pdf, storagePath, storedPath.sourcePages(schoolId, batchId), scanPages);
  const sha256 = createHash("sha256").update(pdf).digest("hex");
  await ctx.db.scanBatch.create({ data: { id: batchId, schoolId, examId, status: "DONE", originalName: "lot.pdf", storagePath, sha256, sizeBytes: pdf.byteLength, layout: opts.layout, pageCount: scanPages, uploadedById: opts.uploadedById } });
  // Web image size of an A4 page at the factory's resolution (the annotations are relative to it).
  const width = Math.round(8.27 * dpi);
  const height = Math.round(11.69 * dpi);
  const copyIds: string[] = [];
  for (let c = 0; c < copies; c += 1) {
    const student = await createStudent(ctx, schoolId);
    const copy = await ctx.db.copy.create({ data: { schoolId, examId, studentId: student.id, status: "READY", anonymousCode: `F${batchId.slice(0, 4)}${String(c).padStart(4, "0")}` } });
    const booklet = await ctx.db.booklet.create({ data: { schoolId, examId, batchId, index: c + 1, copyId: copy.id, status: "IDENTIFIED", method: "MANUAL" } });
    // A3 sheet s: scan page 2s is [P4 | P1], scan page 2s + 1 is [P2 | P3].
    const places = a3
      ? [[2 * c, "RIGHT"], [2 * c + 1, "LEFT"], [2 * c + 1, "RIGHT"], [2 * c, "LEFT"]] as const
      : Array.from({ length: perCopy }, (_, i) => [c * perCopy + i, "FULL"] as const);
    await ctx.db.page.createMany({
      data: places.map(([scanPageIndex, half], i) => ({ schoolId, batchId, bookletId: booklet.id, scanPageIndex, half, position: i + 1, status: "DONE" as const, width, height })),
    });
    copyIds.push(copy.id);
  }
  return { batchId, copyIds };
}

/** The batch file, and the split pages a converted batch keeps (graded PDFs copy their pages from them). */
async function storeScannedBatch(ctx: AppContext, pdf: Uint8Array, storagePath: string, sourcePages: string, scanPages: number): Promise<void> {
  await new Scratch(ctx.config.DATA_DIR, "copy-factory").withFolder("batch-", async (folder) => {
    const batchFile = path.join(folder, "batch.pdf");
    await writeFile(batchFile, pdf);
    const split = await run("qpdf", ["--split-pages", batchFile, path.join(folder, "page.pdf")], 60_000);
    if (split.code !== 0) throw new Error(`qpdf --split-pages failed: ${split.stderr}`);
    for (let i = 0; i < scanPages; i += 1) await ctx.files.putFile(storedPath.pageOf(sourcePages, i, scanPages), path.join(folder, splitPageName(i, scanPages)));
    await ctx.files.putFile(storagePath, batchFile);
  });
}
