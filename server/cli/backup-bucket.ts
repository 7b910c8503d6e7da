// The media archive of an S3 bucket, in the format GNU tar writes from DATA_DIR (one regular file
// per object, named by its key), so that either driver restores the other's backups. Objects go
// through one at a time as streams, between the bucket and the archive: neither the bucket nor
// the archive is ever held in memory or copied to the local disk. tar-stream writes and reads
// the tar format here; GNU tar can only archive files that are on disk.
import { createReadStream, createWriteStream } from "node:fs";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import tar from "tar-stream";
import type { FileStore, Scratch } from "../lib/storage.js";
import { durableObjects } from "./backup-media.js";

/** Archives exactly the listed keys into `file`, as backup-media's createArchive does for DATA_DIR. */
export async function packObjects(store: FileStore, keys: string[], file: string): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(file));
  try {
    for (const key of keys) {
      const object = await store.stream(key);
      // The size S3 sends with the body: tar writes it in the entry's header, before the bytes.
      await pipeline(object.body, pack.entry({ name: key, size: object.size, mtime: object.lastModified, mode: 0o644 }));
    }
    pack.finalize();
  } catch (error) {
    pack.destroy(error as Error);
    await written.catch(() => {});
    throw error;
  }
  await written;
}

/** --force: removes what a backup would hold, one top-level folder at a time (work/ stays, like DATA_DIR's). */
export async function removeDurableObjects(store: FileStore): Promise<void> {
  const folders = new Set<string>();
  const loose: string[] = [];
  for await (const { key } of durableObjects(store)) {
    const slash = key.indexOf("/");
    if (slash === -1) loose.push(key);
    else folders.add(key.slice(0, slash));
  }
  for (const folder of folders) await store.removePrefix(folder);
  for (const key of loose) await store.remove(key);
}

/**
 * Uploads each file of the archive under its name, streamed from the archive (nothing extracted
 * to disk, so the restore needs no free space besides the backup itself); the store refuses
 * names that are not keys. `uploaded` is called after each file.
 */
export async function uploadArchive(file: string, store: FileStore, scratch: Scratch, uploaded: () => void): Promise<void> {
  const source = createReadStream(file);
  const extract = tar.extract();
  source.on("error", (error) => extract.destroy(error));
  source.pipe(extract);
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      // Backups hold regular files only (GNU tar is given file names, without recursion).
      if (type !== "file") throw new Error(`${name} is a ${type ?? "unknown"} entry in the archive, not a file`);
      await store.put(name, Readable.from(entry), scratch);
      uploaded();
    }
  } finally {
    source.destroy();
  }
}
