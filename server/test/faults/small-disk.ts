// A DATA_DIR that can be filled up: a small tmpfs mounted for the test (we run as root), filled
// to the byte with a filler file and emptied again. Where mounting is refused (EPERM: a
// container without CAP_SYS_ADMIN), the same test runs on an imitation (disk-quota.ts).
import { execFile } from "node:child_process";
import { mkdtemp, open, rm, rmdir, statfs } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { quota } from "./disk-quota.js";

const run = promisify(execFile);

export interface FillableDisk {
  readonly dir: string;
  readonly kind: "tmpfs" | "imitation";
  /** Takes the room left but `leaveBytes`. */
  fill(leaveBytes?: number): Promise<void>;
  /** Gives that room back. */
  free(): Promise<void>;
  dispose(): Promise<void>;
}

/** A tmpfs of `megabytes`, or its imitation where it cannot be mounted (said on stderr). */
export async function fillableDisk(megabytes: number): Promise<FillableDisk> {
  if (process.env.KORRIGO_TEST_NO_MOUNT !== "1") {
    try {
      return await SmallDisk.mount(megabytes);
    } catch (error) {
      console.warn(`tmpfs not mounted (${(error as Error).message.split("\n")[0]}): DATA_DIR full is imitated in this process`);
    }
  }
  return ImitatedDisk.create();
}

/** A plain folder whose writes disk-quota.ts counts (the test file mocks node:fs with it). */
class ImitatedDisk implements FillableDisk {
  readonly kind = "imitation";

  private constructor(readonly dir: string) {}

  static async create(): Promise<ImitatedDisk> {
    const disk = new ImitatedDisk(await mkdtemp(path.join(tmpdir(), "korrigo-imitated-disk-")));
    Object.assign(quota, { root: disk.dir, used: 0, limit: Number.POSITIVE_INFINITY });
    return disk;
  }

  async fill(leaveBytes = 0): Promise<void> {
    quota.limit = quota.used + leaveBytes;
  }

  async free(): Promise<void> {
    quota.limit = Number.POSITIVE_INFINITY;
  }

  async dispose(): Promise<void> {
    quota.root = null;
    await rm(this.dir, { recursive: true, force: true });
  }
}

export class SmallDisk implements FillableDisk {
  readonly kind = "tmpfs";

  private constructor(readonly dir: string) {}

  /** A tmpfs of `megabytes` on a new folder; rejects (EPERM…) where mounting is not allowed. */
  static async mount(megabytes: number): Promise<SmallDisk> {
    const dir = await mkdtemp(path.join(tmpdir(), "korrigo-small-disk-"));
    try {
      await run("mount", ["-t", "tmpfs", "-o", `size=${megabytes}m,mode=0755`, "tmpfs", dir]);
    } catch (error) {
      await rmdir(dir);
      throw error;
    }
    return new SmallDisk(dir);
  }

  private get filler(): string {
    return path.join(this.dir, "filler");
  }

  async freeBytes(): Promise<number> {
    const { bavail, bsize } = await statfs(this.dir);
    return bavail * bsize;
  }

  /** The filler is not a file any key names. */
  async fill(leaveBytes = 0): Promise<void> {
    const handle = await open(this.filler, "a");
    try {
      const chunk = Buffer.alloc(64 * 1024, 1);
      for (let free = await this.freeBytes(); free > leaveBytes; free = await this.freeBytes()) {
        const { bytesWritten } = await handle.write(chunk, 0, Math.min(chunk.length, free - leaveBytes)).catch((error: NodeJS.ErrnoException) => {
          if (error.code === "ENOSPC") return { bytesWritten: 0 };
          throw error;
        });
        if (bytesWritten === 0) break;
      }
    } finally {
      await handle.close();
    }
  }

  async free(): Promise<void> {
    await rm(this.filler, { force: true });
  }

  async dispose(): Promise<void> {
    await run("umount", ["-l", this.dir]);
    await rmdir(this.dir);
  }
}
