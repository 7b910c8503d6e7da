// The committed migrations and prisma/schema.prisma describe the same database: a migration
// forgotten after a schema change (migrate dev does not work offline here) fails this test.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import pg from "pg";
import { dropDatabase, ensureDatabase, withDatabase } from "./database.js";
import { TEST_DATABASE_URL } from "../test/env.js";

const fromSchema = withDatabase(TEST_DATABASE_URL, `korrigo_test_schema_${randomBytes(4).toString("hex")}`);
afterAll(() => dropDatabase(fromSchema));

interface Column {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: string;
}

async function columns(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<Column>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    // Prisma cannot say NOT NULL on a list; a migration may be stricter there.
    return rows.map((c) => `${c.table_name}.${c.column_name} ${c.udt_name}${c.data_type === "ARRAY" ? "" : ` null=${c.is_nullable}`}`).sort();
  } finally {
    await client.end();
  }
}

describe("migrations", () => {
  it("build the database that schema.prisma describes", async () => {
    await ensureDatabase(fromSchema);
    const diff = spawnSync("npx", ["--no-install", "prisma", "migrate", "diff", "--from-empty", "--to-schema-datamodel", "prisma/schema.prisma", "--script"], {
      env: { ...process.env, DATABASE_URL: fromSchema },
      encoding: "utf8",
    });
    expect(diff.status).toBe(0);
    const client = new pg.Client({ connectionString: fromSchema });
    await client.connect();
    await client.query(diff.stdout);
    await client.end();
    const migrated = withDatabase(TEST_DATABASE_URL, inject("templateDatabase"));
    expect(await columns(migrated)).toEqual(await columns(fromSchema));
  }, 60_000);
});
