// `korrigo restore DIR [--force]`: checks every part's sha256 before touching anything, refuses
// a database or a file store (DATA_DIR or the S3 bucket) holding data unless --force, restores
// the database (pg_restore, one transaction) and the media files, then checks rows and files
// against the manifest.
import path from "node:path";
import pg from "pg";
import type { Config } from "../lib/config.js";
import { databaseName, ensureDatabase } from "../lib/database.js";
import { committedMigrations } from "../lib/migrations.js";
import { createFileStore, LocalFileStore, Scratch, type FileStore } from "../lib/storage.js";
import { EXIT, UsageError, type CliCommand, type CliIo, type ExitCode } from "./command.js";
import { progress } from "./io.js";
import { damagedParts, readManifest, type Manifest } from "./backup-manifest.js";
import { removeDurableObjects, uploadArchive } from "./backup-bucket.js";
import { durableFiles, extractArchive, formatSize, installMedia } from "./backup-media.js";
import { libpqTarget, runTool, tableNames, withClient } from "./backup-postgres.js";
import { verifyRestore } from "./backup-verify.js";

const HELP = `Usage: npm run korrigo -- restore DIR [--force]

Restores a folder written by \`korrigo backup\` into DATABASE_URL and the file store (DATA_DIR,
or the bucket with STORAGE_DRIVER=s3):
  1. checks the sha256 of every part: if one differs, nothing is changed;
  2. refuses a database that has tables, or a DATA_DIR or bucket that has files, unless --force;
  3. with --force, drops the database's public schema and the durable files (DATA_DIR's
     folders, the bucket's objects; tmp/ and work/ stay);
  4. restores the database (pg_restore, one transaction) and the media files (into a bucket,
     each file is uploaded straight from the archive: no local copy);
  5. checks the row counts, the media file count and every file rows point to (and its sha256).

Stop the API and the workers first. The database is created if it does not exist.

Options:
  --force   replace what the database and the file store hold

Exit codes: 0 restored and verified, 1 failed or differences found (listed), 2 usage, 3 refused.`;

const MAX_LISTED = 50;

/** What the database holds, in a few words; null when it has no table at all. */
async function databaseContents(client: pg.Client): Promise<string | null> {
  const tables = await tableNames(client);
  if (tables.length === 0) return null;
  const count = async (table: string) =>
    tables.includes(table) ? Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM public.${pg.escapeIdentifier(table)}`)).rows[0]!.n) : 0;
  return `${tables.length} tables, ${await count("_prisma_migrations")} migrations applied, ${await count("School")} schools, ${await count("User")} users`;
}

/** Why restoring here would mix two datasets; empty when the database and the file store hold nothing. */
async function occupants(config: Config, store: FileStore): Promise<string[]> {
  const found: string[] = [];
  const contents = await withClient(config.DATABASE_URL, databaseContents);
  if (contents) found.push(`The database ${databaseName(config.DATABASE_URL)} is not empty (${contents}).`);
  const media = await durableFiles(store);
  const where = store instanceof LocalFileStore ? `DATA_DIR ${store.root}` : `The bucket ${config.S3_BUCKET}`;
  if (media.paths.length > 0) found.push(`${where} holds ${media.paths.length} files (${formatSize(media.bytes)}).`);
  return found;
}

/** --force: the public schema as PostgreSQL 15 creates it (owned by the database's owner, usable by all). */
async function emptyDatabase(url: string): Promise<void> {
  await withClient(url, async (client) => {
    // A running API or worker holds locks on the tables: fail with a message instead of waiting.
    await client.query("SET lock_timeout = '30s'");
    await client.query("BEGIN; DROP SCHEMA public CASCADE; CREATE SCHEMA public AUTHORIZATION pg_database_owner; GRANT USAGE ON SCHEMA public TO PUBLIC; COMMIT");
  });
}

async function restoreDatabase(url: string, dump: string): Promise<void> {
  const target = libpqTarget(url);
  // Objects belong to DATABASE_URL's user, whatever roles the backed-up server had.
  const args = ["--no-owner", "--no-acl", "--exit-on-error", "--single-transaction", `--dbname=${target.dbname}`, dump];
  await runTool("pg_restore", args, { env: target.env });
}

/**
 * Scratch space is inside DATA_DIR (same file system, so installing is renames), and the media
 * are extracted before the database is touched: a full disk stops the restore early.
 */
async function restoreIntoDataDir(dataDir: string, archive: string, manifest: Manifest, io: CliIo, restoreDb: () => Promise<void>): Promise<void> {
  const scratch = new Scratch(dataDir, "restore");
  // One restore runs at a time: a staging folder left by a killed one is removed first.
  await scratch.clear();
  await scratch.withFolder("media-", async (staging) => {
    io.out(`extracting media: ${manifest.media.files} files, ${formatSize(manifest.media.bytes)}…`);
    await extractArchive(archive, staging);
    await restoreDb();
    await installMedia(dataDir, staging);
  });
}

/** The files are uploaded before the database is touched: a bucket that refuses them (quota, rights) stops the restore early. */
async function restoreIntoBucket(store: FileStore, scratch: Scratch, archive: string, manifest: Manifest, force: boolean, io: CliIo, restoreDb: () => Promise<void>): Promise<void> {
  if (force) {
    io.out("emptying the bucket…");
    await removeDurableObjects(store);
  }
  io.out(`uploading media: ${manifest.media.files} files, ${formatSize(manifest.media.bytes)}…`);
  await uploadArchive(archive, store, scratch, progress(io, manifest.media.files, (done, total) => `  ${done}/${total} files uploaded`));
  await restoreDb();
}

function schemaNote(backup: string | null, release: string | null): string | null {
  if (!release || backup === release) return null;
  return backup && backup > release
    ? `note: the backup's schema (${backup}) is newer than this release's (${release}): run the release that made it.`
    : `note: the backup's schema is ${backup ?? "empty"}, this release's ${release}: apply the migrations (npm run korrigo -- migrate deploy) before starting Korrigo.`;
}

function listProblems(io: CliIo, problems: string[]): void {
  problems.slice(0, MAX_LISTED).forEach((p) => io.err(p));
  if (problems.length > MAX_LISTED) io.err(`… and ${problems.length - MAX_LISTED} more`);
}

async function restore(config: Config, dir: string, force: boolean, io: CliIo): Promise<ExitCode> {
  const started = Date.now();
  const manifest = await readManifest(dir);
  io.out(`backup of ${manifest.createdAt} (Korrigo ${manifest.app.version}, schema ${manifest.schemaVersion ?? "empty"}): verifying checksums…`);
  const damaged = await damagedParts(dir, manifest);
  if (damaged.length > 0) {
    listProblems(io, [...damaged, "The backup is damaged: nothing was changed."]);
    return EXIT.FAILED;
  }
  const store = createFileStore(config);
  await ensureDatabase(config.DATABASE_URL);
  const occupied = await occupants(config, store);
  if (occupied.length > 0 && !force) {
    listProblems(io, [...occupied, "Restoring would mix two sets of data: nothing was changed. Use --force to replace them."]);
    return EXIT.REFUSED;
  }
  const restoreDb = async () => {
    if (force) {
      io.out("emptying the database…");
      await emptyDatabase(config.DATABASE_URL);
    }
    io.out("restoring the database…");
    await restoreDatabase(config.DATABASE_URL, path.join(dir, manifest.parts.database.file));
  };
  const archive = path.join(dir, manifest.parts.media.file);
  if (store instanceof LocalFileStore) await restoreIntoDataDir(store.root, archive, manifest, io, restoreDb);
  else await restoreIntoBucket(store, new Scratch(config.DATA_DIR, "restore"), archive, manifest, force, io, restoreDb);
  io.out("verifying rows and files…");
  const verified = await withClient(config.DATABASE_URL, (client) => verifyRestore(client, store, manifest));
  if (verified.problems.length > 0) {
    listProblems(io, verified.problems);
    io.err(`Restored, but ${verified.problems.length} difference(s) with the backup: see above.`);
    return EXIT.FAILED;
  }
  io.out(`restored and verified: ${verified.rows} rows, ${verified.files} files (${formatSize(verified.bytes)}) in ${Math.round((Date.now() - started) / 1000)} s`);
  const note = schemaNote(manifest.schemaVersion, (await committedMigrations(config.MIGRATIONS_DIR).catch(() => [])).at(-1) ?? null);
  if (note) io.out(note);
  return EXIT.OK;
}

export const restoreCommand: CliCommand = {
  name: "restore",
  summary: "restore a backup folder into an empty database and file store (or replace them with --force)",
  help: HELP,
  options: { force: { type: "boolean" } },
  positionals: true,
  async run({ config, values, positionals, io }) {
    if (positionals.length !== 1) throw new UsageError("give one backup folder: restore DIR [--force]");
    try {
      return await restore(config, path.resolve(positionals[0]!), values.force === true, io);
    } catch (error) {
      io.err(`restore failed: ${(error as Error).message}`);
      return EXIT.FAILED;
    }
  },
};
