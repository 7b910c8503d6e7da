// What the load bench measures: every request's latency and outcome per endpoint, and what the
// stack used meanwhile (CPU per process, peak memory, disk), read from /proc.
import { readdirSync, readFileSync, statSync, statfsSync } from "node:fs";
import path from "node:path";
import { cpuByPid, cpuSince, machineBusySeconds, percentile, pidsOf, round, rssKb, Sampler } from "./stack.js";

/**
 * interactive: a click or a background call the user waits on (the 200 ms target);
 * login: argon2 verification, tens of milliseconds of CPU by design; upload and download:
 * file transfers, judged by throughput rather than latency.
 */
export type Kind = "interactive" | "login" | "upload" | "download";

export interface Outcome {
  status: number;
  /** What went wrong, for the report: an error answer's body, a network error. */
  detail?: unknown;
  /** Body bytes received (downloads). */
  bytes?: number;
}

interface Endpoint {
  kind: Kind;
  ms: number[];
  bytes: number;
  /** Bytes per second of each successful transfer. */
  rates: number[];
  errors: Record<string, number>;
  firstErrors: Record<string, string>;
}

/** Latencies and errors per endpoint ("PUT /api/copies/:id/draft"), and the requests in flight. */
export class Recorder {
  private readonly endpoints = new Map<string, Endpoint>();
  private inFlight = 0;
  peakInFlight = 0;

  /** Runs `call`, timing it; a thrown error counts as a network error (status 0). Success is 2xx. */
  async time(endpoint: string, kind: Kind, call: () => Promise<Outcome>): Promise<Outcome> {
    this.inFlight += 1;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    const started = performance.now();
    const outcome = await call().catch((error: unknown): Outcome => ({ status: 0, detail: String(error) }));
    this.inFlight -= 1;
    this.record(endpoint, kind, performance.now() - started, outcome);
    return outcome;
  }

  /** An outcome that is wrong although the answer was 2xx (a short download, a lost save). */
  fail(endpoint: string, kind: Kind, reason: string, detail: unknown): void {
    const e = this.endpoint(endpoint, kind);
    e.errors[reason] = (e.errors[reason] ?? 0) + 1;
    e.firstErrors[reason] ??= JSON.stringify(detail ?? null).slice(0, 500);
  }

  private endpoint(name: string, kind: Kind): Endpoint {
    let e = this.endpoints.get(name);
    if (!e) this.endpoints.set(name, (e = { kind, ms: [], bytes: 0, rates: [], errors: {}, firstErrors: {} }));
    return e;
  }

  private record(name: string, kind: Kind, ms: number, outcome: Outcome): void {
    const e = this.endpoint(name, kind);
    e.ms.push(ms);
    if (outcome.status >= 200 && outcome.status < 300) {
      if (outcome.bytes !== undefined) {
        e.bytes += outcome.bytes;
        e.rates.push(outcome.bytes / (ms / 1000));
      }
      return;
    }
    const key = String(outcome.status || "network");
    e.errors[key] = (e.errors[key] ?? 0) + 1;
    e.firstErrors[key] ??= JSON.stringify(outcome.detail ?? null).slice(0, 500);
  }

  summary() {
    return [...this.endpoints.entries()].map(([endpoint, e]) => {
      const sorted = [...e.ms].sort((a, b) => a - b);
      const rates = [...e.rates].sort((a, b) => a - b);
      return {
        endpoint, kind: e.kind, requests: sorted.length, errors: Object.values(e.errors).reduce((a, n) => a + n, 0),
        p50Ms: round(percentile(sorted, 50)), p95Ms: round(percentile(sorted, 95)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted.at(-1) ?? 0),
        ...(e.bytes > 0 ? { megabytes: round(e.bytes / 1e6), medianMBps: round(percentile(rates, 50) / 1e6) } : {}),
        errorsByStatus: e.errors, firstErrors: e.firstErrors,
      };
    });
  }
}
export type EndpointSummary = ReturnType<Recorder["summary"]>[number];

/** Pids whose parent is `pid` (nginx's workers). */
export function childPids(pid: number): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).map(Number).filter((child) => {
    try {
      return Number(readFileSync(`/proc/${child}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[1]) === pid;
    } catch {
      return false;
    }
  });
}

/**
 * The PostgreSQL server's processes, split into the backends serving `database` (their title
 * names it: "postgres: user database host(port) state") and the rest: the server's own
 * processes and the backends of other databases (other tests may be running on this server).
 */
export function postgresPids(database: string): { mine: number[]; rest: number[] } {
  const mine: number[] = [];
  const rest: number[] = [];
  for (const pid of pidsOf(["postgres"])) {
    let title = "";
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    } catch {
      continue;
    }
    (title.split(" ").includes(database) ? mine : rest).push(pid);
  }
  return { mine, rest };
}

type Io = { read: number; written: number };

/** Bytes each process read and wrote (what reached the block layer, per /proc/<pid>/io). */
function ioByPid(pids: number[]): Map<number, Io> {
  const io = new Map<number, Io>();
  for (const pid of pids) {
    try {
      const text = readFileSync(`/proc/${pid}/io`, "utf8");
      io.set(pid, { read: Number(/^read_bytes: (\d+)/m.exec(text)?.[1] ?? 0), written: Number(/^write_bytes: (\d+)/m.exec(text)?.[1] ?? 0) });
    } catch {
      // exited, or not ours to read
    }
  }
  return io;
}

/** What these processes read and wrote since `before` (as cpuSince: a process started meanwhile counts from zero). */
function ioSince(before: Map<number, Io>, pids: number[]): Io {
  const total = { read: 0, written: 0 };
  for (const [pid, now] of ioByPid(pids)) {
    total.read += now.read - (before.get(pid)?.read ?? 0);
    total.written += now.written - (before.get(pid)?.written ?? 0);
  }
  return total;
}

/** Bytes read and written on the machine's disks (whole devices, every process). */
function diskBytes(): Io {
  const disks = new Set(readdirSync("/sys/block").filter((d) => !/^(loop|ram|zram|dm-|md)/.test(d)));
  let read = 0;
  let written = 0;
  for (const line of readFileSync("/proc/diskstats", "utf8").split("\n")) {
    const f = line.trim().split(/\s+/);
    if (!disks.has(f[2] ?? "")) continue;
    read += Number(f[5]) * 512;
    written += Number(f[9]) * 512;
  }
  return { read, written };
}

/** The size of every file under `dir`. */
export function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += dirBytes(full);
    else if (entry.isFile()) total += statSync(full).size;
  }
  return total;
}

export interface Processes {
  api: number;
  worker: number;
  /** nginx's master; its workers are found from it. Null when the bench talks to the API directly. */
  nginx: number | null;
  /** The stack's database, to tell its PostgreSQL backends from the others. */
  database: string;
  dataDir: string;
  /** pg_database_size and the pg_stat_database counters of the stack's database. */
  databaseStats: () => Promise<Record<string, number>>;
  /** Sampled every 100 ms while the meter runs: the stack's floor at the same moments. */
  liveUrl: string;
}

const MB = 1024 * 1024;

/**
 * Starts counting when started; `stop` gives, in % of one core over the time in between, what
 * each part used (the API, the worker with the tools it runs, nginx, this database's PostgreSQL
 * backends, the rest of PostgreSQL and Redis — shared with anything else on this machine —, the
 * bench client, and every other process), peak memory, and disk use.
 */
export class ResourceMeter {
  private readonly samplers: { api: Sampler; worker: Sampler; nginx: Sampler | null };
  private readonly clientRss: number[] = [];
  private clientTimer: NodeJS.Timeout | undefined;
  private before!: {
    at: number; machine: number; client: NodeJS.CpuUsage; cpu: Map<number, number>; worker: Map<number, number>;
    disk: Io; io: Map<number, Io>; dataDir: number; database: Record<string, number>;
  };

  constructor(private readonly procs: Processes) {
    const nginxWorker = procs.nginx === null ? null : (childPids(procs.nginx)[0] ?? null);
    this.samplers = { api: new Sampler(procs.api, procs.liveUrl), worker: new Sampler(procs.worker), nginx: nginxWorker === null ? null : new Sampler(nginxWorker) };
  }

  private nginxPids(): number[] {
    return this.procs.nginx === null ? [] : [this.procs.nginx, ...childPids(this.procs.nginx)];
  }

  /** Pids per part of the stack, looked up again at each reading (PostgreSQL backends come and go). */
  private parts() {
    const pg = postgresPids(this.procs.database);
    return { api: [this.procs.api], nginx: this.nginxPids(), postgresThisDatabase: pg.mine, postgresRest: pg.rest, redis: pidsOf(["redis-server"]) };
  }


  async start(): Promise<this> {
    const all = Object.values(this.parts()).flat();
    this.before = {
      at: performance.now(), machine: machineBusySeconds(), client: process.cpuUsage(), cpu: cpuByPid(all), worker: cpuByPid([this.procs.worker], true),
      disk: diskBytes(), io: ioByPid([...all, this.procs.worker]), dataDir: dirBytes(this.procs.dataDir), database: await this.procs.databaseStats(),
    };
    this.samplers.api.start();
    this.samplers.worker.start();
    this.samplers.nginx?.start();
    this.clientTimer = setInterval(() => this.clientRss.push(process.memoryUsage().rss), 100);
    return this;
  }

  async stop() {
    const seconds = (performance.now() - this.before.at) / 1000;
    const parts = this.parts();
    const client = process.cpuUsage(this.before.client);
    const used = {
      api: cpuSince(this.before.cpu, parts.api),
      worker: cpuSince(this.before.worker, [this.procs.worker], true),
      nginx: cpuSince(this.before.cpu, parts.nginx),
      postgresThisDatabase: cpuSince(this.before.cpu, parts.postgresThisDatabase),
      postgresRest: cpuSince(this.before.cpu, parts.postgresRest),
      redis: cpuSince(this.before.cpu, parts.redis),
      benchClient: (client.user + client.system) / 1e6,
    };
    const ours = Object.values(used).reduce((a, v) => a + v, 0);
    const percent = (cpu: number) => round((100 * cpu) / seconds);
    clearInterval(this.clientTimer);
    const api = this.samplers.api.stop();
    const live = [...this.samplers.api.liveMs].sort((a, b) => a - b);
    const disk = diskBytes();
    const groups = { api: parts.api, worker: [this.procs.worker], nginx: parts.nginx, postgresThisDatabase: parts.postgresThisDatabase };
    const ioDelta = Object.fromEntries(Object.entries(groups).map(([name, pids]) => {
      const io = ioSince(this.before.io, pids);
      return [name, { readMb: round(io.read / MB), writtenMb: round(io.written / MB) }];
    }));
    const dataDir = dirBytes(this.procs.dataDir);
    const database = await this.procs.databaseStats();
    const counted = (name: string) => (database[name] ?? 0) - (this.before.database[name] ?? 0);
    const fs = statfsSync(this.procs.dataDir);
    return {
      seconds: round(seconds),
      cpuPercentOfOneCore: {
        ...Object.fromEntries(Object.entries(used).map(([name, cpu]) => [name, percent(cpu)])),
        otherProcesses: percent(Math.max(0, machineBusySeconds() - this.before.machine - ours)),
      } as Record<keyof typeof used | "otherProcesses", number>,
      peakRssMb: {
        api: api.peakRssMb, worker: this.samplers.worker.stop().peakRssMb, nginxWorker: this.samplers.nginx?.stop().peakRssMb ?? null,
        benchClient: Math.round(Math.max(0, ...this.clientRss) / MB),
        redis: Math.round(Math.max(0, ...parts.redis.map(rssKb)) / 1024),
      },
      disk: {
        dataDirGrowthMb: round((dataDir - this.before.dataDir) / MB), dataDirMb: round(dataDir / MB),
        databaseGrowthMb: round(counted("bytes") / MB), databaseMb: round((database.bytes ?? 0) / MB),
        databaseTempFilesMb: round(counted("temp_bytes") / MB),
        /** Bytes each part handed to the storage layer: a page written again (PostgreSQL's WAL page at each commit) counts each time. */
        perProcess: ioDelta,
        machineReadMb: round((disk.read - this.before.disk.read) / MB), machineWrittenMb: round((disk.written - this.before.disk.written) / MB),
        freeGb: round((fs.bavail * fs.bsize) / 2 ** 30),
      },
      /** What PostgreSQL counted for the stack's database meanwhile (pg_stat_database). */
      database: {
        transactionsPerSecond: round((counted("xact_commit") + counted("xact_rollback")) / seconds),
        rollbacks: counted("xact_rollback"), rowsInserted: counted("tup_inserted"), rowsUpdated: counted("tup_updated"), rowsDeleted: counted("tup_deleted"),
        blocksRead: counted("blks_read"), cacheHitPercent: round((100 * counted("blks_hit")) / Math.max(1, counted("blks_hit") + counted("blks_read"))),
      },
      /** GET /api/health/live every 100 ms meanwhile: what any request costs at the same moment. */
      liveFloor: { requests: live.length, p50Ms: round(percentile(live, 50)), p99Ms: round(percentile(live, 99)), maxMs: round(live.at(-1) ?? 0) },
    };
  }
}
export type Resources = Awaited<ReturnType<ResourceMeter["stop"]>>;

/** Per "METHOD /route/:id": the API's request-duration histogram (cumulative counts per bucket bound, in s). */
type Histograms = Map<string, Map<number, number>>;

export interface ApiScrape {
  durations: Histograms;
  /** prom-client's event-loop delay of the API since the scrape before (it resets at each scrape), in ms. */
  eventLoopDelayMs: { p99: number | null; max: number | null };
}

/**
 * The API's own http_request_duration_seconds (GET /metrics, allowed from this machine): the
 * time from a request's arrival in Node to its answer, which the client's latency minus this is
 * spent outside (nginx, the network stack, the client itself, a request waiting to be read).
 */
export async function scrapeApi(apiBase: string): Promise<ApiScrape> {
  const res = await fetch(`${apiBase}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET /metrics on the API: ${res.status} ${text.slice(0, 200)}`);
  const histograms: Histograms = new Map();
  const gauge = (name: string) => {
    // Every series carries the registry's default label: name{process="api"} value.
    const value = new RegExp(`^${name}(?:\\{[^}]*\\})? ([\\d.e+-]+)$`, "m").exec(text)?.[1];
    return value === undefined ? null : round(Number(value) * 1000);
  };
  for (const line of text.split("\n")) {
    const m = /^http_request_duration_seconds_bucket\{(.*)\} (\d+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    // The routes name their ids :id, :batchId…: one name, as the bench's endpoints.
    const key = `${labels.method} ${labels.route?.replace(/:\w+/g, ":id")}`;
    const le = labels.le === "+Inf" ? Infinity : Number(labels.le);
    const buckets = histograms.get(key) ?? new Map<number, number>();
    buckets.set(le, (buckets.get(le) ?? 0) + Number(m[2]));
    histograms.set(key, buckets);
  }
  return { durations: histograms, eventLoopDelayMs: { p99: gauge("nodejs_eventloop_lag_p99_seconds"), max: gauge("nodejs_eventloop_lag_max_seconds") } };
}

/** Per endpoint, between two scrapes: requests, and the bucket bound (ms) under which 50 % and 99 % of them were answered. */
export function serverSide(before: Histograms, after: Histograms): Record<string, { requests: number; p50AtMostMs: number | null; p99AtMostMs: number | null }> {
  const result: Record<string, { requests: number; p50AtMostMs: number | null; p99AtMostMs: number | null }> = {};
  for (const [key, buckets] of after) {
    const bounds = [...buckets.keys()].sort((a, b) => a - b);
    const counts = bounds.map((le) => buckets.get(le)! - (before.get(key)?.get(le) ?? 0));
    const total = counts.at(-1) ?? 0;
    if (total === 0) continue;
    const bound = (p: number) => {
      const le = bounds[counts.findIndex((c) => c >= p * total)];
      return le === undefined || le === Infinity ? null : Math.round(le * 1000);
    };
    result[key] = { requests: total, p50AtMostMs: bound(0.5), p99AtMostMs: bound(0.99) };
  }
  return result;
}
