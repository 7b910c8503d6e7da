// check-config against the real services: a good development configuration passes every check;
// production rules, a missing database or an unwritable DATA_DIR are reported, each its own line.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../test/harness.js";
import { capturedIo, cliEnv } from "../test/cli-io.js";
import { withDatabase } from "../lib/database.js";
import { runCli } from "./run.js";

let env: TestEnv;
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-check-config-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
});
afterAll(async () => {
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

const PRODUCTION_READY = {
  SESSION_SECRET: "x".repeat(48),
  PUBLIC_URL: "https://korrigo.lycee-hugo.fr",
  TRUST_PROXY: "1",
};

describe("check-config", () => {
  it("passes a good development configuration: one OK line per check, exit 0", async () => {
    const io = capturedIo();
    expect(await runCli(["check-config"], io, cliEnv(env.config))).toBe(0);
    expect(io.stdout.map((line) => line.split(/\s+\(|:/)[0])).toEqual([
      "OK    configuration",
      "OK    PostgreSQL reachable",
      "OK    Redis reachable",
      "OK    PDF tools",
      "OK    DATA_DIR writable",
      "OK    migrations",
      "Every check passed.",
    ]);
    expect(io.stderr).toEqual([]);
  });

  it("reports every production problem with exit 78, still checking the services", async () => {
    const io = capturedIo();
    const bad = cliEnv(env.config, { NODE_ENV: "production", SESSION_SECRET: "short", PUBLIC_URL: "http://korrigo.lycee-hugo.fr", TRUST_PROXY: "true" });
    expect(await runCli(["check-config"], io, bad)).toBe(78);
    const failures = io.stdout.filter((line) => line.startsWith("FAIL"));
    expect(failures).toEqual([
      expect.stringMatching(/^FAIL {2}configuration: SESSION_SECRET must be set/),
      expect.stringMatching(/^FAIL {2}configuration: DATABASE_URL uses an empty or default database password/),
      expect.stringMatching(/^FAIL {2}configuration: PUBLIC_URL must be an https/),
      expect.stringMatching(/^FAIL {2}configuration: TRUST_PROXY must not be true/),
    ]);
    expect(io.stdout).toContain("OK    Redis reachable");
    expect(io.stderr).toEqual(["korrigo check-config: 1 check(s) failed."]);
  });

  it("--production applies the production rules to a development environment", async () => {
    const io = capturedIo();
    expect(await runCli(["check-config", "--production"], io, cliEnv(env.config, PRODUCTION_READY))).toBe(78);
    expect(io.stdout.filter((line) => line.startsWith("FAIL"))).toEqual([expect.stringContaining("default database password")]);
  });

  it("says which other check fails, exit 1: no database, DATA_DIR not a folder", async () => {
    const file = path.join(dataDir, "not-a-folder");
    await writeFile(file, "");
    const io = capturedIo();
    const broken = cliEnv(env.config, { DATABASE_URL: withDatabase(env.config.DATABASE_URL, "korrigo_check_config_absent"), DATA_DIR: file });
    expect(await runCli(["check-config"], io, broken)).toBe(1);
    expect(io.stdout.filter((line) => line.startsWith("FAIL"))).toEqual([
      `FAIL  DATA_DIR writable: ${file} is a file, not a folder`,
      'FAIL  migrations: the database "korrigo_check_config_absent" does not exist: run `korrigo migrate deploy`',
    ]);
    expect(io.stderr).toEqual(["korrigo check-config: 2 check(s) failed."]);
  });
});
