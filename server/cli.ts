// Operations from the command line: `npm run korrigo -- <command> [options]`.
import { parseArgs } from "node:util";
import { loadConfigOrExit, type Config } from "./lib/config.js";
import { closeContext, createContext, type AppContext } from "./lib/context.js";
import { recoverScans } from "./modules/scans/pipeline.js";
import { recoverIdentification } from "./modules/identification/pipeline.js";
import { recoverFinalizing } from "./modules/grading/finalize.js";
import { cleanupStorage } from "./modules/scans/cleanup.js";
import { createDb, createPool } from "./lib/db.js";
import { ensureDatabase, migrate } from "./lib/database.js";
import { missingTools, unreachableServices } from "./lib/services-check.js";
import { hashSecret } from "./lib/auth/secrets.js";
import { audit } from "./lib/audit.js";
import { endStaffSessions } from "./modules/auth/service.js";
import { formatDemoLogins, randomString, seedDemo } from "./cli/demo.js";

const HELP = `Usage: npm run korrigo -- <command>

Commands:
  check-services              check that PostgreSQL and Redis answer and the PDF tools are installed
  migrate                     create the database if needed and apply migrations
  seed-demo                   create the demo school if the database is empty
  reset-password --email E    give a staff account a new random password (printed once)
  recover                     re-enqueue scan, identification and finalizing work left half done (also run at worker start)
  cleanup [--dry-run]         list (and, without --dry-run, delete) files no row refers to
`;

async function withDb<T>(url: string, run: (db: ReturnType<typeof createDb>) => Promise<T>): Promise<T> {
  const pool = createPool(url, 2);
  const db = createDb(pool);
  try {
    return await run(db);
  } finally {
    await db.$disconnect();
    await pool.end();
  }
}

async function withContext(config: Config, run: (ctx: AppContext) => Promise<number>): Promise<number> {
  const ctx = createContext(config, "cli");
  try {
    return await run(ctx);
  } finally {
    await closeContext(ctx);
  }
}

async function main(argv: string[]): Promise<number> {
  const config = loadConfigOrExit();
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { email: { type: "string" }, "dry-run": { type: "boolean" } } });
  switch (positionals[0]) {
    case "check-services": {
      const problems = [...(await unreachableServices(config.DATABASE_URL, config.REDIS_URL)), ...(await missingTools())];
      problems.forEach((p) => console.error(p));
      return problems.length ? 1 : 0;
    }
    case "migrate":
      await ensureDatabase(config.DATABASE_URL);
      await migrate(config.DATABASE_URL);
      return 0;
    case "seed-demo": {
      const logins = await withDb(config.DATABASE_URL, seedDemo);
      process.stdout.write(logins ? formatDemoLogins(logins) : "The database already has a school: nothing seeded.\n");
      return 0;
    }
    case "reset-password": {
      if (!values.email) throw new Error("reset-password needs --email");
      const password = randomString(16);
      const email = values.email.trim().toLowerCase();
      const passwordHash = await hashSecret(password);
      const updated = await withDb(config.DATABASE_URL, (db) =>
        db.$transaction(async (tx) => {
          const user = await tx.user.findUnique({ where: { email } });
          if (!user) return null;
          await tx.user.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: new Date() } });
          await endStaffSessions(tx, user.id);
          await audit(tx, { schoolId: user.schoolId, actorType: "system", targetType: "user", targetId: user.id, action: "auth.password.reset_by_cli" });
          return user;
        }),
      );
      if (!updated) {
        console.error(`No staff account with the e-mail ${email}.`);
        return 1;
      }
      process.stdout.write(`New password for ${email}: ${password}\n`);
      return 0;
    }
    case "recover":
      return withContext(config, async (ctx) => {
        const recovered = await recoverScans(ctx);
        const identifying = await recoverIdentification(ctx);
        const finalizing = await recoverFinalizing(ctx);
        process.stdout.write(`Re-enqueued work for ${recovered.batches} open batch(es), ${recovered.pages} page(s), ${identifying} batch(es) to identify, ${finalizing} copy(ies) to finalize; removed ${recovered.tmpDirsRemoved} stale temporary folder(s).\n`);
        return 0;
      });
    case "cleanup":
      return withContext(config, async (ctx) => {
        const dryRun = values["dry-run"] === true;
        const found = await cleanupStorage(ctx, { dryRun });
        found.forEach((f) => process.stdout.write(`${dryRun ? "would remove" : "removed"} ${f}\n`));
        process.stdout.write(`${found.length} unreferenced file(s) or folder(s)${dryRun ? " (dry run: nothing removed)" : " removed"}.\n`);
        return 0;
      });
    default:
      process.stdout.write(HELP);
      return positionals[0] ? 2 : 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`korrigo: ${(error as Error).message}`);
    process.exit(1);
  },
);
