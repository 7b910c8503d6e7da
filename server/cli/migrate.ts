// `korrigo migrate status|deploy`: which committed migrations the database has, and applying
// the others (Prisma's `migrate deploy`, never `migrate dev`). Migrations are applied by this
// command or the compose file's one-shot `migrate` service, never implicitly by the API.
import type { Config } from "../lib/config.js";
import { databaseName, ensureDatabase, migrate } from "../lib/database.js";
import { databaseMigrationStatus, type MigrationStatus } from "../lib/migrations.js";
import { EXIT, RefusedError, UsageError, type CliCommand, type CliIo, type ExitCode } from "./command.js";

function printStatus(io: CliIo, config: Config, status: MigrationStatus | null): void {
  const name = databaseName(config.DATABASE_URL);
  if (!status) {
    io.out(`The database "${name}" does not exist yet: \`korrigo migrate deploy\` creates it and applies every migration.`);
    return;
  }
  const failed = new Set(status.failed);
  status.applied.forEach((m) => io.out(`applied  ${m}`));
  status.pending.forEach((m) => io.out(`${failed.has(m) ? "FAILED " : "pending"}  ${m}`));
  status.unknown.forEach((m) => io.out(`unknown  ${m} (applied, but not part of this version)`));
  io.out(`Database "${name}": ${status.applied.length} applied, ${status.pending.length ? `${status.pending.length} pending` : "nothing pending"}.`);
}

async function deploy(config: Config, yes: boolean, io: CliIo): Promise<ExitCode> {
  if (config.production && !yes) {
    throw new RefusedError("applying migrations in production needs --yes (back up first: korrigo backup --out DIR)");
  }
  const before = await databaseMigrationStatus(config.DATABASE_URL, config.MIGRATIONS_DIR);
  if (before && before.pending.length === 0) {
    io.out(`Nothing to apply: the database "${databaseName(config.DATABASE_URL)}" has every migration (${before.applied.length}).`);
    return EXIT.OK;
  }
  if (await ensureDatabase(config.DATABASE_URL)) io.out(`Created the database "${databaseName(config.DATABASE_URL)}".`);
  const { pending } = before ?? (await databaseMigrationStatus(config.DATABASE_URL, config.MIGRATIONS_DIR)) ?? { pending: [] };
  io.out(`Applying ${pending.length} migration(s)…`);
  try {
    await migrate(config.DATABASE_URL, { quiet: true });
  } catch (error) {
    // Prisma's own report (which migration, which statement) goes first; then one line.
    const [first, ...output] = (error as Error).message.split("\n");
    output.filter((line) => line.trim()).forEach((line) => io.err(`  ${line}`));
    io.err(`korrigo migrate: ${first}`);
    return EXIT.FAILED;
  }
  const after = await databaseMigrationStatus(config.DATABASE_URL, config.MIGRATIONS_DIR);
  pending.filter((m) => after?.applied.includes(m)).forEach((m) => io.out(`applied  ${m}`));
  io.out(`Done: ${after?.applied.length ?? 0} applied, ${after?.pending.length ? `${after.pending.length} still pending` : "nothing pending"}.`);
  return EXIT.OK;
}

export const migrateCommand: CliCommand = {
  name: "migrate",
  summary: "list applied and pending migrations (status), or apply the pending ones (deploy)",
  help: `Usage: korrigo migrate status
       korrigo migrate deploy [--yes]
       korrigo migrate             (the same as deploy)

  status   lists the committed migrations, applied or pending, and any failed one
  deploy   creates the database if needed and applies the pending migrations
           (prisma migrate deploy). With NODE_ENV=production it needs --yes: back up first.

Exit codes: 0 done (status: whatever is pending), 1 failed, 2 usage, 3 production without --yes.`,
  options: { yes: { type: "boolean" } },
  positionals: true,
  async run({ config, values, positionals, io }) {
    const [action = "deploy", ...extra] = positionals;
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
    if (action === "deploy") return deploy(config, values.yes === true, io);
    if (action !== "status") throw new UsageError(`unknown action "${action}": status or deploy`);
    printStatus(io, config, await databaseMigrationStatus(config.DATABASE_URL, config.MIGRATIONS_DIR));
    return EXIT.OK;
  },
};
