// `korrigo backup` and `korrigo restore` with STORAGE_DRIVER=s3, against a real S3 server
// (s3rver), PostgreSQL and pg_dump/pg_restore: graded copies whose files are in the bucket are
// backed up (the archive's entries named by their keys, nothing copied to DATA_DIR), the
// database and the bucket wiped and restored with identical rows and objects; a bucket holding
// files is only replaced with --force; the archive format is the one GNU tar writes from
// DATA_DIR, so each driver restores the other's backups.
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../lib/config.js";
import { dropDatabase } from "../lib/database.js";
import { run } from "../lib/exec.js";
import { createFileStore, Scratch, type FileStore } from "../lib/storage.js";
import { createTestEnv, type TestEnv } from "../test/harness.js";
import { type GradedCopy } from "../test/graded-factory.js";
import { seedGradedExam } from "../test/backup-fixture.js";
import { runCommand } from "../test/cli-io.js";
import { startS3Server, type S3Server } from "../test/s3-server.js";
import { tableRows, withClient } from "../test/table-rows.js";
import { sha256Of } from "./backup-manifest.js";
import { backupCommand } from "./backup.js";
import { restoreCommand } from "./restore.js";

let s3: S3Server;
let env: TestEnv;
let envClosed = false;
let config: Config;
let bucket: FileStore;
let work: string;
let dataDir: string;
let backupDir: string;
let graded: GradedCopy[];
let documentPath: string;
let before: Snapshot;

const SPLIT_PAGE = "work/batch-in-progress/page-1.pdf";

interface Snapshot {
  rows: Record<string, unknown[]>;
  /** sha256 of every object a backup holds (key → hash). */
  objects: Record<string, string>;
}

const withDb = <T>(use: (client: pg.Client) => Promise<T>): Promise<T> => withClient(config.DATABASE_URL, use);

async function keys(store: FileStore): Promise<string[]> {
  const found: string[] = [];
  for await (const { key } of store.list("")) found.push(key);
  return found;
}

/** Every object but the split folders (work/), which backups leave out. */
async function objectHashes(store: FileStore): Promise<Record<string, string>> {
  const hashes: Record<string, string> = {};
  for (const key of await keys(store)) if (!key.startsWith("work/")) hashes[key] = await sha256Of((await store.stream(key)).body);
  return hashes;
}

async function snapshot(): Promise<Snapshot> {
  return { rows: await withDb(tableRows), objects: await objectHashes(bucket) };
}

const backup = (out: string, cfg: Config = config) => runCommand(backupCommand, cfg, { out });
const restore = (dir: string, force = false, cfg: Config = config) => runCommand(restoreCommand, cfg, { force }, [dir]);

beforeAll(async () => {
  s3 = await startS3Server();
  work = await mkdtemp(path.join(tmpdir(), "korrigo-backup-s3-"));
  dataDir = path.join(work, "data");
  backupDir = path.join(work, "backup");
  env = await createTestEnv({ DATA_DIR: dataDir, ...s3.env });
  config = env.config;
  bucket = createFileStore(config);
  ({ documentPath, graded } = await seedGradedExam(env));
  // A batch's split folder a crash could leave in the bucket: never part of a backup.
  await bucket.put(SPLIT_PAGE, Buffer.from("x"), new Scratch(dataDir, "test"));
  before = await snapshot();
}, 180_000);

afterAll(async () => {
  if (envClosed) await dropDatabase(config.DATABASE_URL);
  else await env.close();
  await s3.close();
  await rm(work, { recursive: true, force: true });
});

describe("korrigo backup and restore with STORAGE_DRIVER=s3", () => {
  it("archives the bucket's objects under their keys, without copying them to DATA_DIR", async () => {
    const { code, io } = await backup(backupDir);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    const objects = Object.keys(before.objects);
    expect(objects).toEqual(expect.arrayContaining([documentPath, ...graded.map((g) => g.storagePath)]));
    expect(io.stdout).toContainEqual(expect.stringMatching(new RegExp(`^archiving media: ${objects.length} files, [\\d.]+ (B|kB|MB)…$`)));

    const manifest = JSON.parse(await readFile(path.join(backupDir, "manifest.json"), "utf8"));
    let bytes = 0;
    for await (const object of bucket.list("")) if (object.key in before.objects) bytes += object.size;
    expect(manifest.media).toEqual({ files: objects.length, bytes });
    expect(manifest.rowCounts).toEqual(Object.fromEntries(Object.entries(before.rows).map(([table, rows]) => [table, rows.length])));
    for (const part of [manifest.parts.database, manifest.parts.media]) {
      const content = await readFile(path.join(backupDir, part.file));
      expect(part).toEqual({ file: part.file, sizeBytes: content.length, sha256: createHash("sha256").update(content).digest("hex") });
    }
    // GNU tar reads the archive: one entry per object, named by its key, the split folder left out.
    const listing = await run("tar", ["--list", `--file=${path.join(backupDir, "media.tar")}`], 30_000);
    expect(listing.stdout.trim().split("\n")).toEqual(objects);
    // The objects went from the bucket to the archive: DATA_DIR holds no file but scratch space.
    const onDisk = await readdir(dataDir, { recursive: true, withFileTypes: true });
    expect(onDisk.filter((e) => e.isFile()).map((e) => path.relative(dataDir, path.join(e.parentPath, e.name))).filter((f) => !f.startsWith("tmp/"))).toEqual([]);
  });

  it("brings back identical rows and objects after the database and the bucket are wiped", async () => {
    await env.close();
    envClosed = true;
    for (const key of await keys(bucket)) await bucket.remove(key);
    expect(await keys(bucket)).toEqual([]);
    const { code, io } = await restore(backupDir);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout).toContainEqual(expect.stringMatching(new RegExp(`^uploading media: ${Object.keys(before.objects).length} files, `)));
    expect(io.stdout).toContainEqual(expect.stringMatching(/^restored and verified: \d+ rows, \d+ files/));
    const after = await snapshot();
    expect(Object.keys(after.rows).length).toBeGreaterThan(10);
    expect(after.rows).toEqual(before.rows);
    expect(after.objects).toEqual(before.objects);
    expect(await keys(bucket)).not.toContain(SPLIT_PAGE);
  });

  it("refuses a bucket holding files without --force, and replaces them with --force", async () => {
    // An empty database: the bucket alone makes the target occupied.
    await dropDatabase(config.DATABASE_URL);
    const refused = await restore(backupDir);
    expect(refused.code).toBe(3);
    expect(refused.io.stderr[0]).toMatch(new RegExp(`^The bucket ${s3.env.S3_BUCKET} holds ${Object.keys(before.objects).length} files \\([\\d.]+ (B|kB|MB)\\)\\.$`));
    expect(refused.io.stderr.join("\n")).not.toContain("The database");
    expect(refused.io.stderr.at(-1)).toContain("nothing was changed");
    expect(await snapshot()).toEqual({ rows: {}, objects: before.objects });

    // An object the backup does not have: --force replaces the bucket's durable objects by the backup's.
    await bucket.put("scans/stray.pdf", Buffer.from("stray"), new Scratch(dataDir, "test"));
    const forced = await restore(backupDir, true);
    expect(forced.io.stderr).toEqual([]);
    expect(forced.code).toBe(0);
    expect(forced.io.stdout).toContain("emptying the bucket…");
    expect(await snapshot()).toEqual(before);
  });

  it("restores an S3 backup into DATA_DIR and a DATA_DIR backup into the bucket: one archive format", async () => {
    const local: Config = { ...config, STORAGE_DRIVER: "local", DATA_DIR: path.join(work, "local-data") };
    const intoDisk = await restore(backupDir, true, local);
    expect(intoDisk.io.stderr).toEqual([]);
    expect(intoDisk.code).toBe(0);
    expect(await objectHashes(createFileStore(local))).toEqual(before.objects);

    const fromDisk = path.join(work, "backup-of-data-dir");
    expect((await backup(fromDisk, local)).code).toBe(0);
    for (const key of await keys(bucket)) await bucket.remove(key);
    const intoBucket = await restore(fromDisk, true);
    expect(intoBucket.io.stderr).toEqual([]);
    expect(intoBucket.code).toBe(0);
    expect(await snapshot()).toEqual(before);
  });
});
