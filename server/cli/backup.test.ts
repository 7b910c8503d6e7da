// `korrigo backup` and `korrigo restore` against the real PostgreSQL, pg_dump/pg_restore and GNU
// tar: a database with graded copies (real PDFs in DATA_DIR) is backed up, wiped and restored
// with identical rows and files; a database holding data is only replaced with --force; a
// damaged backup changes nothing; files that do not match their rows are reported.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Config } from "../lib/config.js";
import { dropDatabase, withDatabase } from "../lib/database.js";
import { run } from "../lib/exec.js";
import { committedMigrations } from "../lib/migrations.js";
import { createTestEnv, type TestEnv } from "../test/harness.js";
import { type GradedCopy } from "../test/graded-factory.js";
import { seedGradedExam } from "../test/backup-fixture.js";
import { capturedIo, runCommand } from "../test/cli-io.js";
import { tableRows, withClient } from "../test/table-rows.js";
import { UsageError } from "./command.js";
import { backupCommand } from "./backup.js";
import { restoreCommand } from "./restore.js";
import { libpqTarget } from "./backup-postgres.js";

let env: TestEnv;
let envClosed = false;
let config: Config;
let work: string;
let dataDir: string;
let backupDir: string;
let graded: GradedCopy[];
let documentPath: string;
let before: Snapshot;

interface Snapshot {
  /** Every table's rows as JSON, ordered by primary key. */
  rows: Record<string, unknown[]>;
  /** sha256 of every durable file under DATA_DIR (relative path → hash). */
  files: Record<string, string>;
}

const withDb = <T>(use: (client: pg.Client) => Promise<T>): Promise<T> => withClient(config.DATABASE_URL, use);

async function fileHashes(): Promise<Record<string, string>> {
  if (!existsSync(dataDir)) return {};
  const entries = await readdir(dataDir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile()).map((e) => path.relative(dataDir, path.join(e.parentPath, e.name))).filter((f) => !/^(tmp|work)\//.test(f)).sort();
  const hashes: Record<string, string> = {};
  for (const file of files) hashes[file] = createHash("sha256").update(await readFile(path.join(dataDir, file))).digest("hex");
  return hashes;
}

async function snapshot(): Promise<Snapshot> {
  return { rows: await withDb(tableRows), files: await fileHashes() };
}

async function flipByte(file: string, at = 0.5): Promise<void> {
  const bytes = await readFile(file);
  const index = Math.floor(bytes.length * at);
  bytes[index] = bytes[index]! ^ 0xff;
  await writeFile(file, bytes);
}

const backup = (out: string, cfg: Config = config) => runCommand(backupCommand, cfg, { out });
const restore = (dir: string, force = false) => runCommand(restoreCommand, config, { force }, [dir]);
const addSchool = () => withDb((client) => client.query(`INSERT INTO "School" ("id", "name", "slug") VALUES (gen_random_uuid(), 'Lycée ajouté', 'ajoute-${Date.now()}')`));

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), "korrigo-backup-"));
  dataDir = path.join(work, "data");
  backupDir = path.join(work, "backup");
  env = await createTestEnv({ DATA_DIR: dataDir });
  config = env.config;
  ({ documentPath, graded } = await seedGradedExam(env));
  // Scratch files a crash could leave: never part of a backup.
  await mkdir(path.join(dataDir, "tmp", "worker-gone"), { recursive: true });
  await writeFile(path.join(dataDir, "tmp", "worker-gone", "half-written"), "x");
  await mkdir(path.join(dataDir, "work", "batch-in-progress"), { recursive: true });
  await writeFile(path.join(dataDir, "work", "batch-in-progress", "page-1.pdf"), "x");
  before = await snapshot();
}, 180_000);

afterAll(async () => {
  if (envClosed) await dropDatabase(config.DATABASE_URL);
  else await env.close();
  await rm(work, { recursive: true, force: true });
});

describe("korrigo backup", () => {
  it("gives pg_dump the password through PGPASSWORD, not on its command line", () => {
    const target = libpqTarget("postgresql://korrigo:s3cr%40t@db.internal:5432/korrigo?schema=public&sslmode=require");
    expect(target.dbname).toBe("postgresql://korrigo@db.internal:5432/korrigo?sslmode=require");
    expect(target.env.PGPASSWORD).toBe("s3cr@t");
  });

  it("writes the dump, the media archive and a manifest describing them", async () => {
    const { code, io } = await backup(backupDir);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout[0]).toBe("dumping database…");
    expect(io.stdout).toContainEqual(expect.stringMatching(/^archiving media: \d+ files, [\d.]+ (B|kB|MB)…$/));
    expect(io.stdout.at(-1)).toMatch(/^done in \d+ s: /);
    expect((await readdir(backupDir)).sort()).toEqual(["database.dump", "manifest.json", "media.tar"]);

    const manifest = JSON.parse(await readFile(path.join(backupDir, "manifest.json"), "utf8"));
    const migrations = await committedMigrations(config.MIGRATIONS_DIR);
    expect(manifest).toMatchObject({ formatVersion: 1, app: { version: config.APP_VERSION, commit: config.GIT_COMMIT }, schemaVersion: migrations.at(-1) });
    expect(manifest.rowCounts).toEqual(Object.fromEntries(Object.entries(before.rows).map(([table, rows]) => [table, rows.length])));
    expect(manifest.rowCounts).toMatchObject({ GradedPdf: 2, ExamDocument: 1, ScanBatch: 1, _prisma_migrations: migrations.length });
    const files = Object.keys(before.files);
    expect(files).toEqual(expect.arrayContaining([documentPath, ...graded.map((g) => g.storagePath)]));
    expect(manifest.media.files).toBe(files.length);
    for (const part of [manifest.parts.database, manifest.parts.media]) {
      const bytes = await readFile(path.join(backupDir, part.file));
      expect(part).toEqual({ file: part.file, sizeBytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") });
    }
    // The archive holds the durable files, not the scratch folders.
    const listing = await run("tar", ["--list", `--file=${path.join(backupDir, "media.tar")}`], 30_000);
    expect(listing.stdout.trim().split("\n").sort()).toEqual(files);
  });

  it("refuses a folder that is not empty and a missing --out", async () => {
    const occupied = await backup(backupDir);
    expect(occupied.code).toBe(3);
    expect(occupied.io.stderr.join("\n")).toContain("is not empty");
    await expect(backupCommand.run({ config, values: {}, positionals: [], io: capturedIo() })).rejects.toBeInstanceOf(UsageError);
  });

  it("removes what it wrote when it fails", async () => {
    // The database is dumped, then DATA_DIR (here a file) cannot be read.
    const notAFolder = path.join(work, "not-a-folder");
    await writeFile(notAFolder, "x");
    const out = path.join(work, "failed", "nested");
    const failed = await backup(out, { ...config, DATA_DIR: notAFolder });
    expect(failed.code).toBe(1);
    expect(failed.io.stderr.join("\n")).toMatch(/^backup failed: /);
    expect(failed.io.stdout).toContain("dumping database…");
    expect(existsSync(path.join(work, "failed"))).toBe(false);
    // A folder that was there already stays, emptied again.
    const empty = path.join(work, "empty");
    await mkdir(empty);
    const unreachable = await backup(empty, { ...config, DATABASE_URL: withDatabase(config.DATABASE_URL, "korrigo_test_no_such_database") });
    expect(unreachable.code).toBe(1);
    expect(await readdir(empty)).toEqual([]);
  });
});

describe("korrigo restore", () => {
  it("brings back identical rows and files after the database and DATA_DIR are wiped", async () => {
    await env.close();
    envClosed = true;
    await rm(dataDir, { recursive: true, force: true });
    const { code, io } = await restore(backupDir);
    expect(io.stderr).toEqual([]);
    expect(code).toBe(0);
    expect(io.stdout).toContainEqual(expect.stringMatching(/^restored and verified: \d+ rows, \d+ files/));
    const after = await snapshot();
    expect(Object.keys(after.rows).length).toBeGreaterThan(10);
    expect(after.rows).toEqual(before.rows);
    expect(after.files).toEqual(before.files);
  });

  it("refuses a database holding data without --force, and replaces it with --force", async () => {
    const refused = await restore(backupDir);
    expect(refused.code).toBe(3);
    expect(refused.io.stderr.join("\n")).toMatch(/The database korrigo_test_\w+ is not empty \(\d+ tables, \d+ migrations applied, 1 schools, 2 users\)/);
    expect(refused.io.stderr.join("\n")).toContain("nothing was changed");
    // Data the backup does not have: --force replaces it by the backup's.
    await addSchool();
    await writeFile(path.join(dataDir, "scans", "stray.pdf"), "stray");
    // What a restore killed while extracting leaves behind.
    const leftover = path.join(dataDir, "tmp", "restore", "media-killed");
    await mkdir(leftover, { recursive: true });
    await writeFile(path.join(leftover, "half-extracted.jpg"), "x");
    const forced = await restore(backupDir, true);
    expect(existsSync(leftover)).toBe(false);
    expect(forced.io.stderr).toEqual([]);
    expect(forced.code).toBe(0);
    expect(forced.io.stdout).toContain("emptying the database…");
    expect(await snapshot()).toEqual(before);
  });

  it("refuses a damaged backup before changing anything", async () => {
    const damaged = path.join(work, "damaged");
    await cp(backupDir, damaged, { recursive: true });
    await flipByte(path.join(damaged, "media.tar"));
    await addSchool();
    const current = await snapshot();
    const { code, io } = await restore(damaged, true);
    expect(code).toBe(1);
    expect(io.stderr[0]).toMatch(/^media\.tar: sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}$/);
    expect(io.stderr).toContain("The backup is damaged: nothing was changed.");
    expect(await snapshot()).toEqual(current);
  });

  it("reports files that are missing or differ from the sha256 their rows store", async () => {
    // A graded PDF altered and the exam's subject lost on disk, then backed up that way.
    await flipByte(path.join(dataDir, graded[0]!.storagePath));
    await rm(path.join(dataDir, documentPath));
    const out = path.join(work, "backup-of-damaged-files");
    expect((await backup(out)).code).toBe(0);
    const { code, io } = await restore(out, true);
    expect(code).toBe(1);
    const document = await withDb(async (client) => (await client.query<{ id: string }>(`SELECT id FROM "ExamDocument"`)).rows[0]!.id);
    expect(io.stderr).toEqual([
      `ExamDocument ${document} storagePath ${documentPath}: file missing`,
      `GradedPdf ${graded[0]!.gradedPdfId} storagePath ${graded[0]!.storagePath}: sha256 differs from the row's`,
      "Restored, but 2 difference(s) with the backup: see above.",
    ]);
  });
});
