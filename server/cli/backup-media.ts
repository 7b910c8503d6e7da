// The durable files (scans, page images, header crops, exam documents, graded PDFs, the source
// pages kept for re-grading) in a tar archive whose entry names are their keys. From DATA_DIR,
// GNU tar streams them (a batch can weigh hundreds of MB); from a bucket, backup-bucket.ts does.
// Left out: the scratch space (tmp/, never in the store) and the split folders of batches being
// converted (work/, see storedPath.splitPages, in the store whatever the driver), which a crash
// leaves behind and the scan pipeline's recovery redoes.
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import type { FileStore, StoredObject } from "../lib/storage.js";
import { isKey } from "../lib/storage/file-store.js";
import { runTool } from "./backup-postgres.js";

const SPLIT_FOLDER = "work";

export interface MediaFiles {
  /** Keys (with DATA_DIR, paths relative to it), sorted. */
  paths: string[];
  bytes: number;
}

/** The store's objects a backup holds, in key order. */
export async function* durableObjects(store: FileStore): AsyncIterable<StoredObject> {
  for await (const stored of store.list("")) {
    if (!stored.key.startsWith(`${SPLIT_FOLDER}/`)) yield stored;
  }
}

export async function durableFiles(store: FileStore): Promise<MediaFiles> {
  const paths: string[] = [];
  let bytes = 0;
  for await (const stored of durableObjects(store)) {
    paths.push(stored.key);
    bytes += stored.size;
  }
  return { paths, bytes };
}

export function formatSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Archives exactly the listed files (names on tar's stdin): the manifest's file count then
 * matches the archive even if new files arrive meanwhile.
 */
export async function createArchive(dataDir: string, paths: string[], file: string): Promise<void> {
  // With nothing to archive DATA_DIR may not exist yet; tar still needs a folder to start in.
  const from = existsSync(dataDir) ? dataDir : ".";
  const names = Readable.from(paths.map((p) => `${p}\0`));
  await runTool("tar", ["--create", `--file=${file}`, `--directory=${from}`, "--no-recursion", "--null", "--verbatim-files-from", "--files-from=-"], { input: names });
}

/** Files belong to whoever restores (the service's user), not to the uid recorded in the archive. */
export async function extractArchive(file: string, into: string): Promise<void> {
  await mkdir(into, { recursive: true });
  await runTool("tar", ["--extract", `--file=${file}`, `--directory=${into}`, "--no-same-owner"]);
}

/** A top-level folder of stored files (not tmp/, work/, lost+found or a dotfile). */
const isDurableFolder = (name: string) => isKey(name) && name !== SPLIT_FOLDER;

/** Replaces DATA_DIR's durable folders by the extracted ones; `staging` is inside DATA_DIR, so each move is a rename. */
export async function installMedia(dataDir: string, staging: string): Promise<void> {
  for (const entry of await readdir(dataDir)) {
    if (isDurableFolder(entry)) await rm(path.join(dataDir, entry), { recursive: true, force: true });
  }
  for (const entry of await readdir(staging)) {
    if (isDurableFolder(entry)) await rename(path.join(staging, entry), path.join(dataDir, entry));
  }
}
