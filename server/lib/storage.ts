// Durable files (scans, split pages, page images, header crops, exam documents, graded PDFs) live
// in a FileStore chosen by STORAGE_DRIVER: the local DATA_DIR, or S3-compatible object storage
// shared by several machines. Rows store the keys built here ("relative paths"), the same for
// either driver. Temporary files never go to the store: see storage/scratch.ts.
import path from "node:path";
import type { Config } from "./config.js";
import { StoredFileMissingError, type FileStore } from "./storage/file-store.js";
import { LocalFileStore } from "./storage/local.js";
import { S3FileStore } from "./storage/s3.js";

export { checkKey, InvalidKeyError, StoredFileMissingError, type FileStore, type StoredObject, type StoredStream } from "./storage/file-store.js";
export { LocalFileStore } from "./storage/local.js";
export { Scratch, scratchName, scratchRoot, workerOwner } from "./storage/scratch.js";

export type PageHalf = "FULL" | "LEFT" | "RIGHT";

export function createFileStore(config: Pick<Config, "DATA_DIR" | "STORAGE_DRIVER" | "S3_ENDPOINT" | "S3_REGION" | "S3_BUCKET" | "S3_ACCESS_KEY_ID" | "S3_SECRET_ACCESS_KEY" | "S3_FORCE_PATH_STYLE">): FileStore {
  if (config.STORAGE_DRIVER === "local") return new LocalFileStore(config.DATA_DIR);
  // loadConfig refuses STORAGE_DRIVER=s3 without these.
  return new S3FileStore({
    endpoint: config.S3_ENDPOINT!,
    region: config.S3_REGION,
    bucket: config.S3_BUCKET!,
    accessKeyId: config.S3_ACCESS_KEY_ID!,
    secretAccessKey: config.S3_SECRET_ACCESS_KEY!,
    forcePathStyle: config.S3_FORCE_PATH_STYLE,
  });
}

/** The local file of an object (see FileStore.localPath), or null when there is no such object. */
export async function localPathIfStored(files: FileStore, key: string, folder: string): Promise<string | null> {
  try {
    return await files.localPath(key, folder);
  } catch (error) {
    if (error instanceof StoredFileMissingError) return null;
    throw error;
  }
}

/** A scan page's file in a split folder (qpdf's naming: from 1, zero-padded to the page count's width). */
export function splitPageName(scanPageIndex: number, pageCount: number): string {
  return `page-${String(scanPageIndex + 1).padStart(String(pageCount).length, "0")}.pdf`;
}

const join = path.posix.join;

/** The keys of the stored files, by kind. */
export const storedPath = {
  scan(schoolId: string, batchId: string): string {
    return join("scans", schoolId, `${batchId}.pdf`);
  },

  pageImage(schoolId: string, batchId: string, scanPageIndex: number, half: PageHalf, kind: "image" | "thumb"): string {
    const name = `${String(scanPageIndex).padStart(5, "0")}-${half.toLowerCase()}`;
    return join("pages", schoolId, batchId, kind === "image" ? `${name}.jpg` : `${name}.thumb.jpg`);
  },

  /** The crop of a booklet's header shown on the identification desk. */
  headerCrop(schoolId: string, bookletId: string): string {
    return join("headers", schoolId, `${bookletId}.jpg`);
  },

  /** One version of an exam's subject, answer key or marking scheme (never overwritten). */
  examDocument(schoolId: string, documentId: string): string {
    return join("documents", schoolId, `${documentId}.pdf`);
  },

  /** A copy's graded PDF for one draft version (earlier versions stay as its history). */
  gradedPdf(schoolId: string, copyId: string, version: number): string {
    return join("graded", schoolId, `${copyId}-v${version}.pdf`);
  },

  /**
   * The folder where a batch's single-page PDFs are split to while it is being processed. It is
   * in the store, not in scratch space: the batch's pages are converted by any worker machine.
   */
  splitPages(batchId: string): string {
    return join("work", batchId);
  },

  /**
   * Where a converted batch's single-page PDFs are kept (the split folder, moved there when the
   * batch is DONE): the graded PDFs copy their pages from them instead of cutting the batch again.
   */
  sourcePages(schoolId: string, batchId: string): string {
    return join("sources", schoolId, batchId);
  },

  /** One single-page PDF in a split or source pages folder. */
  pageOf(folder: string, scanPageIndex: number, pageCount: number): string {
    return join(folder, splitPageName(scanPageIndex, pageCount));
  },
};
