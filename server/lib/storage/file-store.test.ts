// One contract, two file stores: the local DATA_DIR and S3-compatible object storage (a real S3
// server, s3rver, on a free port). Both must answer the same to every call the modules make.
import { existsSync, readlinkSync } from "node:fs";
import { mkdtemp, open, readdir, readFile, rm, writeFile, type FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { testConfig } from "../../test/harness.js";
import { startS3Server, type S3Server } from "../../test/s3-server.js";
import { createFileStore, InvalidKeyError, LocalFileStore, Scratch, StoredFileMissingError, type FileStore, type StoredObject } from "../storage.js";

let dataDir: string;
let s3: S3Server;
const stores: Record<"local" | "s3", FileStore> = {} as Record<"local" | "s3", FileStore>;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-store-"));
  s3 = await startS3Server();
  stores.local = createFileStore(testConfig({ DATA_DIR: dataDir }));
  stores.s3 = createFileStore(testConfig({ DATA_DIR: dataDir, ...s3.env }));
});
afterAll(async () => {
  await s3.close();
  await rm(dataDir, { recursive: true, force: true });
});

const bytes = (text: string) => Buffer.from(text, "utf8");

async function listed(files: FileStore, prefix: string): Promise<StoredObject[]> {
  const objects: StoredObject[] = [];
  for await (const object of files.list(prefix)) objects.push(object);
  return objects;
}

/** A stream of `size` bytes in 1 MB chunks that fails after `failAfter` bytes, if given. */
function bigStream(size: number, failAfter?: number): Readable {
  const chunk = Buffer.alloc(1024 * 1024, 0x5a);
  let sent = 0;
  return new Readable({
    read() {
      if (failAfter !== undefined && sent >= failAfter) return this.destroy(new Error("the scanner's connection dropped"));
      if (sent >= size) return this.push(null);
      const part = chunk.subarray(0, Math.min(chunk.length, size - sent));
      sent += part.length;
      this.push(part);
    },
  });
}

describe.each(["local", "s3"] as const)("the %s file store", (driver) => {
  const files = () => stores[driver];
  // Each driver writes under its own folder of keys: both share DATA_DIR for their scratch space.
  const key = (name: string) => `pages/${driver}/${name}`;
  const scratch = () => new Scratch(dataDir, `store-test-${driver}`);

  it("stores bytes and gives them back whole: read, stream, stat, exists, list", async () => {
    await files().put(key("a/one.jpg"), bytes("first image"), scratch());
    await files().put(key("a/two.jpg"), bytes("second"), scratch());
    expect((await files().read(key("a/one.jpg"))).toString()).toBe("first image");
    expect(await files().stat(key("a/one.jpg"))).toEqual({ size: 11 });
    expect(await files().exists(key("a/two.jpg"))).toBe(true);
    const streamed = await files().stream(key("a/one.jpg"));
    expect(streamed.size).toBe(11);
    expect((await Buffer.concat(await streamed.body.toArray())).toString()).toBe("first image");
    expect(await listed(files(), key("a"))).toEqual([{ key: key("a/one.jpg"), size: 11 }, { key: key("a/two.jpg"), size: 6 }]);
  });

  it("replaces an object written again under the same key", async () => {
    await files().put(key("again.jpg"), bytes("v1"), scratch());
    await files().put(key("again.jpg"), bytes("version 2"), scratch());
    expect((await files().read(key("again.jpg"))).toString()).toBe("version 2");
  });

  it("stores a stream bigger than one upload part, from a process whose scratch folder is not made yet", async () => {
    const size = 17 * 1024 * 1024 + 5;
    await files().put(key("big.pdf"), bigStream(size), new Scratch(dataDir, `first-put-${driver}`));
    expect(await files().stat(key("big.pdf"))).toEqual({ size });
    const stored = await files().read(key("big.pdf"));
    expect(stored.every((b) => b === 0x5a)).toBe(true);
  });

  it("leaves no object, and no temporary file, when a streamed put fails half-way", async () => {
    // Within the first upload part, then after it (a multipart upload, aborted). s3rver does not
    // implement AbortMultipartUpload: there the put fails with the abort's refusal instead.
    for (const failAfter of [2 * 1024 * 1024, 10 * 1024 * 1024]) {
      await expect(files().put(key(`failed-${failAfter}.pdf`), bigStream(20 * 1024 * 1024, failAfter), scratch())).rejects.toThrow();
      expect(await files().exists(key(`failed-${failAfter}.pdf`))).toBe(false);
    }
    expect(await readdir(scratch().dir).catch(() => [])).toEqual([]);
  });

  it("moves a finished local file in (putFile): stored, and gone from scratch", async () => {
    const file = path.join(dataDir, `finished-${driver}.pdf`);
    await writeFile(file, bytes("a finished scan"));
    await files().putFile(key("scan.pdf"), file);
    expect(existsSync(file)).toBe(false);
    expect((await files().read(key("scan.pdf"))).toString()).toBe("a finished scan");
  });

  it("answers one typed error for a missing object, null or false where asked, and removes one quietly", async () => {
    const missing = key("nowhere.jpg");
    await expect(files().read(missing)).rejects.toBeInstanceOf(StoredFileMissingError);
    await expect(files().stream(missing)).rejects.toBeInstanceOf(StoredFileMissingError);
    await expect(files().localPath(missing, dataDir)).rejects.toBeInstanceOf(StoredFileMissingError);
    expect(await files().stat(missing)).toBeNull();
    expect(await files().exists(missing)).toBe(false);
    await files().remove(missing);
  });

  it("removes an object, and a folder of them without touching a folder whose name starts the same", async () => {
    await files().put(key("gone.jpg"), bytes("x"), scratch());
    await files().remove(key("gone.jpg"));
    expect(await files().exists(key("gone.jpg"))).toBe(false);
    for (const name of ["f/1.pdf", "f/sub/2.pdf", "fg/3.pdf"]) await files().put(key(name), bytes(name), scratch());
    await files().removePrefix(key("f"));
    expect((await listed(files(), key("f"))).map((o) => o.key)).toEqual([]);
    expect((await listed(files(), key("fg"))).map((o) => o.key)).toEqual([key("fg/3.pdf")]);
  });

  it("moves a folder: its objects under the new name, replacing what was there, none left behind", async () => {
    for (const name of ["from/page-1.pdf", "from/page-2.pdf", "to/stale.pdf"]) await files().put(key(name), bytes(name), scratch());
    await files().movePrefix(key("from"), key("to"));
    expect((await listed(files(), key("to"))).map((o) => o.key)).toEqual([key("to/page-1.pdf"), key("to/page-2.pdf")]);
    expect((await files().read(key("to/page-2.pdf"))).toString()).toBe("from/page-2.pdf");
    expect(await listed(files(), key("from"))).toEqual([]);
    // Nothing to move (already moved): the target stays as it is.
    await files().movePrefix(key("from"), key("to"));
    expect(await listed(files(), key("to"))).toHaveLength(2);
  });

  it("gives a local file a tool can read", async () => {
    await files().put(key("tool.pdf"), bytes("for qpdf"), scratch());
    const folder = await mkdtemp(path.join(dataDir, "tool-"));
    const local = await files().localPath(key("tool.pdf"), folder);
    expect((await readFile(local)).toString()).toBe("for qpdf");
    if (files() instanceof LocalFileStore) expect(local).toBe(path.join(dataDir, key("tool.pdf")));
    else expect(path.dirname(local)).toBe(folder);
  });

  it("refuses keys that are not plain relative paths, and the scratch space", async () => {
    for (const bad of ["../outside.jpg", "/etc/passwd", "pages//x.jpg", "pages/./x.jpg", "pages/../../x.jpg", ".hidden", "pages/a b.jpg", "pages\\x.jpg", "tmp/worker-1/x", "", "pages/"]) {
      await expect(files().put(bad, bytes("x"), scratch()), bad).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(files().read(bad), bad).rejects.toBeInstanceOf(InvalidKeyError);
      await expect(files().removePrefix(bad), bad).rejects.toBeInstanceOf(InvalidKeyError);
    }
  });
});

describe("the local file store", () => {
  it("keeps files where rows point, under DATA_DIR, and never names a path outside it", () => {
    const files = new LocalFileStore(dataDir);
    expect(files.pathOf("scans/s/b.pdf")).toBe(path.join(dataDir, "scans", "s", "b.pdf"));
    expect(() => files.pathOf("../secrets")).toThrow(InvalidKeyError);
  });

  it("flushes a file to disk before it appears under its key, and its folder once it has (durable against a power cut)", async () => {
    const files = new LocalFileStore(dataDir);
    const target = files.pathOf("graded/s/flushed.pdf");
    const probe = await open(dataDir, "r");
    const handles = Object.getPrototypeOf(probe) as FileHandle;
    await probe.close();
    const flushed: { path: string; targetThere: boolean }[] = [];
    const datasync = vi.spyOn(handles, "datasync").mockImplementation(async function (this: FileHandle) {
      flushed.push({ path: readlinkSync(`/proc/self/fd/${this.fd}`), targetThere: existsSync(target) });
    });
    try {
      await files.put("graded/s/flushed.pdf", bytes("a graded PDF"), new Scratch(dataDir, "worker-f"));
    } finally {
      datasync.mockRestore();
    }
    expect(flushed).toEqual([
      { path: expect.stringContaining(path.join(dataDir, "tmp", "worker-f")) as unknown as string, targetThere: false },
      { path: path.dirname(target), targetThere: true },
    ]);
    expect(await readFile(target, "utf8")).toBe("a graded PDF");
  });

  it("lists the whole store without the scratch space", async () => {
    const files = new LocalFileStore(dataDir);
    await files.put("documents/s/d.pdf", bytes("a subject"), new Scratch(dataDir, "api-1"));
    await new Scratch(dataDir, "worker-x").withFolder("job-", async (folder) => {
      await writeFile(path.join(folder, "half-written.jpg"), "x");
      const keys: string[] = [];
      for await (const { key } of files.list("")) keys.push(key);
      expect(keys).toContain("documents/s/d.pdf");
      expect(keys.filter((k) => k.startsWith("tmp/"))).toEqual([]);
    });
  });
});

describe("the S3 file store", () => {
  it("keeps its objects in the bucket, none under DATA_DIR", async () => {
    expect((await listed(stores.s3, "pages/s3")).length).toBeGreaterThan(0);
    expect(existsSync(path.join(dataDir, "pages", "s3"))).toBe(false);
  });
});
