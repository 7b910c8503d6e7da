// Once per test run: a template database with every migration applied. Each test file then
// clones it (CREATE DATABASE … TEMPLATE), which takes a fraction of a second.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { TestProject } from "vitest/node";
import pg from "pg";
import { dropDatabase, ensureDatabase, migrate, withDatabase } from "../lib/database.js";
import { unreachableServices } from "../lib/services-check.js";
import { TEST_DATABASE_URL, TEST_REDIS_URL } from "./env.js";

function migrationsHash(dir = "prisma/migrations"): string {
  const hash = createHash("sha256");
  for (const name of readdirSync(dir, { recursive: true }).map(String).sort()) {
    const file = path.join(dir, name);
    if (name.endsWith(".sql")) hash.update(name).update(readFileSync(file));
  }
  return hash.digest("hex").slice(0, 12);
}

/**
 * Templates of other migration sets, made more than a day ago. A recent one may belong to a
 * test run of another checkout on this machine (another branch, a CI clone) still cloning it.
 */
const STALE_AFTER_MS = 24 * 3600_000;

async function withServer<T>(run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(TEST_DATABASE_URL, "postgres") });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

async function dropStaleTemplates(current: string): Promise<void> {
  const { rows } = await withServer((client) =>
    client.query<{ datname: string; made: string | null }>(
      "SELECT datname, shobj_description(oid, 'pg_database') AS made FROM pg_database WHERE datname LIKE 'korrigo\\_test\\_template\\_%' AND datname <> $1",
      [current],
    ),
  );
  for (const { datname, made } of rows) {
    const age = Date.now() - (Number(made?.replace(/\D/g, "")) || 0);
    if (age > STALE_AFTER_MS) await dropDatabase(withDatabase(TEST_DATABASE_URL, datname));
  }
}

/** Records when the template was made (as its comment), for dropStaleTemplates. */
async function stamp(template: string): Promise<void> {
  await withServer((client) => client.query(`COMMENT ON DATABASE ${pg.escapeIdentifier(template)} IS 'made ${Date.now()}'`));
}

declare module "vitest" {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const problems = await unreachableServices(TEST_DATABASE_URL, TEST_REDIS_URL);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  const template = `korrigo_test_template_${migrationsHash()}`;
  const url = withDatabase(TEST_DATABASE_URL, template);
  if (await ensureDatabase(url)) {
    await stamp(template);
    // A template whose migration failed would be taken as ready by the next run: it goes.
    await migrate(url, { quiet: true }).catch(async (error: unknown) => {
      await dropDatabase(url);
      throw error;
    });
  }
  await dropStaleTemplates(template);
  project.provide("templateDatabase", template);
}
