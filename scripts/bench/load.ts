// npm run bench:load — exam week on this machine: the compiled API and worker on a fresh
// database, behind nginx as in production (the production server block, with the official
// image's worker settings; files sent by nginx on the API's X-Accel-Redirect; --direct talks to
// the API itself), while for --seconds (60; --quick: 20 s with a third of the users):
// - teachers (--teachers, 60) each hold the lock of a copy and autosave a growing draft every
//   2 s with If-Match, and renew the lock every 60 s as the editor does
//   (web/src/components/grading/lock.ts); they opened their copies at different times, so the
//   renewals are spread over the minute;
// - admins (--admins, 5) each upload a scanned batch of their class (--booklets, 6, with
//   handwritten name boxes), follow it on the exam page (progress every second, the whole batch
//   every fifth poll), then work the identification desk: reloaded every 3 s while booklets are
//   being read, each booklet left to identify looked at (its header image) and confirmed with
//   its best free suggestion, 1–2.5 s later;
// - 2 s in, an admin publishes a graded exam of --students (300; each graded PDF is an A3 copy
//   double scanned at --dpi 200, about 1.2 MB, as in bench:grading), who arrive in a burst: each
//   opens the login page (session + CSRF token), logs in for real (argon2 verification, tens of
//   milliseconds of CPU by design: its latency is reported apart), lists their copies and,
//   1–3 s later, downloads their graded PDF. Why this arrival: publication is one event that
//   reaches everyone at once (the notice on their phones, a teacher saying "the marks are out"
//   in class), so most look at once and the rest trickle in. Arrivals follow an exponential
//   truncated to the first 45 s (¾ of the run, at most 60 s) with a mean of 15 s: two thirds
//   in the first 15 s, about 20 logins a second at the start, the last ones half a minute later.
//   They come from one network address (a school's, --addresses N for students at home), so
//   the login limiter's per-address count sees the whole burst. One client process plays
//   everyone: its keep-alive connections are shared by the users, so nginx sees about as many
//   connections as requests in flight, not 300 browsers' worth.
// Then the download sweep: every student downloads their PDF again with curl, 8 at a time
// (--concurrency), with the files first dropped from the page cache (so read from the disk),
// then again (from the cache), against the same nginx sending the same files with no check
// (the HTTP floor) and cat reading them, 8 processes at a time, the same two ways; and the check
// alone: the same requests ten times over, straight to the API, which answers with the
// X-Accel-Redirect header and no file (what the check allows whatever the disk); and the
// from-disk reads again with the disk throttled to --disk-mbps (200; 0: not done) for nginx and
// cat, as a school server's disk would read (slow-disk.ts; needs root).
// Reports per endpoint (requests, errors, p50/p95/p99/max, and the API's own p99 from its
// /metrics), CPU per process, peak memory, disk; writes bench/results/load.json; exits 1 if any
// request failed or a saved draft is missing (after writing the results).
// Target: no error, p99 < 200 ms on every interactive endpoint, downloads limited by the disk.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, totalmem } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { closeContext } from "../../server/lib/context.js";
import { databaseName } from "../../server/lib/database.js";
import { run } from "../../server/lib/exec.js";
import { STUDENT_CODE } from "../../server/test/harness.js";
import { random } from "../../server/test/scan-factory.js";
import { childPids, dirBytes, postgresPids, Recorder, ResourceMeter, scrapeApi, serverSide, type EndpointSummary, type Outcome, type Resources } from "./load-meter.js";
import { slowDisk } from "./slow-disk.js";
import { prepareWorld, startNginx, type Admin, type Nginx, type StudentAccount, type Teacher, type World, type WorldSize } from "./load-world.js";
import { Api, cpuByPid, cpuSince, median, out, percentile, round, schedulingOf, sleep, startStack } from "./stack.js";

const { values: args } = parseArgs({
  options: {
    seconds: { type: "string" }, quick: { type: "boolean", default: false }, direct: { type: "boolean", default: false },
    teachers: { type: "string" }, admins: { type: "string" }, booklets: { type: "string" }, students: { type: "string" },
    dpi: { type: "string", default: "200" },
    concurrency: { type: "string", default: "8" }, "disk-mbps": { type: "string", default: "200" }, rounds: { type: "string", default: "3" }, addresses: { type: "string", default: "1" },
  },
});
const SECONDS = Number(args.seconds ?? (args.quick ? 20 : 60));
const SIZE: WorldSize = {
  teachers: Number(args.teachers ?? (args.quick ? 20 : 60)),
  admins: Number(args.admins ?? (args.quick ? 2 : 5)),
  bookletsPerAdmin: Number(args.booklets ?? (args.quick ? 4 : 6)),
  students: Number(args.students ?? (args.quick ? 100 : 300)),
  dpi: Number(args.dpi),
};
if (!(SECONDS > 0 && SIZE.teachers >= 1 && SIZE.students >= 1 && SIZE.admins >= 0 && SIZE.bookletsPerAdmin >= 1)) {
  throw new Error("--seconds, --teachers, --students and --booklets must be positive numbers (--admins may be 0)");
}
/**
 * The students' network addresses, as the proxy in front of nginx reports them (X-Forwarded-For,
 * in 198.18.0.0/15, the range set aside for benchmarks): 1 by default, the school's own network
 * behind one address, so that the login limiter's per-address count sees the whole burst;
 * --addresses 300 for students each at home.
 */
const ADDRESSES = Math.max(1, Number(args.addresses));
const addressOf = (student: number) => {
  const n = student % ADDRESSES;
  return `198.18.${n >> 8}.${(n & 255) + 1}`;
};
const SWEEP_CONCURRENCY = Number(args.concurrency);
const SWEEP_ROUNDS = Math.max(1, Number(args.rounds));
const CHECK_REPEAT = 10;
const DISK_MBPS = Number(args["disk-mbps"]);
const CORES = availableParallelism();
const LOG_DIR = "bench/results/load-logs";
const SAVE_EVERY_MS = 2000;
/** The editor's lock heartbeat (web/src/components/grading/lock.ts HEARTBEAT_MS). */
const HEARTBEAT_MS = 60_000;
/** The exam page polls a batch being processed every second, and fetches it whole every fifth time (web/src/stores/scans.ts). */
const BATCH_POLL_MS = 1000;
const BATCH_DETAIL_EVERY = 5;
/** The desk reloads every 3 s while booklets are being read (web/src/stores/identification.ts). */
const DESK_POLL_MS = 3000;
const ADMIN_STAGGER_MS = 2000;
const PUBLISH_AFTER_MS = 2000;
/** Arrivals after publication spread over this window (s), front-loaded (see the header). */
const ARRIVAL_WINDOW_S = Math.min(60, 0.75 * SECONDS);
const INTERACTIVE_P99_TARGET_MS = 200;

const E = {
  save: "PUT /api/copies/:id/draft",
  heartbeat: "POST /api/copies/:id/lock/heartbeat",
  upload: "POST /api/exams/:id/scans",
  progress: "GET /api/scans/:id/progress",
  batch: "GET /api/scans/:id",
  desk: "GET /api/exams/:id/identification",
  header: "GET /api/booklets/:id/header",
  identify: "POST /api/booklets/:id/identify",
  publish: "POST /api/exams/:id/publication",
  session: "GET /api/auth/session",
  login: "POST /api/auth/student-login",
  myCopies: "GET /api/me/copies",
  pdf: "GET /api/me/copies/:id/pdf",
} as const;

const sleepUntil = (at: number) => sleep(Math.max(0, at - performance.now()));

/** An API call as an outcome: its status and its JSON answer. */
async function json(api: Api, method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Outcome & { detail: Record<string, unknown> }> {
  const { status, json: answer } = await api.send(method, url, body, headers);
  return { status, detail: answer };
}

/** A file's bytes, counted as they arrive (an error answer's body is kept instead). */
async function download(api: Api, url: string): Promise<Outcome> {
  const res = await api.raw(url);
  if (res.status < 200 || res.status > 299) return { status: res.status, detail: await res.text() };
  let bytes = 0;
  for await (const chunk of res.body!) bytes += chunk.byteLength;
  return { status: res.status, bytes };
}

/** Api.upload throws on an error answer ("POST url: 503 {…}"): its status is read back from the message. */
async function upload(api: Api, url: string, file: string): Promise<Outcome & { detail: Record<string, unknown> }> {
  try {
    return { status: 201, detail: await api.upload(url, file, path.basename(file)) };
  } catch (error) {
    const message = String(error);
    return { status: Number(/: (\d{3}) /.exec(message)?.[1] ?? 0), detail: { error: message } };
  }
}

// ---------------------------------------------------------------------------------------------
// Teachers

async function teacherSaves(t: Teacher, from: number, until: number, rec: Recorder): Promise<void> {
  for (let at = from; at < until; at += SAVE_EVERY_MS) {
    await sleepUntil(at);
    t.draft.annotations.push(t.maker.stroke());
    const saved = await rec.time(E.save, "interactive", () => json(t.api, "PUT", `/api/copies/${t.copyId}/draft`, { lockToken: t.lockToken, ...t.draft }, { "if-match": `"${t.version}"` }));
    if (saved.status === 200) t.version = (saved.detail as { draft: { version: number } }).draft.version;
  }
}

async function teacherHeartbeats(t: Teacher, first: number, until: number, rec: Recorder): Promise<void> {
  for (let at = first; at < until; at += HEARTBEAT_MS) {
    await sleepUntil(at);
    await rec.time(E.heartbeat, "interactive", () => json(t.api, "POST", `/api/copies/${t.copyId}/lock/heartbeat`, { token: t.lockToken }));
  }
}

/** Every save that was answered 200 is in the database: the last draft version is the teacher's. */
async function checkDrafts(world: World, rec: Recorder): Promise<void> {
  const drafts = await world.ctx.db.draft.groupBy({ by: ["copyId"], where: { copyId: { in: world.teachers.map((t) => t.copyId) } }, _max: { version: true } });
  const last = new Map(drafts.map((d) => [d.copyId, d._max.version ?? 0]));
  for (const t of world.teachers) {
    if ((last.get(t.copyId) ?? 0) !== t.version) rec.fail(E.save, "interactive", "lost", { copyId: t.copyId, saved: t.version, stored: last.get(t.copyId) ?? 0 });
  }
}

// ---------------------------------------------------------------------------------------------
// Admins

interface DeskBooklet {
  id: string;
  status: string;
  method: string | null;
  hasHeaderCrop: boolean;
  suggestions: { studentId: string; confidence: number }[];
}
interface DeskView {
  booklets: DeskBooklet[];
  students: { id: string; copyId: string | null }[];
}

interface AdminResult {
  booklets: number;
  uploaded: boolean;
  /** From the upload's start until the batch is processed, then until every booklet is identified (null: not within the run). */
  batchDoneSeconds: number | null;
  deskDoneSeconds: number | null;
  identifiedAutomatically: number;
  confirmedByAdmin: number;
  leftToIdentify: number;
}

/** The exam page while the batch is processed: the progress every second, the whole batch every fifth poll. */
async function followBatch(a: Admin, batchId: string, until: number, rec: Recorder): Promise<boolean> {
  for (let poll = 1; performance.now() < until; poll++) {
    await sleep(BATCH_POLL_MS);
    const whole = poll % BATCH_DETAIL_EVERY === 0;
    const answer = await rec.time(whole ? E.batch : E.progress, "interactive", () => json(a.api, "GET", whole ? `/api/scans/${batchId}` : `/api/scans/${batchId}/progress`));
    const status = ((answer.detail as Record<string, { status?: string } | undefined>)?.[whole ? "batch" : "progress"])?.status;
    if (status && status !== "UPLOADED" && status !== "PROCESSING") return status === "DONE";
  }
  return false;
}

/** The student an admin confirms: the best suggestion nobody has yet, else the first free one on the roster. */
function pick(b: DeskBooklet, view: DeskView, taken: Set<string>): string | undefined {
  const free = (id: string) => !taken.has(id) && !view.students.some((s) => s.id === id && s.copyId !== null);
  return b.suggestions.map((s) => s.studentId).find(free) ?? view.students.map((s) => s.id).find(free);
}

async function adminWork(a: Admin, start: number, until: number, seed: number, rec: Recorder): Promise<AdminResult> {
  const result: AdminResult = { booklets: a.booklets, uploaded: false, batchDoneSeconds: null, deskDoneSeconds: null, identifiedAutomatically: 0, confirmedByAdmin: 0, leftToIdentify: a.booklets };
  const next = random(seed);
  await sleepUntil(start);
  const uploaded = await rec.time(E.upload, "upload", () => upload(a.api, `/api/exams/${a.examId}/scans`, a.batchFile));
  const batchId = (uploaded.detail as { batch?: { id: string } } | undefined)?.batch?.id;
  if (!batchId) return result;
  result.uploaded = true;
  if (!(await followBatch(a, batchId, until, rec))) return result;
  result.batchDoneSeconds = round((performance.now() - start) / 1000);

  const loadDesk = async (): Promise<DeskView | null> => {
    const answer = await rec.time(E.desk, "interactive", () => json(a.api, "GET", `/api/exams/${a.examId}/identification`));
    return answer.status === 200 ? (answer.detail as unknown as DeskView) : null;
  };
  let view = await loadDesk();
  let loadedAt = performance.now();
  const taken = new Set<string>();
  const skipped = new Set<string>();
  while (view && performance.now() < until) {
    const booklet = view.booklets.find((b) => b.status === "PENDING" && !skipped.has(b.id));
    const reading = view.booklets.some((b) => b.status === "READING");
    if (booklet) {
      if (booklet.hasHeaderCrop) await rec.time(E.header, "interactive", () => download(a.api, `/api/booklets/${booklet.id}/header`));
      // Reading the handwriting against the suggestion.
      await sleep(1000 + next() * 1500);
      const studentId = pick(booklet, view, taken);
      const done = studentId ? await rec.time(E.identify, "interactive", () => json(a.api, "POST", `/api/booklets/${booklet.id}/identify`, { studentId })) : null;
      if (done?.status === 200) {
        taken.add(studentId!);
        result.confirmedByAdmin += 1;
        const changed = (done.detail as { booklets: DeskBooklet[] }).booklets;
        view = { ...view, booklets: view.booklets.map((b) => changed.find((c) => c.id === b.id) ?? b) };
      } else {
        skipped.add(booklet.id);
      }
    } else if (!reading) {
      break;
    }
    if (reading && performance.now() - loadedAt >= (booklet ? DESK_POLL_MS : 0)) {
      await sleepUntil(loadedAt + DESK_POLL_MS);
      view = (await loadDesk()) ?? view;
      loadedAt = performance.now();
    }
  }
  if (view) {
    result.identifiedAutomatically = view.booklets.filter((b) => b.status === "IDENTIFIED" && b.method !== "MANUAL").length;
    result.leftToIdentify = view.booklets.filter((b) => b.status === "PENDING" || b.status === "READING").length;
    if (result.leftToIdentify === 0) result.deskDoneSeconds = round((performance.now() - start) / 1000);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Students

/** Seconds after publication at which each student arrives: a truncated exponential over the window, mean a third of it. */
function arrivals(count: number, windowSeconds: number, next: () => number): number[] {
  const mean = windowSeconds / 3;
  const reach = 1 - Math.exp(-windowSeconds / mean);
  return Array.from({ length: count }, () => -mean * Math.log(1 - next() * reach)).sort((x, y) => x - y);
}

async function downloadPdf(api: Api, s: StudentAccount, rec: Recorder): Promise<void> {
  const got = await rec.time(E.pdf, "download", () => download(api, `/api/me/copies/${s.copyId}/pdf`));
  if (got.status === 200 && got.bytes !== s.sizeBytes) rec.fail(E.pdf, "download", "wrong size", { expected: s.sizeBytes, received: got.bytes });
}

/** One student's visit, from `address`; their session is kept for the download sweep (null if the visit failed). */
async function studentVisit(s: StudentAccount, base: string, address: string, at: number, thinkMs: number, rec: Recorder): Promise<Api | null> {
  await sleepUntil(at);
  const api = new Api(base);
  const from = { "x-forwarded-for": address };
  if ((await rec.time(E.session, "interactive", () => json(api, "GET", "/api/auth/session", undefined, from))).status !== 200) return null;
  if ((await rec.time(E.login, "login", () => json(api, "POST", "/api/auth/student-login", { login: s.login, accessCode: STUDENT_CODE }, from))).status !== 200) return null;
  const listed = await rec.time(E.myCopies, "interactive", () => json(api, "GET", "/api/me/copies", undefined, from));
  if (listed.status !== 200) return null;
  const copies = (listed.detail as { copies: { copyId: string }[] }).copies;
  if (copies.length !== 1 || copies[0]!.copyId !== s.copyId) {
    rec.fail(E.myCopies, "interactive", "wrong copies", { expected: s.copyId, listed: copies.map((c) => c.copyId) });
    return null;
  }
  await sleep(thinkMs);
  await downloadPdf(api, s, rec);
  return api;
}

// ---------------------------------------------------------------------------------------------
// The mix

/** The database's size and what PostgreSQL counted for it (pg_stat_database), as numbers. */
async function databaseStats(world: World): Promise<Record<string, number>> {
  const [row] = await world.ctx.db.$queryRaw<Record<string, bigint | number>[]>`
    SELECT pg_database_size(datname) AS bytes, xact_commit, xact_rollback, blks_read, blks_hit, tup_inserted, tup_updated, tup_deleted, temp_bytes
    FROM pg_stat_database WHERE datname = current_database()`;
  return Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]));
}

async function runMix(world: World, stack: { apiPid: number; workerPid: number; api: Api; env: { DATABASE_URL: string; DATA_DIR: string } }, nginx: Nginx | null) {
  const rec = new Recorder();
  const scraped = await scrapeApi(stack.api.base);
  const meter = await new ResourceMeter({
    api: stack.apiPid, worker: stack.workerPid, nginx: nginx?.pid ?? null, database: databaseName(stack.env.DATABASE_URL), dataDir: stack.env.DATA_DIR,
    databaseStats: () => databaseStats(world),
    liveUrl: `${world.base}/api/health/live`,
  }).start();
  // A late client would count its own delays as the server's: its event loop is watched too.
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  const next = random(8);
  const t0 = performance.now() + 500;
  const until = t0 + SECONDS * 1000;
  const publishAt = t0 + PUBLISH_AFTER_MS;
  const arrive = arrivals(world.students.length, ARRIVAL_WINDOW_S, next);
  const n = world.teachers.length;
  // Each save adds one stroke to the draft before sending it.
  const firstSave = Math.min(...world.teachers.map((t) => t.draft.annotations.length)) + 1;
  const teachers = world.teachers.flatMap((t, i) => [
    teacherSaves(t, t0 + (i * SAVE_EVERY_MS) / n, until, rec),
    teacherHeartbeats(t, t0 + (i * HEARTBEAT_MS) / n, until, rec),
  ]);
  const admins = world.admins.map((a, i) => adminWork(a, t0 + i * ADMIN_STAGGER_MS, until, 500 + i, rec));
  const publication = sleepUntil(publishAt).then(() => rec.time(E.publish, "interactive", () => json(world.publisher, "POST", `/api/exams/${world.publishedExamId}/publication`, {})));
  const students = world.students.map((s, i) => studentVisit(s, world.base, addressOf(i), publishAt + arrive[i]! * 1000, 1000 + next() * 2000, rec));
  const [adminResults, sessions] = await Promise.all([Promise.all(admins), Promise.all(students), Promise.all(teachers), publication]);
  clientDelay.disable();
  const resources = await meter.stop();
  const after = await scrapeApi(stack.api.base);
  const server = serverSide(scraped.durations, after.durations);
  await checkDrafts(world, rec);
  const annotations = world.teachers.map((t) => t.draft.annotations.length);
  return {
    rec, resources, adminResults, sessions, server, apiEventLoopDelayMs: after.eventLoopDelayMs,
    clientEventLoopDelayMs: { p99: round(clientDelay.percentile(99) / 1e6), max: round(clientDelay.max / 1e6) },
    arrivals: {
      windowSeconds: ARRIVAL_WINDOW_S, first10s: arrive.filter((a) => a < 10).length, first15s: arrive.filter((a) => a < 15).length,
      peakPerSecond: Math.max(...Array.from({ length: Math.ceil(ARRIVAL_WINDOW_S) }, (_, s) => arrive.filter((a) => a >= s && a < s + 1).length)),
      lastSecond: round(arrive.at(-1) ?? 0),
    },
    peakRequestsInFlight: rec.peakInFlight,
    drafts: { first: firstSave, last: Math.max(...annotations), lastBodyKb: round(median(world.teachers.map((t) => JSON.stringify({ lockToken: t.lockToken, ...t.draft }).length)) / 1024) },
  };
}

// ---------------------------------------------------------------------------------------------
// Download sweep: Korrigo's download path against nginx alone and reading the files

/**
 * Who sent a graded PDF: nginx's X-Accel-Redirect location sets no CSP but "frame-ancestors
 * 'self'" (nginx/korrigo/media-headers.conf), the API sets its own. So the figures say which
 * path they measured.
 */
async function sentBy(api: Api, url: string): Promise<string> {
  const res = await api.raw(url);
  await res.arrayBuffer();
  return res.headers.get("content-security-policy") === "frame-ancestors 'self'" ? "nginx (X-Accel-Redirect)" : "the API";
}

type Wrap = (command: string[]) => string[];

/** MB/s for `bytes` read in `seconds`. */
const mbPerSecond = (bytes: number, seconds: number) => round(bytes / 1e6 / seconds);
/** A rate as the report shows it ("—": not measured). */
const shownRate = (mbps: number | null) => (mbps === null ? "—" : `${mbps} MB/s`);

/** Runs xargs over the NUL-separated file list (stdout discarded), through `wrap`; the seconds it took. */
async function xargs(listFile: string, args: string[], wrap: Wrap = (command) => command): Promise<number> {
  const started = performance.now();
  const [command, ...rest] = wrap(["xargs", "-0", "-a", listFile, ...args]);
  const child = spawn(command!, rest, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`xargs ${args.join(" ")} failed (${code}): ${stderr.slice(0, 300)}`);
  return (performance.now() - started) / 1000;
}

/**
 * Drops these files (and only these: nothing else on the machine is touched) from the page
 * cache, so that the next read comes from the disk: written back first, then dd's
 * "iflag=nocache count=0" (posix_fadvise DONTNEED on the whole file).
 */
async function evict(listFile: string): Promise<void> {
  await xargs(listFile, ["sync"]);
  await xargs(listFile, ["-I{}", "dd", "if={}", "iflag=nocache", "count=0", "status=none"]);
}

/** The reference without HTTP: cat of every file to /dev/null, `concurrency` processes sharing the list. */
const catFiles = (listFile: string, files: number, wrap?: Wrap) =>
  xargs(listFile, ["-P", String(SWEEP_CONCURRENCY), "-n", String(Math.ceil(files / SWEEP_CONCURRENCY)), "cat"], wrap);

interface Transfer {
  url: string;
  cookie?: string;
  bytes: number;
}

interface CurlRun {
  seconds: number;
  latenciesMs: number[];
  failures: { url: string; status: number; bytes: number }[];
}

/**
 * Every transfer by one curl process, SWEEP_CONCURRENCY at a time on kept-alive connections.
 * A client in C, the same for every path compared: read with fetch, the bytes cost the bench's
 * Node process more CPU than nginx spent sending them, on the same two cores.
 */
async function curlAll(dir: string, transfers: Transfer[]): Promise<CurlRun> {
  const config = path.join(dir, "transfers.curl");
  const entry = (t: Transfer) => [`url = "${t.url}"`, `output = "/dev/null"`, ...(t.cookie ? [`header = "Cookie: ${t.cookie}"`] : []), `write-out = "%{http_code} %{size_download} %{time_total} %{url}\\n"`].join("\n");
  writeFileSync(config, `${transfers.map(entry).join("\nnext\n")}\n`);
  const started = performance.now();
  const result = await run("curl", ["--silent", "--show-error", "--parallel", "--parallel-max", String(SWEEP_CONCURRENCY), "--config", config], 600_000);
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) throw new Error(`curl failed (${result.code}): ${result.stderr.slice(0, 300)}`);
  const expected = new Map(transfers.map((t) => [t.url, t.bytes]));
  const done = result.stdout.trim().split("\n").map((line) => {
    const [status, bytes, time, url] = line.split(" ");
    return { status: Number(status), bytes: Number(bytes), ms: 1000 * Number(time), url: url! };
  });
  if (done.length !== transfers.length) throw new Error(`curl reported ${done.length} transfers of ${transfers.length}`);
  return { seconds, latenciesMs: done.map((d) => d.ms), failures: done.filter((d) => d.status !== 200 || d.bytes !== expected.get(d.url)) };
}

/**
 * Every student downloads their PDF again through Korrigo (the API's check, then nginx sends
 * the file), `concurrency` at a time, first with the files out of the page cache (read from the
 * disk), then again (from the cache); against nginx sending the same files with no check (the
 * HTTP floor) and cat reading them (no HTTP), the same two ways. Also the CPU the API, nginx
 * and PostgreSQL each spend per download through Korrigo.
 */
async function downloadSweep(world: World, sessions: (Api | null)[], nginx: Nginx | null, procs: { api: number; apiBase: string; database: string; dataDir: string }) {
  const pairs = world.students.flatMap((s, i) => (sessions[i] ? [{ s, api: sessions[i] }] : []));
  const bytes = pairs.reduce((a, p) => a + p.s.sizeBytes, 0);
  const listFile = path.join(world.scratch, "graded-files");
  writeFileSync(listFile, pairs.map((p) => p.s.file).join("\0"));
  const sender = pairs[0] ? await sentBy(pairs[0].api, `/api/me/copies/${pairs[0].s.copyId}/pdf`) : "nobody";
  const korrigo = pairs.map(({ s, api }) => ({ url: `${api.base}/api/me/copies/${s.copyId}/pdf`, cookie: api.cookieHeader, bytes: s.sizeBytes }));
  const plain = nginx ? pairs.map(({ s }) => ({ url: `${nginx.staticBase}/${path.relative(procs.dataDir, s.file)}`, bytes: s.sizeBytes })) : null;
  const serving = () => ({ api: [procs.api], nginx: nginx ? [nginx.pid, ...childPids(nginx.pid)] : [], postgres: postgresOf(procs.database) });
  const servingCpu = { api: 0, nginx: 0, postgres: 0 };
  const latencies: number[] = [];
  const failures: CurlRun["failures"] = [];
  const throughKorrigo = async () => {
    const spent = cpuOfGroups(serving());
    const got = await curlAll(world.scratch, korrigo);
    for (const [group, seconds] of Object.entries(spent())) servingCpu[group as keyof typeof servingCpu] += seconds;
    latencies.push(...got.latenciesMs);
    failures.push(...got.failures);
    return got.seconds;
  };
  const throughNginx = async () => {
    const got = await curlAll(world.scratch, plain!);
    failures.push(...got.failures);
    return got.seconds;
  };
  type Round = { korrigoCold: number; korrigoWarm: number; nginxCold: number | null; nginxWarm: number | null; catCold: number; catWarm: number };
  const rounds: Round[] = [];
  out(`download sweep: ${pairs.length} graded PDFs (${round(bytes / 1e6)} MB) sent by ${sender}, ${SWEEP_CONCURRENCY} at a time (curl), ${SWEEP_ROUNDS} round(s)`);
  const rate = (seconds: number | null) => shownRate(seconds === null ? null : mbPerSecond(bytes, seconds));
  for (let r = 0; r < SWEEP_ROUNDS; r++) {
    await evict(listFile);
    const korrigoCold = await throughKorrigo();
    const korrigoWarm = await throughKorrigo();
    if (plain) await evict(listFile);
    const nginxCold = plain ? await throughNginx() : null;
    const nginxWarm = plain ? await throughNginx() : null;
    await evict(listFile);
    const catCold = await catFiles(listFile, pairs.length);
    const catWarm = await catFiles(listFile, pairs.length);
    rounds.push({ korrigoCold, korrigoWarm, nginxCold, nginxWarm, catCold, catWarm });
    out(`    round ${r + 1}: from disk / from the page cache: Korrigo ${rate(korrigoCold)} / ${rate(korrigoWarm)} · nginx alone ${rate(nginxCold)} / ${rate(nginxWarm)} · cat ${rate(catCold)} / ${rate(catWarm)}`);
  }
  const checks = nginx ? await checksAlone(world, pairs, procs) : null;
  const slower = plain && DISK_MBPS > 0 ? await onSlowerDisk(world, listFile, bytes, { korrigo, plain }, nginx!, procs.dataDir) : null;
  const mbps = (pick: (r: Round) => number | null) => (rounds[0] && pick(rounds[0]) === null ? null : mbPerSecond(bytes, median(rounds.map((r) => pick(r)!))));
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    files: pairs.length, megabytes: round(bytes / 1e6), sentBy: sender, client: "curl", concurrency: SWEEP_CONCURRENCY, rounds: SWEEP_ROUNDS,
    fromDisk: { korrigoMBps: mbps((r) => r.korrigoCold), nginxAloneMBps: mbps((r) => r.nginxCold), catMBps: mbps((r) => r.catCold) },
    fromPageCache: { korrigoMBps: mbps((r) => r.korrigoWarm), nginxAloneMBps: mbps((r) => r.nginxWarm), catMBps: mbps((r) => r.catWarm) },
    filesPerSecond: round(pairs.length / median(rounds.map((r) => r.korrigoWarm))),
    servingCpuMsPerDownload: Object.fromEntries(Object.entries(servingCpu).map(([group, seconds]) => [group, round((1000 * seconds) / Math.max(1, latencies.length), 2)])),
    latency: { p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)), maxMs: round(sorted.at(-1) ?? 0) },
    checksAlone: checks, slowerDisk: slower,
    errors: failures.length + (checks?.errors ?? 0) + (slower && "errors" in slower ? slower.errors : 0), firstErrors: failures.slice(0, 3),
    allRounds: rounds.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [`${k}Seconds`, v === null ? null : round(v, 2)]))),
  };
}

type SlowerDisk = { unavailable: string } | { diskMBps: number; device: string; korrigoMBps: number; nginxAloneMBps: number; catMBps: number; errors: number };

/**
 * The same from-disk reads, with the disk throttled to DISK_MBPS for nginx and cat (slow-disk.ts):
 * a school server's disk rather than this machine's. Downloads limited by the disk alone read
 * about as fast through Korrigo as nginx alone and cat do.
 */
async function onSlowerDisk(world: World, listFile: string, bytes: number, transfers: { korrigo: Transfer[]; plain: Transfer[] }, nginx: Nginx, dataDir: string): Promise<SlowerDisk> {
  const disk = slowDisk(dataDir, DISK_MBPS * 1e6);
  if ("unavailable" in disk) {
    out(`  on a ${DISK_MBPS} MB/s disk: not measured (${disk.unavailable})`);
    return { unavailable: disk.unavailable };
  }
  const nginxPids = [nginx.pid, ...childPids(nginx.pid)];
  const rounds: { korrigo: number; nginxAlone: number; cat: number }[] = [];
  let errors = 0;
  const fetchAll = async (list: Transfer[]) => {
    await evict(listFile);
    const got = await curlAll(world.scratch, list);
    errors += got.failures.length;
    return got.seconds;
  };
  disk.enter(nginxPids);
  try {
    for (let r = 0; r < SWEEP_ROUNDS; r++) {
      const korrigo = await fetchAll(transfers.korrigo);
      const nginxAlone = await fetchAll(transfers.plain);
      await evict(listFile);
      rounds.push({ korrigo, nginxAlone, cat: await catFiles(listFile, transfers.plain.length, disk.wrap) });
      const rate = (seconds: number) => shownRate(mbPerSecond(bytes, seconds));
      out(`    round ${r + 1} on a ${DISK_MBPS} MB/s disk: Korrigo ${rate(korrigo)} · nginx alone ${rate(nginxAlone)} · cat ${rate(rounds.at(-1)!.cat)} (${round(disk.bytesRead() / 1e6)} MB read from the disk so far)`);
    }
  } finally {
    disk.leave(nginxPids);
    disk.close();
  }
  const mbps = (pick: (r: (typeof rounds)[number]) => number) => mbPerSecond(bytes, median(rounds.map(pick)));
  return { diskMBps: DISK_MBPS, device: disk.device, korrigoMBps: mbps((r) => r.korrigo), nginxAloneMBps: mbps((r) => r.nginxAlone), catMBps: mbps((r) => r.cat), errors };
}

/** Every PostgreSQL process: this database's backends, and the WAL writer that its commits wake. */
function postgresOf(database: string): number[] {
  const pg = postgresPids(database);
  return [...pg.mine, ...pg.rest];
}

/** Starts counting the CPU of each group of processes; the returned function gives each group's seconds so far. */
function cpuOfGroups(groups: Record<string, number[]>): () => Record<string, number> {
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, cpuByPid(pids)] as const));
  return () => Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, cpuSince(before[name]!, pids)]));
}

/**
 * What Korrigo's check alone allows: the same download requests, CHECK_REPEAT times over, sent
 * straight to the API, which answers each with its X-Accel-Redirect header and no body. Times a
 * file's size, the checks per second are the most the download path could send whatever the disk.
 */
async function checksAlone(world: World, pairs: { s: StudentAccount; api: Api }[], procs: { api: number; apiBase: string; database: string }) {
  const transfers = Array.from({ length: CHECK_REPEAT }, () => pairs.map(({ s, api }) => ({ url: `${procs.apiBase}/api/me/copies/${s.copyId}/pdf`, cookie: api.cookieHeader, bytes: 0 }))).flat();
  const spent = cpuOfGroups({ api: [procs.api], postgres: postgresOf(procs.database) });
  const got = await curlAll(world.scratch, transfers);
  const cpu = spent();
  const perCheck = (seconds: number) => round((1000 * seconds) / transfers.length, 2);
  const sorted = [...got.latenciesMs].sort((a, b) => a - b);
  return {
    checks: transfers.length, perSecond: round(transfers.length / got.seconds),
    cpuMsPerCheck: { api: perCheck(cpu.api!), postgres: perCheck(cpu.postgres!) },
    latency: { p50Ms: round(percentile(sorted, 50)), p99Ms: round(percentile(sorted, 99)) },
    errors: got.failures.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Report

/** The distinct errors and warnings the API and the worker logged (a 500's cause is in the API's log, not in its answer). */
function loggedProblems(nginx: Nginx | null) {
  const logs = Object.fromEntries(["api", "worker"].map((name) => {
    const lines = readFileSync(path.join(LOG_DIR, `${name}.log`), "utf8").split("\n").filter((l) => l.startsWith("{"));
    const parsed = lines.map((l) => JSON.parse(l) as { level: number; msg?: string; err?: { message?: string } | string });
    const text = (e: (typeof parsed)[number]) => `${e.msg ?? ""}: ${typeof e.err === "string" ? e.err : (e.err?.message ?? "")}`.slice(0, 300);
    const errors = parsed.filter((l) => l.level >= 50);
    const warnings = parsed.filter((l) => l.level === 40);
    return [name, { errors: errors.length, warnings: warnings.length, first: [...new Set([...errors, ...warnings].map(text))].slice(0, 5) }];
  }));
  // "2026/11/30 08:14:58 [warn] 16289#16289: *4 a client request body is buffered to a temporary file /tmp/…, client: …, request: "PUT /api/copies/…/draft HTTP/1.1"…": counted per message and request.
  const nginxLines = (nginx?.problems() ?? []).map((l) => {
    const message = /\] \d+#\d+: (?:\*\d+ )?(.*?)(?:,\s*client:|$)/.exec(l)?.[1] ?? l;
    const request = /request: "(\w+ [^ "]*)/.exec(l)?.[1]?.replace(/[0-9a-f-]{36}/g, ":id") ?? "";
    return `${message.replace(/\/tmp\/\S+/g, "…")}${request ? ` (${request})` : ""}`;
  });
  const byMessage: Record<string, number> = {};
  for (const line of nginxLines) byMessage[line] = (byMessage[line] ?? 0) + 1;
  return { ...logs, nginx: { problems: nginxLines.length, first: Object.entries(byMessage).map(([m, n]) => `${n} × ${m}`).slice(0, 5) } };
}

const row = (cells: (string | number)[], widths: number[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("");

function verdict(e: EndpointSummary): string {
  if (e.kind === "interactive") return e.p99Ms < INTERACTIVE_P99_TARGET_MS ? "ok" : "MISSED";
  if (e.kind === "login") return `argon2${e.p99Ms < INTERACTIVE_P99_TARGET_MS ? ", < 200" : ", ≥ 200"}`;
  return e.medianMBps !== undefined ? `${e.medianMBps} MB/s each` : "";
}

function report(endpoints: EndpointSummary[], r: Resources, mix: Awaited<ReturnType<typeof runMix>>, sweep: Awaited<ReturnType<typeof downloadSweep>>) {
  const w = [38, 12, 9, 7, 9, 9, 9, 9, 12, 16];
  out();
  out(row(["endpoint", "kind", "requests", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms", "API p99 ≤", "target p99<200"], w));
  for (const e of endpoints) {
    const inApi = mix.server[e.endpoint]?.p99AtMostMs;
    out(row([e.endpoint, e.kind, e.requests, e.errors, e.p50Ms, e.p95Ms, e.p99Ms, e.maxMs, inApi === undefined ? "" : (inApi ?? "> 120 s"), verdict(e)], w));
  }
  out(row(["GET /api/health/live (floor, 10/s)", "probe", r.liveFloor.requests, "", r.liveFloor.p50Ms, "", r.liveFloor.p99Ms, r.liveFloor.maxMs, "", ""], w));
  out("(API p99 ≤: the bucket of the API's own request-duration histogram under which 99 % were answered, arrival in Node to answer)");
  for (const e of endpoints.filter((x) => x.errors > 0)) out(`  ${e.endpoint} errors by status ${JSON.stringify(e.errorsByStatus)}; first of each: ${JSON.stringify(e.firstErrors)}`);
  out();
  const c = r.cpuPercentOfOneCore;
  out(`CPU over ${r.seconds} s (% of one core, ${CORES} cores): API ${c.api}, worker ${c.worker}, nginx ${c.nginx}, PostgreSQL this database ${c.postgresThisDatabase}, PostgreSQL rest of server ${c.postgresRest}, Redis ${c.redis}, bench client ${c.benchClient}, other processes ${c.otherProcesses}`);
  const m = r.peakRssMb;
  out(`peak RSS (MB): API ${m.api}, worker ${m.worker}, nginx (one worker) ${m.nginxWorker ?? "—"}, Redis ${m.redis}, bench client ${m.benchClient}`);
  const d = r.disk;
  out(`disk: DATA_DIR +${d.dataDirGrowthMb} MB (${d.dataDirMb} MB), database +${d.databaseGrowthMb} MB (${d.databaseMb} MB), machine read ${d.machineReadMb} MB / written ${d.machineWrittenMb} MB, ${d.freeGb} GB free`);
  const db = r.database;
  out(`PostgreSQL, this database: ${db.transactionsPerSecond} transactions/s (${db.rollbacks} rolled back), rows inserted ${db.rowsInserted} / updated ${db.rowsUpdated} / deleted ${db.rowsDeleted}, cache hits ${db.cacheHitPercent} %, temporary files ${d.databaseTempFilesMb} MB`);
  out(`  handed to the storage layer (a WAL page rewritten at each commit counts each time) by: ${Object.entries(d.perProcess).map(([name, io]) => `${name} ${io.writtenMb} MB`).join(", ")}`);
  out(`students: ${mix.arrivals.first10s} arrived in the first 10 s after publication, peak ${mix.arrivals.peakPerSecond}/s, last at ${mix.arrivals.lastSecond} s; ${mix.peakRequestsInFlight} requests in flight at most`);
  out(`event loop delay p99 / max: API ${mix.apiEventLoopDelayMs.p99} / ${mix.apiEventLoopDelayMs.max} ms, bench client ${mix.clientEventLoopDelayMs.p99} / ${mix.clientEventLoopDelayMs.max} ms`);
  for (const [i, a] of mix.adminResults.entries()) {
    out(`admin ${i}: ${a.booklets} booklets, batch processed ${a.batchDoneSeconds ?? "—"} s after upload, identified after ${a.deskDoneSeconds ?? "— (not within the run)"} s: ${a.identifiedAutomatically} automatically, ${a.confirmedByAdmin} confirmed, ${a.leftToIdentify} left`);
  }
  out(`drafts: ${mix.drafts.first}–${mix.drafts.last} annotations, last save ${mix.drafts.lastBodyKb} KB`);
  out();
  for (const [label, f] of [["from disk", sweep.fromDisk], ["from the page cache", sweep.fromPageCache]] as const) {
    out(`downloads ${label}, ${sweep.files} files ${sweep.concurrency} at a time, median of rounds: Korrigo ${shownRate(f.korrigoMBps)}, nginx alone ${shownRate(f.nginxAloneMBps)}, cat ${shownRate(f.catMBps)}`);
  }
  out(`through Korrigo: ${sweep.filesPerSecond} files/s from the page cache, p50 ${sweep.latency.p50Ms} ms, p99 ${sweep.latency.p99Ms} ms; CPU per download ${sweep.servingCpuMsPerDownload.api} ms in the API, ${sweep.servingCpuMsPerDownload.nginx} ms in nginx, ${sweep.servingCpuMsPerDownload.postgres} ms in PostgreSQL`);
  if (sweep.checksAlone) {
    const c = sweep.checksAlone;
    out(`Korrigo's check alone (straight to the API, no file sent): ${c.checks} checks ${sweep.concurrency} at a time, ${c.perSecond}/s, p50 ${c.latency.p50Ms} ms, p99 ${c.latency.p99Ms} ms; CPU per check ${c.cpuMsPerCheck.api} ms in the API, ${c.cpuMsPerCheck.postgres} ms in PostgreSQL`);
  }
  if (sweep.slowerDisk && "korrigoMBps" in sweep.slowerDisk) {
    const d = sweep.slowerDisk;
    out(`downloads from a disk throttled to ${d.diskMBps} MB/s (device ${d.device}), median of rounds: Korrigo ${shownRate(d.korrigoMBps)}, nginx alone ${shownRate(d.nginxAloneMBps)}, cat ${shownRate(d.catMBps)}`);
  }
  if (sweep.errors > 0) out(`download sweep failures: ${JSON.stringify(sweep.firstErrors)}`);
}

async function main(): Promise<number> {
  out(`Korrigo load benchmark — ${CORES} cores (${cpus()[0]?.model ?? "?"}), node ${process.version}, ${SECONDS} s, ${SIZE.teachers} teachers, ${SIZE.admins} admins, ${SIZE.students} students from ${ADDRESSES} address${ADDRESSES > 1 ? "es" : ""}${args.quick ? ", quick" : ""}${args.direct ? ", API direct (no nginx)" : ", behind nginx"}`);
  mkdirSync(LOG_DIR, { recursive: true });
  // As production runs it behind nginx: files sent by nginx, one proxy hop believed.
  const stack = await startStack({ workerConcurrency: CORES, logDir: LOG_DIR, env: {
    // A deprecation warning a process prints says where it comes from.
    NODE_OPTIONS: [process.env.NODE_OPTIONS, "--trace-deprecation"].filter(Boolean).join(" "),
    // One proxy hop believed: nginx, or with --direct the bench itself, which reports the students' addresses.
    TRUST_PROXY: "1",
    ...(args.direct ? {} : { MEDIA_X_ACCEL: "true" }),
  } });
  let nginx: Nginx | null = null;
  let world: World | undefined;
  try {
    nginx = args.direct ? null : await startNginx(stack, LOG_DIR);
    out("preparing:");
    world = await prepareWorld(stack, nginx?.base ?? stack.api.base, SIZE);
    const workerScheduling = schedulingOf(stack.workerPid);
    out(`API pid ${stack.apiPid}; worker pid ${stack.workerPid}, ${workerScheduling}`);
    out(`running the mix for ${SECONDS} s…`);
    const mix = await runMix(world, stack, nginx);
    const endpoints = mix.rec.summary().sort((x, y) => x.endpoint.localeCompare(y.endpoint));
    const sweep = await downloadSweep(world, mix.sessions, nginx, { api: stack.apiPid, apiBase: stack.api.base, database: databaseName(stack.env.DATABASE_URL), dataDir: stack.env.DATA_DIR });
    report(endpoints, mix.resources, mix, sweep);
    const problems = loggedProblems(nginx);
    for (const [name, p] of Object.entries(problems)) if (p.first.length > 0) out(`${name} logged: ${p.first.join(" | ")}`);

    const errors = endpoints.reduce((a, e) => a + e.errors, 0) + sweep.errors;
    const slow = endpoints.filter((e) => e.kind === "interactive" && e.p99Ms >= INTERACTIVE_P99_TARGET_MS).map((e) => e.endpoint);
    out();
    out(`errors: ${errors}; interactive endpoints over p99 ${INTERACTIVE_P99_TARGET_MS} ms: ${slow.length ? slow.join(", ") : "none"}`);
    mkdirSync("bench/results", { recursive: true });
    const machine = { cores: CORES, cpu: cpus()[0]?.model ?? null, memoryGb: round(totalmem() / 2 ** 30), node: process.version, workerScheduling };
    writeFileSync("bench/results/load.json", JSON.stringify({
      date: new Date().toISOString(), machine,
      options: { seconds: SECONDS, quick: args.quick, viaNginx: !args.direct, studentAddresses: ADDRESSES, ...SIZE, sweepConcurrency: SWEEP_CONCURRENCY, sweepRounds: SWEEP_ROUNDS, saveEveryMs: SAVE_EVERY_MS, heartbeatMs: HEARTBEAT_MS },
      setupSeconds: world.setupSeconds,
      targets: { errors, interactiveP99Ms: INTERACTIVE_P99_TARGET_MS, interactiveOverTarget: slow, met: errors === 0 && slow.length === 0 },
      endpoints, apiMeasured: mix.server, resources: mix.resources, downloads: sweep,
      students: { arrivals: mix.arrivals, peakRequestsInFlight: mix.peakRequestsInFlight },
      admins: mix.adminResults, drafts: mix.drafts, eventLoopDelayMs: { api: mix.apiEventLoopDelayMs, benchClient: mix.clientEventLoopDelayMs },
      dataDirMbAtEnd: round(dirBytes(stack.env.DATA_DIR) / 2 ** 20), loggedProblems: problems,
    }, null, 2));
    out("written to bench/results/load.json");
    return errors > 0 ? 1 : 0;
  } finally {
    if (world) {
      await closeContext(world.ctx);
      rmSync(world.scratch, { recursive: true, force: true });
    }
    await nginx?.stop();
    await stack.teardown();
  }
}

main().then((code) => process.exit(code), (error: unknown) => {
  console.error(error);
  process.exit(1);
});

