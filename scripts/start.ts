// `npm start` (and `npm run dev` with --dev): check services, build what is stale, migrate,
// seed the demo school on an empty database, then run the API and the worker together.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { loadConfigOrExit } from "../server/lib/config.js";
import { ensureDatabase, migrate } from "../server/lib/database.js";
import { missingTools, unreachableServices } from "../server/lib/services-check.js";
import { createDb, createPool, poolSettings } from "../server/lib/db.js";
import { formatDemoLogins, seedDemo } from "../server/cli/demo.js";

const dev = process.argv.includes("--dev");
const config = loadConfigOrExit();

function newestMtime(target: string): number {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(target).filter((n) => n !== "generated").map((n) => newestMtime(path.join(target, n))));
}

function buildIfStale(name: string, output: string, sources: string[]): void {
  const built = existsSync(output) ? statSync(output).mtimeMs : 0;
  if (built >= Math.max(...sources.map(newestMtime))) return;
  process.stdout.write(`Building ${name}…\n`);
  const result = spawnSync("npm", ["run", `build:${name}`], { stdio: "inherit" });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function gitCommit(): string {
  const result = spawnSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" });
  return result.status === 0 ? result.stdout.trim() : "unknown";
}

async function seed(): Promise<void> {
  const pool = createPool(config.DATABASE_URL, { ...poolSettings(config), poolSize: 2 });
  const db = createDb(pool);
  try {
    const logins = await seedDemo(db);
    if (logins) process.stdout.write(formatDemoLogins(logins));
  } finally {
    await db.$disconnect();
    await pool.end();
  }
}

// A process that dies is reported, not taken as a reason to stop the others: the API keeps
// answering (readiness then names the missing worker). Ctrl-C stops everything cleanly.
function supervise(children: { name: string; child: ChildProcess }[]): void {
  let stopping = false;
  const running = () => children.filter(({ child }) => child.exitCode === null && child.signalCode === null);
  for (const { name, child } of children) {
    child.once("exit", (code, signal) => {
      if (!stopping) console.error(`korrigo: the ${name} process stopped (${signal ?? `exit ${code}`}).`);
      if (running().length === 0) process.exit(stopping ? 0 : 1);
    });
  }
  const stopAll = () => {
    if (stopping) return;
    stopping = true;
    running().forEach(({ child }) => child.kill("SIGTERM"));
    setTimeout(() => running().forEach(({ child }) => child.kill("SIGKILL")), 20_000).unref();
  };
  process.on("SIGINT", stopAll);
  process.on("SIGTERM", stopAll);
}

async function main(): Promise<void> {
  const problems = [...(await unreachableServices(config.DATABASE_URL, config.REDIS_URL)), ...(await missingTools())];
  if (problems.length > 0) {
    problems.forEach((p) => console.error(p));
    process.exit(1);
  }
  if (!dev) {
    buildIfStale("server", "dist/server/index.js", ["server", "prisma/schema.prisma", "tsconfig.json"]);
    buildIfStale("web", "web/dist/index.html", ["web/src", "web/index.html", "web/public", "web/vite.config.ts"]);
  }
  await ensureDatabase(config.DATABASE_URL);
  await migrate(config.DATABASE_URL, { quiet: true });
  await seed();

  const env = { ...process.env, GIT_COMMIT: process.env.GIT_COMMIT ?? gitCommit() };
  const run = (name: string, cmd: string, args: string[]) => ({ name, child: spawn(cmd, args, { stdio: "inherit", env }) });
  const children = dev
    ? [
        run("API", "npx", ["tsx", "watch", "server/index.ts"]),
        run("worker", "npx", ["tsx", "watch", "server/worker.ts"]),
        run("Vite", "npx", ["vite", "--config", "web/vite.config.ts"]),
      ]
    : [run("API", process.execPath, ["dist/server/index.js"]), run("worker", process.execPath, ["dist/server/worker.js"])];
  supervise(children);
  const url = dev ? "http://localhost:5173" : `http://localhost:${config.PORT}`;
  process.stdout.write(`\nKorrigo is starting on ${url} — press Ctrl-C to stop.\n\n`);
}

main().catch((error: unknown) => {
  console.error(`korrigo: ${(error as Error).message}`);
  process.exit(1);
});
