// Files under DATA_DIR. Rows store paths relative to it, so the folder can move. Writes are
// atomic (temporary file, then rename), so a killed process never leaves a half-written
// file where a row points; temporary files live in a folder per owner process so that a
// sweep can remove those of dead processes only.
import { randomUUID } from "node:crypto";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export type PageHalf = "FULL" | "LEFT" | "RIGHT";

/** Runs `write`; if its folder is missing, creates it and writes again (no mkdir on the hot path). */
async function withParent(dir: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(dir, { recursive: true });
    await write();
  }
}

/** A scan page's file in a split folder (qpdf's naming: from 1, zero-padded to the page count's width). */
export function splitPageName(scanPageIndex: number, pageCount: number): string {
  return `page-${String(scanPageIndex + 1).padStart(String(pageCount).length, "0")}.pdf`;
}

export class Storage {
  readonly root: string;

  constructor(dataDir: string) {
    this.root = path.resolve(dataDir);
  }

  abs(relative: string): string {
    const full = path.resolve(this.root, relative);
    if (!full.startsWith(this.root + path.sep)) throw new Error(`Path escapes DATA_DIR: ${relative}`);
    return full;
  }

  scanPath(schoolId: string, batchId: string): string {
    return path.join("scans", schoolId, `${batchId}.pdf`);
  }

  pageImagePath(schoolId: string, batchId: string, scanPageIndex: number, half: PageHalf, kind: "image" | "thumb"): string {
    const name = `${String(scanPageIndex).padStart(5, "0")}-${half.toLowerCase()}`;
    return path.join("pages", schoolId, batchId, kind === "image" ? `${name}.jpg` : `${name}.thumb.jpg`);
  }

  /** The crop of a booklet's header shown on the identification desk. */
  headerCropPath(schoolId: string, bookletId: string): string {
    return path.join("headers", schoolId, `${bookletId}.jpg`);
  }

  /** One version of an exam's subject, answer key or marking scheme (never overwritten). */
  examDocumentPath(schoolId: string, documentId: string): string {
    return path.join("documents", schoolId, `${documentId}.pdf`);
  }

  /** A copy's graded PDF for one draft version (earlier versions stay as its history). */
  gradedPdfPath(schoolId: string, copyId: string, version: number): string {
    return path.join("graded", schoolId, `${copyId}-v${version}.pdf`);
  }

  /**
   * Where a converted batch's single-page PDFs are kept (the split's output, moved there when the
   * batch is DONE): the graded PDFs copy their pages from them instead of cutting the batch again.
   */
  sourcePagesDir(schoolId: string, batchId: string): string {
    return path.join("sources", schoolId, batchId);
  }

  /** Where a batch's single-page PDFs are split to while it is being processed. */
  workDir(batchId: string): string {
    return path.join("work", batchId);
  }

  tmpDir(owner: string): string {
    return path.join("tmp", owner.replace(/[^A-Za-z0-9._-]/g, "_"));
  }

  async ensureDir(relative: string): Promise<string> {
    const full = this.abs(relative);
    await mkdir(full, { recursive: true });
    return full;
  }

  async writeAtomic(relative: string, data: Uint8Array, owner: string): Promise<void> {
    const dir = this.abs(this.tmpDir(owner));
    const tmp = path.join(dir, randomUUID());
    await withParent(dir, () => writeFile(tmp, data));
    await this.moveInto(tmp, relative);
  }

  /** Moves a finished temporary file to its final place (same file system: an atomic rename). */
  async moveInto(tmpAbsolute: string, relative: string): Promise<void> {
    const target = this.abs(relative);
    await withParent(path.dirname(target), () => rename(tmpAbsolute, target));
  }

  /** Moves a folder to its final place (same file system: an atomic rename), replacing one there. */
  async moveDir(fromRelative: string, toRelative: string): Promise<void> {
    const target = this.abs(toRelative);
    await rm(target, { recursive: true, force: true });
    await withParent(path.dirname(target), () => rename(this.abs(fromRelative), target));
  }

  async remove(relative: string): Promise<void> {
    await rm(this.abs(relative), { recursive: true, force: true });
  }
}
