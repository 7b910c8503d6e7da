// PostgreSQL for `backup` and `restore`: pg_dump and pg_restore run as separate clients (the
// password goes to them through PGPASSWORD, never on a command line that `ps` shows), and a
// plain client, outside the application's pool, counts rows and reads the schema version.
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import pg from "pg";

/** Options that Prisma reads in DATABASE_URL and libpq refuses ("invalid URI query parameter"). */
const PRISMA_ONLY_PARAMS = ["schema", "connection_limit", "pool_timeout", "pgbouncer", "statement_cache_size", "socket_timeout"];

/** How pg_dump and pg_restore reach the database: `--dbname` without the password, which goes in the environment. */
export function libpqTarget(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = "";
  for (const param of PRISMA_ONLY_PARAMS) u.searchParams.delete(param);
  return { dbname: u.toString(), env: password ? { ...process.env, PGPASSWORD: password } : process.env };
}

const STDERR_TAIL = 8192;

/** Runs pg_dump, pg_restore or tar to its end, without a time limit; fails with the tail of its stderr. */
export function runTool(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: Readable } = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: [options.input ? "pipe" : "ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-STDERR_TAIL)));
    if (options.input) {
      // A tool that dies early closes its stdin (EPIPE): its exit code and stderr say why.
      child.stdin!.on("error", () => {});
      options.input.pipe(child.stdin!);
    }
    child.on("error", (error: NodeJS.ErrnoException) => reject(error.code === "ENOENT" ? new Error(`${command} is not installed (PATH)`) : error));
    child.on("close", (code, signal) => (code === 0 ? resolve() : reject(new Error(`${command} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`))));
  });
}

/** A client of its own with no statement timeout: backup and restore are maintenance commands. */
export async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("SET statement_timeout = 0");
    return await run(client);
  } finally {
    await client.end();
  }
}

export async function tableNames(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename");
  return rows.map((r) => r.name);
}

export async function rowCounts(client: pg.Client): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await tableNames(client)) {
    const { rows } = await client.query<{ n: string }>(`SELECT count(*) AS n FROM public.${pg.escapeIdentifier(table)}`);
    counts[table] = Number(rows[0]!.n);
  }
  return counts;
}

/** The last migration applied (names start with their timestamp); null for a database never migrated. */
export async function schemaVersion(client: pg.Client): Promise<string | null> {
  const { rows: found } = await client.query<{ t: string | null }>("SELECT to_regclass('public._prisma_migrations')::text AS t");
  if (!found[0]!.t) return null;
  const { rows } = await client.query<{ name: string }>(
    "SELECT migration_name AS name FROM public._prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name DESC LIMIT 1",
  );
  return rows[0]?.name ?? null;
}
