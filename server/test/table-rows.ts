// Every table of a database as JSON rows ordered by primary key: what the backup and restore
// tests compare before a backup and after its restore.
import pg from "pg";
import { expect } from "vitest";

/** `use` with a connection of its own to `url`, closed afterwards. */
export async function withClient<T>(url: string, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

export async function tableRows(client: pg.Client): Promise<Record<string, unknown[]>> {
  const rows: Record<string, unknown[]> = {};
  const tables = (await client.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")).rows;
  for (const { name } of tables) {
    const table = `public.${pg.escapeIdentifier(name)}`;
    const pk = (await client.query<{ col: string }>(
      "SELECT a.attname AS col FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
      [table],
    )).rows.map((r) => pg.escapeIdentifier(r.col));
    expect(pk.length, `${name} has a primary key`).toBeGreaterThan(0);
    rows[name] = (await client.query<{ rows: unknown[] }>(`SELECT coalesce(json_agg(t ORDER BY ${pk.join(", ")}), '[]'::json) AS rows FROM ${table} t`)).rows[0]!.rows;
  }
  return rows;
}
