// Which committed migrations (MIGRATIONS_DIR) a database has applied, from Prisma's own
// `_prisma_migrations` table: for readiness, `korrigo migrate status` and `korrigo check-config`.
import { readdir } from "node:fs/promises";
import pg from "pg";

export interface MigrationRow {
  migration_name: string;
  finished: boolean;
  rolled_back: boolean;
}

export const MIGRATION_ROWS_SQL = `SELECT migration_name, finished_at IS NOT NULL AS finished, rolled_back_at IS NOT NULL AS rolled_back
  FROM _prisma_migrations ORDER BY started_at`;

export interface MigrationStatus {
  /** Committed and applied, oldest first. */
  applied: string[];
  /** Committed and not applied yet (failed ones included), in the order they apply. */
  pending: string[];
  /** Started but neither finished nor rolled back: `prisma migrate deploy` stops there until it is resolved. */
  failed: string[];
  /** Applied to the database but not committed here: the database is newer than this code. */
  unknown: string[];
}

export async function committedMigrations(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

export function compareMigrations(committed: string[], rows: MigrationRow[]): MigrationStatus {
  const applied = new Set(rows.filter((r) => r.finished && !r.rolled_back).map((r) => r.migration_name));
  const failed = new Set(rows.filter((r) => !r.finished && !r.rolled_back).map((r) => r.migration_name));
  const known = new Set(committed);
  return {
    applied: committed.filter((name) => applied.has(name)),
    pending: committed.filter((name) => !applied.has(name)),
    failed: [...failed].filter((name) => !applied.has(name)),
    unknown: [...applied].filter((name) => !known.has(name)),
  };
}

/** The migration status of the database at `url`; null when that database does not exist yet. */
export async function databaseMigrationStatus(url: string, dir: string): Promise<MigrationStatus | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
  } catch (error) {
    if ((error as { code?: string }).code === "3D000") return null;
    throw error;
  }
  try {
    // No table yet: a database created but never migrated.
    const rows = await client.query<MigrationRow>(MIGRATION_ROWS_SQL).then(
      (result) => result.rows,
      (error: { code?: string }) => {
        if (error.code === "42P01") return [];
        throw error;
      },
    );
    return compareMigrations(await committedMigrations(dir), rows);
  } finally {
    await client.end();
  }
}
