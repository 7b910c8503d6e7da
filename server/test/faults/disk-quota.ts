// Where no tmpfs can be mounted (a container without CAP_SYS_ADMIN), a full DATA_DIR is imitated
// in this process: writes under it are counted, and past the room left they fail with ENOSPC as
// the kernel's would. Hooked into node:fs (the streams uploads are received with) and
// node:fs/promises (the renames that put a scratch file at its key: split pages, page images,
// header crops) by the test file's vi.mock. Files written by other processes or threads (qpdf,
// sharp) are counted when they are moved into place. Imports nothing that is mocked.
import path from "node:path";
import type * as Fs from "node:fs";
import type * as FsPromises from "node:fs/promises";

export const quota = {
  /** DATA_DIR while imitating; null: every call passes through untouched. */
  root: null as string | null,
  used: 0,
  limit: Number.POSITIVE_INFINITY,
};

const inside = (file: unknown, dir: string | null): boolean => dir !== null && typeof file === "string" && path.resolve(file).startsWith(dir + path.sep);

function noSpace(file: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`ENOSPC: no space left on device, write '${file}'`);
  Object.assign(error, { code: "ENOSPC", errno: -28, syscall: "write", path: file });
  return error;
}

/** Takes `bytes` of the room left, or throws as a full disk does. */
function take(bytes: number, file: string): void {
  if (quota.used + bytes > quota.limit) throw noSpace(file);
  quota.used += bytes;
}

type WriteCallback = (error?: Error | null) => void;
type Chunk = { chunk: Buffer };

/** node:fs with createWriteStream counting what is written under DATA_DIR. */
export function countedFs(real: typeof Fs): typeof Fs {
  const createWriteStream = ((file: Fs.PathLike, options?: Parameters<typeof Fs.createWriteStream>[1]) => {
    const stream = real.createWriteStream(file, options);
    if (!inside(file, quota.root)) return stream;
    const internals = stream as unknown as { _write: (c: Buffer, e: BufferEncoding, cb: WriteCallback) => void; _writev?: (chunks: Chunk[], cb: WriteCallback) => void };
    const write = internals._write.bind(stream);
    internals._write = (chunk, encoding, callback) => {
      try {
        take(chunk.length, String(file));
      } catch (error) {
        return callback(error as Error);
      }
      write(chunk, encoding, callback);
    };
    const writev = internals._writev?.bind(stream);
    if (writev) {
      internals._writev = (chunks, callback) => {
        try {
          take(chunks.reduce((sum, c) => sum + c.chunk.length, 0), String(file));
        } catch (error) {
          return callback(error as Error);
        }
        writev(chunks, callback);
      };
    }
    return stream;
  }) as typeof Fs.createWriteStream;
  return { ...real, createWriteStream, default: { ...(real as { default?: object }).default, createWriteStream } } as typeof Fs;
}

/** node:fs/promises with a scratch file moved to its key counted as written there. */
export function countedFsPromises(real: typeof FsPromises): typeof FsPromises {
  const rename = (async (from: Fs.PathLike, to: Fs.PathLike) => {
    const scratch = quota.root === null ? null : path.join(quota.root, "tmp");
    if (!(inside(to, quota.root) && !inside(to, scratch) && inside(from, scratch))) return real.rename(from, to);
    // What the file adds: its size, less that of the file it replaces. Taken once it is in place
    // (a rename that fails, its folder missing say, takes nothing).
    const added = (await real.stat(from)).size - (await real.stat(to).then((s) => s.size, () => 0));
    if (quota.used + added > quota.limit) throw noSpace(String(to));
    await real.rename(from, to);
    quota.used += added;
  }) as typeof FsPromises.rename;
  return { ...real, rename, default: { ...(real as { default?: object }).default, rename } } as typeof FsPromises;
}
