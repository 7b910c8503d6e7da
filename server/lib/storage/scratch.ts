// Scratch space: the temporary files of one process, always on the local disk under
// DATA_DIR/tmp/<owner> whatever the file store's driver (qpdf and sharp work on local files).
// One folder per owner process, so that a sweep can remove those of dead processes only.
import { randomUUID } from "node:crypto";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import path from "node:path";

/** Runs `write`; if its folder is missing, creates it and writes again (no mkdir on the hot path). */
export async function withParent<T>(dir: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    await mkdir(dir, { recursive: true });
    return write();
  }
}

/** DATA_DIR/tmp, where every owner's scratch folder is. */
export function scratchRoot(dataDir: string): string {
  return path.join(path.resolve(dataDir), "tmp");
}

/** The folder name of an owner's scratch space (what the sweeps compare with live owners). */
export function scratchName(owner: string): string {
  return owner.replace(/[^A-Za-z0-9._-]/g, "_");
}

export const workerOwner = (workerId: string) => `worker-${workerId}`;

export class Scratch {
  /** This owner's folder (absolute). */
  readonly dir: string;

  constructor(dataDir: string, owner: string) {
    this.dir = path.join(scratchRoot(dataDir), scratchName(owner));
  }

  /** A worker's scratch space: removed by the recovery sweep once the worker is no longer alive. */
  static ofWorker(dataDir: string, workerId: string): Scratch {
    return new Scratch(dataDir, workerOwner(workerId));
  }

  /** An API process's scratch space (uploads being received): swept once it is hours old. */
  static ofApi(dataDir: string): Scratch {
    return new Scratch(dataDir, `api-${process.pid}`);
  }

  /** Removes all of this owner's files: for an owner that runs once at a time, what a killed run left. */
  async clear(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A name for a new temporary file of this owner (the file is not created). */
  file(): string {
    return path.join(this.dir, randomUUID());
  }

  /** Runs `use` with a new empty folder of this owner's, removed afterwards whatever happens. */
  async withFolder<T>(prefix: string, use: (folder: string) => Promise<T>): Promise<T> {
    const folder = await withParent(this.dir, () => mkdtemp(path.join(this.dir, prefix)));
    try {
      return await use(folder);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
}
