// `korrigo check-config`: before (re)starting Korrigo, is everything it needs right? The
// configuration as the API and worker would read it (the environment and .env), then the
// services, tools, folders and migrations it relies on. One OK/FAIL line per check.
import { constants } from "node:fs";
import { access, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError, loadConfig, type Config } from "../lib/config.js";
import { databaseMigrationStatus } from "../lib/migrations.js";
import { checkPostgres, checkRedis, missingTools } from "../lib/services-check.js";
import { createFileStore } from "../lib/storage.js";
import { databaseName } from "../lib/database.js";
import { EXIT, type CliIo, type EnvironmentCommand } from "./command.js";

interface Check {
  name: string;
  /** Null when the check passed. */
  problems: string[] | null;
  detail?: string;
}

const report = (io: CliIo, check: Check) => {
  if (check.problems === null) io.out(`OK    ${check.name}${check.detail ? ` (${check.detail})` : ""}`);
  else for (const problem of check.problems) io.out(`FAIL  ${check.name}: ${problem}`);
};

const single = (name: string, problem: string | null, detail?: string): Check => ({ name, problems: problem === null ? null : [problem], detail });

/** DATA_DIR must take files: always the scratch space, and the files themselves with the local driver. */
async function dataDirCheck(config: Config): Promise<Check> {
  const dir = path.resolve(config.DATA_DIR);
  const detail = config.STORAGE_DRIVER === "local" ? dir : `${dir}, scratch space only: files go to S3`;
  const found = await stat(dir).then((s) => (s.isDirectory() ? "folder" : "file"), () => "nothing");
  if (found === "file") return single("DATA_DIR writable", `${dir} is a file, not a folder`);
  try {
    if (found === "nothing") {
      // Created on first write: its parent must take it.
      await access(path.dirname(dir), constants.W_OK);
      return single("DATA_DIR writable", null, `${detail}; created on first write`);
    }
    const probe = path.join(dir, `.check-config-${process.pid}`);
    await writeFile(probe, "");
    await rm(probe);
    return single("DATA_DIR writable", null, detail);
  } catch (error) {
    return single("DATA_DIR writable", `${dir} cannot be written to (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}): give the user running Korrigo write access to it`);
  }
}

async function bucketCheck(config: Config): Promise<Check> {
  try {
    await createFileStore(config).exists("check-config-probe");
    return single("S3 bucket reachable", null, `${config.S3_BUCKET} at ${config.S3_ENDPOINT}`);
  } catch (error) {
    return single("S3 bucket reachable", `bucket ${config.S3_BUCKET} at ${config.S3_ENDPOINT} did not answer as expected (${(error as Error).message})`);
  }
}

async function migrationsCheck(config: Config): Promise<Check> {
  const status = await databaseMigrationStatus(config.DATABASE_URL, config.MIGRATIONS_DIR);
  if (!status) return single("migrations", `the database "${databaseName(config.DATABASE_URL)}" does not exist: run \`korrigo migrate deploy\``);
  const problems = [
    ...(status.failed.length ? [`failed, to be resolved before anything else: ${status.failed.join(", ")} (see docs/OPERATIONS.md)`] : []),
    ...(status.pending.length ? [`${status.pending.length} not applied: ${status.pending.join(", ")}; run \`korrigo migrate deploy\``] : []),
    ...(status.unknown.length ? [`the database has migrations this version does not know (${status.unknown.join(", ")}): it was migrated by a newer version`] : []),
  ];
  return { name: "migrations", problems: problems.length ? problems : null, detail: `${status.applied.length} applied, none pending` };
}

async function serviceChecks(config: Config): Promise<Check[]> {
  const postgres = single("PostgreSQL reachable", await checkPostgres(config.DATABASE_URL));
  const tools = await missingTools();
  return [
    postgres,
    single("Redis reachable", await checkRedis(config.REDIS_URL)),
    { name: "PDF tools", problems: tools.length ? tools : null, detail: "qpdf, pdfimages" },
    await dataDirCheck(config),
    ...(config.STORAGE_DRIVER === "s3" ? [await bucketCheck(config)] : []),
    postgres.problems ? single("migrations", "not checked: PostgreSQL is not reachable") : await migrationsCheck(config),
  ];
}

/** The configuration, or the problems that keep it from loading. */
function configuration(env: NodeJS.ProcessEnv): { config: Config } | { problems: string[] } {
  try {
    return { config: loadConfig(env) };
  } catch (error) {
    if (error instanceof ConfigError) return { problems: error.problems };
    throw error;
  }
}

export const checkConfigCommand: EnvironmentCommand = {
  name: "check-config",
  summary: "check the configuration, services, PDF tools, DATA_DIR and migrations",
  help: `Usage: korrigo check-config [--production]

Reads the configuration as the API and worker do (the environment, then .env for what it does
not set) and prints every problem in it; with NODE_ENV=production the production rules apply
(session secret, database password, https, secure cookies, trusted proxies). Then checks that
PostgreSQL and Redis answer, the PDF tools are installed, DATA_DIR can be written to (and the
S3 bucket answers, with STORAGE_DRIVER=s3) and every migration is applied. One line per check.

  --production    check as if NODE_ENV=production (before switching a server to production)

Exit codes: 0 every check passed, 78 the configuration is invalid, 1 another check failed.`,
  options: { production: { type: "boolean" } },
  async runWithEnvironment({ env, values, io }) {
    const environment = values.production ? { ...env, NODE_ENV: "production" } : env;
    const loaded = configuration(environment);
    const rules = environment.NODE_ENV === "production" ? "production rules" : `NODE_ENV=${environment.NODE_ENV ?? "development"}`;
    report(io, { name: "configuration", problems: "problems" in loaded ? loaded.problems : null, detail: rules });
    // Production rules broken, the services can still be checked with the settings as they are.
    const usable = "config" in loaded ? loaded : configuration({ ...environment, NODE_ENV: "development" });
    if (!("config" in usable)) {
      io.err("korrigo check-config: the configuration is invalid; fix it before the other checks can run.");
      return EXIT.CONFIG;
    }
    const checks = await serviceChecks(usable.config);
    checks.forEach((check) => report(io, check));
    const failed = checks.filter((c) => c.problems !== null).length + ("problems" in loaded ? 1 : 0);
    if (failed === 0) {
      io.out("Every check passed.");
      return EXIT.OK;
    }
    io.err(`korrigo check-config: ${failed} check(s) failed.`);
    return "problems" in loaded ? EXIT.CONFIG : EXIT.FAILED;
  },
};
