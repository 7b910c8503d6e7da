// `korrigo backup --out DIR`: the database (pg_dump, custom format), then the durable files
// (DATA_DIR's, or the S3 bucket's), then a manifest with each part's sha256. Database first:
// rows only point to files written before them and files are never overwritten, so files newer
// than the dump are only extra. The row counts come from the very snapshot pg_dump dumps, so
// restore checks them exactly.
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../lib/config.js";
import { createFileStore, LocalFileStore } from "../lib/storage.js";
import { EXIT, UsageError, type CliCommand, type CliIo } from "./command.js";
import { DATABASE_FILE, describePart, MANIFEST_FILE, MEDIA_FILE, newManifest, PARTIAL } from "./backup-manifest.js";
import { packObjects } from "./backup-bucket.js";
import { createArchive, durableFiles, formatSize } from "./backup-media.js";
import { libpqTarget, rowCounts, runTool, schemaVersion, withClient } from "./backup-postgres.js";

const HELP = `Usage: npm run korrigo -- backup --out DIR

Writes a backup into DIR (created; refused if it exists and is not empty):
  database.dump   pg_dump of DATABASE_URL, custom format
  media.tar       the durable files: DATA_DIR's, or with STORAGE_DRIVER=s3 the bucket's
                  objects, streamed one at a time (tmp/ and work/ are left out)
  manifest.json   schema version, row counts, file count, sha256 of each part

The API and workers may keep running: the dump is one consistent snapshot.
Restore with: npm run korrigo -- restore DIR

Exit codes: 0 done, 1 failed (DIR is left as it was), 2 usage, 3 refused.`;

async function dumpDatabase(url: string, file: string) {
  return withClient(url, async (client) => {
    await client.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    const { rows } = await client.query<{ id: string }>("SELECT pg_export_snapshot() AS id");
    const facts = { schemaVersion: await schemaVersion(client), rowCounts: await rowCounts(client) };
    const target = libpqTarget(url);
    await runTool("pg_dump", ["--format=custom", `--snapshot=${rows[0]!.id}`, `--file=${file}`, `--dbname=${target.dbname}`], { env: target.env });
    await client.query("COMMIT");
    return facts;
  });
}

const PROGRESS_EVERY_MS = 10_000;

/** Archiving says nothing while it works: every few seconds, how much of the media the archive holds. */
async function withProgress(io: CliIo, archive: string, total: number, work: Promise<void>): Promise<void> {
  const timer = setInterval(() => {
    stat(archive).then((s) => io.out(`  ${formatSize(s.size)} of ${formatSize(total)}`), () => {});
  }, PROGRESS_EVERY_MS);
  try {
    await work;
  } finally {
    clearInterval(timer);
  }
}

async function writeBackup(config: Config, dir: string, io: CliIo): Promise<void> {
  const started = Date.now();
  const partial = (file: string) => path.join(dir, file + PARTIAL);
  io.out("dumping database…");
  const db = await dumpDatabase(config.DATABASE_URL, partial(DATABASE_FILE));
  const rows = Object.values(db.rowCounts).reduce((a, b) => a + b, 0);
  io.out(`database dumped: ${Object.keys(db.rowCounts).length} tables, ${rows} rows, schema ${db.schemaVersion ?? "(never migrated)"}`);
  const store = createFileStore(config);
  const media = await durableFiles(store);
  io.out(`archiving media: ${media.paths.length} files, ${formatSize(media.bytes)}…`);
  const archiving = store instanceof LocalFileStore ? createArchive(store.root, media.paths, partial(MEDIA_FILE)) : packObjects(store, media.paths, partial(MEDIA_FILE));
  await withProgress(io, partial(MEDIA_FILE), media.bytes, archiving);
  io.out("computing checksums…");
  const manifest = newManifest({
    createdAt: new Date().toISOString(),
    app: { version: config.APP_VERSION, commit: config.GIT_COMMIT },
    schemaVersion: db.schemaVersion,
    parts: { database: await describePart(partial(DATABASE_FILE), DATABASE_FILE), media: await describePart(partial(MEDIA_FILE), MEDIA_FILE) },
    rowCounts: db.rowCounts,
    media: { files: media.paths.length, bytes: media.bytes },
  });
  await writeFile(partial(MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  // The manifest last: a folder with a manifest is a complete backup.
  for (const file of [DATABASE_FILE, MEDIA_FILE, MANIFEST_FILE]) await rename(partial(file), path.join(dir, file));
  io.out(`done in ${Math.round((Date.now() - started) / 1000)} s: ${dir}`);
}

/** Creates DIR; returns what to remove on failure, or null when DIR holds something already. */
async function claimFolder(dir: string): Promise<{ removeOnFailure: string; whole: boolean } | null> {
  const created = await mkdir(dir, { recursive: true });
  if (created) return { removeOnFailure: created, whole: true };
  return (await readdir(dir)).length === 0 ? { removeOnFailure: dir, whole: false } : null;
}

export const backupCommand: CliCommand = {
  name: "backup",
  summary: "back up the database and the media files into a new folder",
  help: HELP,
  options: { out: { type: "string" } },
  async run({ config, values, io }) {
    if (typeof values.out !== "string" || values.out === "") throw new UsageError("missing --out DIR");
    const dir = path.resolve(values.out);
    const claimed = await claimFolder(dir);
    if (!claimed) {
      io.err(`${dir} exists and is not empty: give a new folder.`);
      return EXIT.REFUSED;
    }
    try {
      await writeBackup(config, dir, io);
      return EXIT.OK;
    } catch (error) {
      // What this run created goes, folders included; a folder that was there stays, empty again.
      if (claimed.whole) await rm(claimed.removeOnFailure, { recursive: true, force: true });
      else for (const entry of await readdir(dir)) await rm(path.join(dir, entry), { recursive: true, force: true });
      io.err(`backup failed: ${(error as Error).message}`);
      return EXIT.FAILED;
    }
  },
};
