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

/** Templates of earlier migration sets are no longer of use to anyone. */
async function dropStaleTemplates(current: string): Promise<void> {
  const client = new pg.Client({ connectionString: withDatabase(TEST_DATABASE_URL, "postgres") });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'korrigo\\_test\\_template\\_%' AND datname <> $1", [current]);
    for (const { datname } of rows) await dropDatabase(withDatabase(TEST_DATABASE_URL, datname));
  } finally {
    await client.end();
  }
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
  if (await ensureDatabase(url)) await migrate(url, { quiet: true });
  await dropStaleTemplates(template);
  project.provide("templateDatabase", template);
}
