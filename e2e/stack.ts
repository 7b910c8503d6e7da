// The full stack the browser tests run against, isolated from the demo install: a fresh
// database and Redis key prefix, the built API and worker, and nginx in front of both
// (rendered from nginx/, the same server block production uses). Everything the teardown
// needs is in e2e/.run/state.json, so it works whatever process runs it — and a setup
// after a hard kill can clean up what the previous run left.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { databaseName, dropDatabase, ensureDatabase, migrate, withDatabase } from "../server/lib/database.js";
import { createDb, createPool, poolSettings } from "../server/lib/db.js";
import { loadConfig } from "../server/lib/config.js";
import { seedDemo } from "../server/cli/demo.js";
import { unreachableServices } from "../server/lib/services-check.js";
import { prepareNginxPrefix } from "../nginx/render.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RUN_DIR = path.join(ROOT, "e2e", ".run");
const LOGINS_FILE = path.join(RUN_DIR, "logins.json");
const STATE_FILE = path.join(RUN_DIR, "state.json");
const NGINX_PREFIX = path.join(RUN_DIR, "nginx");
const DATA_DIR = path.join(RUN_DIR, "data");
const NGINX_BIN = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** `marker` is part of the process's command line: a stale pid is only signalled if it still matches. */
interface Proc {
  name: string;
  pid: number;
  marker: string;
  log: string;
}

interface StackState {
  baseURL: string;
  databaseUrl: string;
  redisUrl: string;
  redisPrefix: string;
  procs: Proc[];
}

export interface Logins {
  staff: { role: string; email: string; password: string; displayName: string }[];
  students: { name: string; login: string; accessCode: string }[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function saveState(state: StackState): void {
  writeFileSync(STATE_FILE, JSON.stringify(state, null, 2));
}

function requireBuilt(): void {
  const missing = ["dist/server/index.js", "dist/server/worker.js", "web/dist/index.html"].filter((f) => !existsSync(path.join(ROOT, f)));
  if (missing.length > 0) {
    throw new Error(`e2e: missing ${missing.join(", ")}. Build first: \`npm run build\` (or run \`npm run test:e2e\`, which builds).`);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (address && typeof address === "object" ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

function logTail(file: string, lines = 25): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function prepareNginx(listen: string, upstream: string): string[] {
  const args = prepareNginxPrefix(NGINX_PREFIX, {
    KORRIGO_LISTEN: listen,
    KORRIGO_API_UPSTREAM: upstream,
    KORRIGO_WEB_ROOT: path.join(ROOT, "web", "dist"),
    KORRIGO_DATA_DIR: DATA_DIR,
    // Nothing is in front of this nginx (the browser connects to it): trust no real address.
    KORRIGO_TRUSTED_PROXIES: "192.0.2.1",
  });
  const check = spawnSync(NGINX_BIN, ["-t", ...args], { encoding: "utf8" });
  if (check.error) throw new Error(`e2e: cannot run ${NGINX_BIN} (${check.error.message}); install nginx-light or set NGINX_BIN.`);
  if (check.status !== 0) throw new Error(`e2e: the nginx configuration is invalid:\n${check.stderr}`);
  return args;
}

function start(state: StackState, name: string, command: string, args: string[], env: NodeJS.ProcessEnv, marker: string): void {
  const log = path.join(RUN_DIR, `${name}.log`);
  const out = openSync(log, "w");
  const child = spawn(command, args, { cwd: ROOT, env, stdio: ["ignore", out, out] });
  if (child.pid === undefined) throw new Error(`e2e: could not start ${name} (${command})`);
  child.unref();
  state.procs.push({ name, pid: child.pid, marker, log });
  saveState(state);
}

function isRunning(proc: Proc): boolean {
  try {
    process.kill(proc.pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${proc.pid}/cmdline`, "utf8").includes(proc.marker);
  } catch {
    return true; // no /proc on this system: trust the pid
  }
}

async function waitUntilReady(state: StackState): Promise<void> {
  const url = `${state.baseURL}/api/health/ready`;
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let last = "no answer";
  while (Date.now() < deadline) {
    const dead = state.procs.find((p) => !isRunning(p));
    if (dead) throw new Error(`e2e: ${dead.name} exited during startup. Last lines of ${dead.log}:\n${logTail(dead.log)}`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.status === 200) return;
      last = `${res.status} ${await res.text()}`;
    } catch (error) {
      last = (error as Error).message;
    }
    await sleep(500);
  }
  const tails = state.procs.map((p) => `--- ${p.log}\n${logTail(p.log, 10)}`).join("\n");
  throw new Error(`e2e: ${url} not ready after ${READY_TIMEOUT_MS / 1000} s (last: ${last}).\n${tails}`);
}

async function seed(databaseUrl: string): Promise<Logins> {
  const pool = createPool(databaseUrl, { ...poolSettings(loadConfig({})), poolSize: 2 });
  const db = createDb(pool);
  try {
    const logins = await seedDemo(db);
    if (!logins) throw new Error("e2e: the fresh database already had a school");
    // Display names are not in seedDemo's result; the tests check the header shows them.
    const users = await db.user.findMany({ select: { email: true, displayName: true } });
    const names = new Map(users.map((u) => [u.email, u.displayName]));
    return { ...logins, staff: logins.staff.map((s) => ({ ...s, displayName: names.get(s.email) ?? "" })) };
  } finally {
    await db.$disconnect();
    await pool.end();
  }
}

export async function startStack(): Promise<{ baseURL: string }> {
  requireBuilt();
  await stopStack(); // leftovers of a run that was killed before its teardown
  rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });

  const serverUrl = process.env.E2E_DATABASE_URL ?? process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
  const redisUrl = process.env.E2E_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const problems = await unreachableServices(serverUrl, redisUrl);
  if (problems.length > 0) throw new Error(`e2e: ${problems.join("\n")}`);

  const id = randomBytes(4).toString("hex");
  const [apiPort, nginxPort] = [await freePort(), await freePort()];
  const state: StackState = {
    baseURL: `http://127.0.0.1:${nginxPort}`,
    // Only ever a database of our own: the name in DATABASE_URL (e.g. the demo's) is replaced.
    databaseUrl: withDatabase(serverUrl, `korrigo_e2e_${id}`),
    redisUrl,
    redisPrefix: `ke2e_${id}`,
    procs: [],
  };
  saveState(state);
  try {
    await ensureDatabase(state.databaseUrl);
    await migrate(state.databaseUrl, { quiet: true });
    writeFileSync(LOGINS_FILE, JSON.stringify(await seed(state.databaseUrl), null, 2));

    const nginxArgs = prepareNginx(`127.0.0.1:${nginxPort}`, `127.0.0.1:${apiPort}`);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "test",
      HOST: "127.0.0.1",
      PORT: String(apiPort),
      PUBLIC_URL: state.baseURL,
      DATABASE_URL: state.databaseUrl,
      REDIS_URL: redisUrl,
      REDIS_PREFIX: state.redisPrefix,
      TRUST_PROXY: "loopback",
      COOKIE_SECURE: "false",
      DATA_DIR,
      // Page images reach the browser the production way: nginx serves them on the API's word.
      MEDIA_X_ACCEL: "true",
      WEB_DIST_DIR: path.join(ROOT, "web", "dist"),
      LOG_LEVEL: process.env.LOG_LEVEL ?? "info",
      WORKER_CONCURRENCY: "1",
    };
    const api = path.join(ROOT, "dist", "server", "index.js");
    const worker = path.join(ROOT, "dist", "server", "worker.js");
    start(state, "api", process.execPath, [api], env, api);
    start(state, "worker", process.execPath, [worker], env, worker);
    start(state, "nginx", NGINX_BIN, nginxArgs, process.env, NGINX_PREFIX);
    await waitUntilReady(state);
    return { baseURL: state.baseURL };
  } catch (error) {
    await stopStack();
    throw error;
  }
}

async function stopProc(proc: Proc): Promise<void> {
  if (!isRunning(proc)) return;
  process.kill(proc.pid, "SIGTERM");
  const deadline = Date.now() + STOP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (!isRunning(proc)) return;
    await sleep(100);
  }
  console.warn(`e2e: ${proc.name} (pid ${proc.pid}) ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s; killing it.`);
  process.kill(proc.pid, "SIGKILL");
}

async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/** Stops what state.json lists, then removes its Redis keys and database. A no-op without state. */
export async function stopStack(): Promise<void> {
  if (!existsSync(STATE_FILE)) return;
  const state = JSON.parse(readFileSync(STATE_FILE, "utf8")) as StackState;
  if (!/^korrigo_e2e_[0-9a-f]+$/.test(databaseName(state.databaseUrl))) {
    throw new Error(`e2e: ${STATE_FILE} names a database that is not an e2e one; not dropping it.`);
  }
  // nginx first so nothing new reaches the API, then the API and the worker together.
  const nginx = state.procs.filter((p) => p.name === "nginx");
  await Promise.all(nginx.map(stopProc));
  await Promise.all(state.procs.filter((p) => p.name !== "nginx").map(stopProc));
  await deleteRedisKeys(state.redisUrl, state.redisPrefix);
  await dropDatabase(state.databaseUrl);
  rmSync(STATE_FILE);
}
