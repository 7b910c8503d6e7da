// migrate status and deploy against real databases: a migrated one has nothing pending; deploy
// creates and migrates a new one, and refuses to touch anything in production without --yes.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestEnv, type TestEnv } from "../test/harness.js";
import { capturedIo, cliEnv } from "../test/cli-io.js";
import { committedMigrations } from "../lib/migrations.js";
import { dropDatabase, withDatabase } from "../lib/database.js";
import { runCli } from "./run.js";

let env: TestEnv;
let migrations: string[];
const fresh = () => withDatabase(env.config.DATABASE_URL, `korrigo_test_migrate_${randomBytes(4).toString("hex")}`);
const created: string[] = [];

beforeAll(async () => {
  env = await createTestEnv();
  migrations = await committedMigrations("prisma/migrations");
});
afterAll(async () => {
  for (const url of created) await dropDatabase(url);
  await env.close();
});

async function databaseExists(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres") });
  await client.connect();
  try {
    return (await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [new URL(url).pathname.slice(1)])).rowCount === 1;
  } finally {
    await client.end();
  }
}

describe("migrate", () => {
  it("status lists every migration of a migrated database as applied, nothing pending", async () => {
    const io = capturedIo();
    expect(await runCli(["migrate", "status"], io, cliEnv(env.config))).toBe(0);
    expect(migrations.length).toBeGreaterThan(0);
    expect(io.stdout.slice(0, -1)).toEqual(migrations.map((m) => `applied  ${m}`));
    expect(io.stdout.at(-1)).toMatch(/: \d+ applied, nothing pending\.$/);
  });

  it("deploy is refused in production without --yes, and touches nothing", async () => {
    const url = fresh();
    const production = cliEnv(env.config, { NODE_ENV: "production", DATABASE_URL: url.replace("postgres@", "postgres:a-strong-database-password@"), SESSION_SECRET: "x".repeat(48), PUBLIC_URL: "https://korrigo.lycee-hugo.fr" });
    for (const argv of [["migrate", "deploy"], ["migrate"]]) {
      const io = capturedIo();
      expect(await runCli(argv, io, production)).toBe(3);
      expect(io.stderr).toEqual(["korrigo migrate: refused: applying migrations in production needs --yes (back up first: korrigo backup --out DIR)."]);
    }
    expect(await databaseExists(url)).toBe(false);
  });

  it("deploy creates a new database and applies every migration; status then has nothing pending", async () => {
    const url = fresh();
    created.push(url);
    const before = capturedIo();
    expect(await runCli(["migrate", "status"], before, cliEnv(env.config, { DATABASE_URL: url }))).toBe(0);
    expect(before.stdout.join("\n")).toContain("does not exist yet");

    const io = capturedIo();
    expect(await runCli(["migrate", "deploy"], io, cliEnv(env.config, { DATABASE_URL: url }))).toBe(0);
    expect(io.stdout).toEqual([
      expect.stringMatching(/^Created the database/),
      `Applying ${migrations.length} migration(s)…`,
      ...migrations.map((m) => `applied  ${m}`),
      `Done: ${migrations.length} applied, nothing pending.`,
    ]);
    const again = capturedIo();
    expect(await runCli(["migrate"], again, cliEnv(env.config, { DATABASE_URL: url }))).toBe(0);
    expect(again.stdout).toEqual([expect.stringMatching(/^Nothing to apply: .* has every migration/)]);
  }, 120_000);
});
