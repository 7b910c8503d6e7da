// After a restore: the database and the file store (DATA_DIR or the bucket) must be what the
// backup held. Row counts and the media file count against the manifest, then every file a row
// points to: present, and equal to the sha256 the row stores where it stores one.
import type pg from "pg";
import { InvalidKeyError, type FileStore } from "../lib/storage.js";
import { sha256Of, type Manifest } from "./backup-manifest.js";
import { durableFiles } from "./backup-media.js";
import { rowCounts } from "./backup-postgres.js";

interface FileColumn {
  table: string;
  column: string;
  /** SQL for the sha256 the row stores for this file, when it stores the file's own. */
  sha256?: string;
}

const FILE_COLUMNS: FileColumn[] = [
  // A batch's sha256 is the upload's: the stored file is the upload itself only for a single PDF
  // (several files or a zip are merged by qpdf, and sourceFiles then lists them).
  { table: "ScanBatch", column: "storagePath", sha256: `CASE WHEN "sourceFiles" IS NULL THEN "sha256" END` },
  { table: "ExamDocument", column: "storagePath", sha256: `"sha256"` },
  { table: "GradedPdf", column: "storagePath", sha256: `"sha256"` },
  { table: "Copy", column: "gradedPdfPath" },
  { table: "Page", column: "imagePath" },
  { table: "Page", column: "thumbPath" },
  { table: "Booklet", column: "headerCropPath" },
];

const PAGE_ROWS = 5000;

/** Problems with the files of one column, read in pages of rows (a school has millions of pages). */
async function checkColumn(client: pg.Client, store: FileStore, c: FileColumn): Promise<string[]> {
  const problems: string[] = [];
  let after = "00000000-0000-0000-0000-000000000000";
  for (;;) {
    const { rows } = await client.query<{ id: string; path: string; sha256: string | null }>(
      `SELECT "id"::text AS id, "${c.column}" AS path, ${c.sha256 ?? "NULL"} AS sha256 FROM "${c.table}"
        WHERE "${c.column}" IS NOT NULL AND "id" > $1::uuid ORDER BY "id" LIMIT ${PAGE_ROWS}`,
      [after],
    );
    for (const row of rows) {
      const problem = await fileProblem(store, row.path, row.sha256);
      if (problem) problems.push(`${c.table} ${row.id} ${c.column} ${row.path}: ${problem}`);
    }
    if (rows.length < PAGE_ROWS) return problems;
    after = rows.at(-1)!.id;
  }
}

async function fileProblem(store: FileStore, key: string, sha256: string | null): Promise<string | null> {
  const found = await store.stat(key).catch((error: unknown) => {
    if (error instanceof InvalidKeyError) return null;
    throw error;
  });
  if (!found) return "file missing";
  if (sha256 && (await sha256Of((await store.stream(key)).body)) !== sha256) return "sha256 differs from the row's";
  return null;
}

export interface Verified {
  problems: string[];
  rows: number;
  files: number;
  bytes: number;
}

export async function verifyRestore(client: pg.Client, store: FileStore, manifest: Manifest): Promise<Verified> {
  const problems: string[] = [];
  const counts = await rowCounts(client);
  for (const table of new Set([...Object.keys(manifest.rowCounts), ...Object.keys(counts)])) {
    if (counts[table] !== manifest.rowCounts[table]) problems.push(`table ${table}: ${counts[table] ?? "missing"} rows, the backup has ${manifest.rowCounts[table] ?? "no such table"}`);
  }
  const media = await durableFiles(store);
  if (media.paths.length !== manifest.media.files) problems.push(`media: ${media.paths.length} files in ${store.driver === "s3" ? "the bucket" : "DATA_DIR"}, the backup has ${manifest.media.files}`);
  for (const column of FILE_COLUMNS) problems.push(...(await checkColumn(client, store, column)));
  return { problems, rows: Object.values(counts).reduce((a, b) => a + b, 0), files: media.paths.length, bytes: media.bytes };
}
