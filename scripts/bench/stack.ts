// What the end-to-end benches share: the compiled API and worker started as separate processes
// on a fresh database, Redis prefix and data folder; an HTTP client holding a session cookie and
// its CSRF token; CPU and memory readings of processes from /proc.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { Redis } from "ioredis";
import { dropDatabase, ensureDatabase, migrate, withDatabase } from "../../server/lib/database.js";
import { createDb, createPool, poolSettings } from "../../server/lib/db.js";
import { loadConfig } from "../../server/lib/config.js";
import { hashSecret } from "../../server/lib/auth/secrets.js";
import { freePort } from "../../server/test/harness.js";

export const SERVER = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
export const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
export const PASSWORD = "bench password 1234567";
export const out = (line = "") => process.stdout.write(`${line}\n`);
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
export const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
}

/**
 * CPU seconds (user + system) used so far by each of these processes; with `children`, also
 * by the children they have waited for (the command-line tools a worker runs).
 */
export function cpuByPid(pids: number[], children = false): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]) + (children ? Number(fields[13]) + Number(fields[14]) : 0);
      seconds.set(pid, ticks / 100);
    } catch {
      // exited
    }
  }
  return seconds;
}

/**
 * CPU seconds these processes used since `before`: processes started meanwhile count from zero;
 * those that exited meanwhile (a closed PostgreSQL connection) cannot be counted.
 */
export function cpuSince(before: Map<number, number>, pids: number[], children = false): number {
  let total = 0;
  for (const [pid, now] of cpuByPid(pids, children)) total += now - (before.get(pid) ?? 0);
  return total;
}

/** CPU seconds the whole machine has been busy (all cores, any process), from /proc/stat. */
export function machineBusySeconds(): number {
  const [user, nice, system, , , irq, softirq, steal] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
}

/** Pids of the processes whose command line starts with one of these names (PostgreSQL's backends, Redis). */
export function pidsOf(names: string[]): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => {
    try {
      const comm = readFileSync(`/proc/${pid}/comm`, "utf8").trim();
      return names.some((n) => comm.startsWith(n));
    } catch {
      return false;
    }
  });
}

/** A process's scheduling class as Linux reports it ("normal", "idle"…), and its nice value. */
export function schedulingOf(pid: number): string {
  try {
    const policy = /^policy\s*:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/sched`, "utf8"))?.[1];
    const nice = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[16];
    return `${({ "0": "normal", "3": "batch", "5": "idle" } as Record<string, string>)[policy ?? ""] ?? `policy ${policy}`} class, nice ${nice}`;
  } catch {
    return "unknown";
  }
}

export function rssKb(pid: number): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
    return Number(line?.replace(/\D+/g, "") ?? 0);
  } catch {
    return 0;
  }
}

/** A process's memory every 100 ms and, given a URL, the latency of a GET to it. */
export class Sampler {
  private timer: NodeJS.Timeout | undefined;
  readonly rss: number[] = [];
  readonly liveMs: number[] = [];
  constructor(private readonly pid: number, private readonly liveUrl?: string) {}
  start(): this {
    this.timer = setInterval(() => {
      this.rss.push(rssKb(this.pid));
      if (this.liveUrl) {
        const t = performance.now();
        fetch(this.liveUrl).then((r) => r.arrayBuffer()).then(() => this.liveMs.push(performance.now() - t), () => this.liveMs.push(Infinity));
      }
    }, 100);
    return this;
  }
  stop() {
    clearInterval(this.timer);
    const sorted = [...this.liveMs].sort((a, b) => a - b);
    return {
      peakRssMb: Math.round(Math.max(0, ...this.rss) / 1024),
      minRssMb: Math.round(Math.min(...this.rss.filter((r) => r > 0)) / 1024),
      liveP50Ms: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      liveMaxMs: round(sorted.at(-1) ?? 0),
      liveSamples: sorted.length,
    };
  }
}

/** One browser's session: its cookie and CSRF token, kept from the answers it gets. */
export class Api {
  private cookie = "";
  private csrf = "";
  constructor(readonly base: string) {}

  /** Any answer, with its status: for callers that count errors rather than stop on them. */
  async send(method: string, url: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const res = await fetch(this.base + url, {
      method,
      headers: { cookie: this.cookie, "x-csrf-token": this.csrf, ...(body ? { "content-type": "application/json" } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0]!;
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (typeof json.csrfToken === "string") this.csrf = json.csrfToken;
    return { status: res.status, json };
  }

  /** The session's cookie, as a Cookie header's value: for a client other than fetch (curl). */
  get cookieHeader(): string {
    return this.cookie;
  }

  /** A GET whose answer the caller reads itself (a file download), with this session's cookie. */
  raw(url: string): Promise<Response> {
    return fetch(this.base + url, { headers: { cookie: this.cookie } });
  }

  async call(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Record<string, unknown>> {
    const { status, json } = await this.send(method, url, body, headers);
    if (status < 200 || status > 299) throw new Error(`${method} ${url}: ${status} ${JSON.stringify(json)}`);
    return json;
  }

  async login(email: string, password = PASSWORD): Promise<this> {
    await this.call("GET", "/api/auth/session");
    await this.call("POST", "/api/auth/login", { email, password });
    return this;
  }

  /**
   * Posts a file as multipart/form-data, streamed from disk the way a browser sends it. The
   * bench client shares the machine's cores with what it measures: with fetch and a FormData
   * blob it used 0.75 s of CPU on the A4 scenario, streamed like this 0.44 s.
   */
  upload(url: string, file: string, name: string): Promise<Record<string, unknown>> {
    const boundary = `----korrigo-bench-${randomBytes(8).toString("hex")}`;
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/pdf\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const headers = {
      cookie: this.cookie, "x-csrf-token": this.csrf, "content-type": `multipart/form-data; boundary=${boundary}`,
      "content-length": String(head.length + statSync(file).size + tail.length),
    };
    return new Promise((resolve, reject) => {
      const req = request(this.base + url, { method: "POST", headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const json = JSON.parse(Buffer.concat(chunks).toString() || "{}") as Record<string, unknown>;
          if ((res.statusCode ?? 500) >= 400) reject(new Error(`POST ${url}: ${res.statusCode} ${JSON.stringify(json)}`));
          else resolve(json);
        });
      });
      req.on("error", reject);
      req.write(head);
      const body = createReadStream(file, { highWaterMark: 1 << 20 });
      body.on("error", reject);
      body.on("end", () => req.end(tail));
      body.pipe(req, { end: false });
    });
  }
}

export interface Stack {
  /** The school's admin, logged in. */
  api: Api;
  schoolId: string;
  adminId: string;
  /** The environment both processes run with (database, Redis prefix, data folder, port). */
  env: Record<string, string | undefined> & { DATABASE_URL: string; REDIS_PREFIX: string; DATA_DIR: string };
  apiPid: number;
  workerPid: number;
  teardown(): Promise<void>;
}

/**
 * A fresh database with one school and its admin, then `dist/server/index.js` and
 * `dist/server/worker.js` started on it; waits until the API is ready and logs the admin in.
 */
export async function startStack(opts: { workerConcurrency: number; workerArgs?: string[]; apiArgs?: string[]; logDir?: string; env?: Record<string, string> }): Promise<Stack> {
  const id = randomBytes(4).toString("hex");
  const databaseUrl = withDatabase(SERVER, `korrigo_bench_${id}`);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, { quiet: true });
  const pool = createPool(databaseUrl, { ...poolSettings(loadConfig({})), poolSize: 2 });
  const db = createDb(pool);
  const school = await db.school.create({ data: { name: "Lycée du banc d'essai", slug: `bench-${id}` } });
  const email = `bench-${id}@korrigo.test`;
  const admin = await db.user.create({ data: { schoolId: school.id, email, displayName: "Bench", role: "ADMIN", passwordHash: await hashSecret(PASSWORD) } });
  await db.$disconnect();
  await pool.end();

  const dataDir = mkdtempSync(path.join(tmpdir(), "korrigo-bench-"));
  const port = await freePort();
  const env = {
    ...process.env, NODE_ENV: "test", PORT: String(port), DATABASE_URL: databaseUrl, REDIS_URL, REDIS_PREFIX: `kbench_${id}`,
    DATA_DIR: dataDir, LOG_LEVEL: "warn", WORKER_CONCURRENCY: String(opts.workerConcurrency), ...opts.env,
  };
  // With `logDir`, each process's log (its standard output) goes to api.log and worker.log there.
  const { logDir } = opts;
  if (logDir) mkdirSync(logDir, { recursive: true });
  const logTo = (name: string) => (logDir ? openSync(path.join(logDir, `${name}.log`), "w") : "ignore");
  const procs: ChildProcess[] = [
    spawn(process.execPath, [...(opts.apiArgs ?? []), "dist/server/index.js"], { env, stdio: ["ignore", logTo("api"), "inherit"] }),
    spawn(process.execPath, [...(opts.workerArgs ?? []), "dist/server/worker.js"], { env, stdio: ["ignore", logTo("worker"), "inherit"] }),
  ];
  const api = new Api(`http://127.0.0.1:${port}`);
  for (let i = 0; ; i++) {
    try {
      await api.call("GET", "/api/health/ready");
      break;
    } catch (error) {
      if (i > 100) throw error;
      await sleep(200);
    }
  }
  await api.login(email);
  const teardown = async () => {
    procs.forEach((p) => p.kill("SIGTERM"));
    await Promise.all(procs.map((p) => new Promise((r) => (p.exitCode !== null ? r(null) : p.once("exit", r)))));
    await dropDatabase(databaseUrl);
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`kbench_${id}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { api, schoolId: school.id, adminId: admin.id, env, apiPid: procs[0]!.pid!, workerPid: procs[1]!.pid!, teardown };
}
