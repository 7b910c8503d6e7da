// npm run bench:grading — grading end to end against the compiled API and worker.
// (a) Flatten throughput: copies doubles (one A3 sheet = 4 pages, 200 dpi JPEG) with a draft of
// 100 annotations and every question scored, finalized through the API, timed until every copy
// is GRADED, the worker at one thread per core and warm (untimed rounds until its rate is steady):
// from the moment all their jobs are queued (the worker's throughput), and from the first
// finalize request (with the API's share); against qpdf
// copying the same pages into one PDF per copy (the floor: pages copied, nothing drawn),
// alternately over rounds. Also the graded PDF's size against its source pages'.
// (b) Autosave latency: teachers each logged in and holding the lock of their own copy, saving a
// growing draft every 2 s, with the worker idle, then while it flattens copies without a pause;
// against GET /api/health/live sampled at the same rate (the floor of the stack).
// Figures go to stdout and bench/results/grading.json.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Queue } from "bullmq";
import { loadConfig } from "../../server/lib/config.js";
import { closeContext, createContext, type AppContext } from "../../server/lib/context.js";
import { hashSecret } from "../../server/lib/auth/secrets.js";
import { run } from "../../server/lib/exec.js";
import { JOB_QUEUE, jobId } from "../../server/lib/jobs.js";
import { LocalFileStore } from "../../server/lib/storage.js";
import { copyPages } from "../../server/modules/grading/copies.js";
import { poolSql } from "../../server/lib/sql.js";
import { makeGradableCopies } from "../../server/test/copy-factory.js";
import { DraftMaker, type BenchDraft, type BenchQuestion, type EditorTeacher as Teacher } from "./grading-drafts.js";
import { Api, cpuByPid, cpuSince, machineBusySeconds, median, out, PASSWORD, percentile, pidsOf, round, Sampler, schedulingOf, sleep, startStack, type Stack } from "./stack.js";

const { values: args } = parseArgs({
  options: {
    copies: { type: "string" }, teachers: { type: "string" }, seconds: { type: "string" },
    quick: { type: "boolean", default: false }, rounds: { type: "string", default: "3" }, dpi: { type: "string", default: "200" },
    profile: { type: "boolean", default: false },
  },
});
const COPIES = Number(args.copies ?? (args.quick ? 20 : 100));
const TEACHERS = Number(args.teachers ?? (args.quick ? 10 : 50));
const SECONDS = Number(args.seconds ?? (args.quick ? 10 : 30));
const ROUNDS = Math.max(1, Number(args.rounds));
const DPI = Number(args.dpi);
const CORES = availableParallelism();
const ANNOTATIONS = 100;
/** Annotations on a draft when its teacher's autosaves begin (one stroke more per save). */
const AUTOSAVE_ANNOTATIONS = 60;
const SAVE_EVERY_MS = 2000;
/** Finalize requests in flight at once: enough that the queue fills faster than the worker empties it. */
const FINALIZING_CLIENTS = 8;
/** The API's and the worker's logs (warnings and errors) of the last run. */
const LOG_DIR = "bench/results/grading-logs";
const QUESTIONS = [3, 4, 2.5, 5, 3.5, 2].map((maxPoints, i) => ({ label: `Exercice ${i + 1}`, maxPoints, step: 0.5 }));

interface Bench {
  stack: Stack;
  ctx: AppContext;
  examId: string;
  questions: BenchQuestion[];
  /** Teacher 0 finalizes the flatten copies; teachers 1… autosave. */
  teachers: Api[];
}

/** Runs `work` on every item, at most `limit` at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

/**
 * Starts counting CPU time; the function it returns gives, in % of one core since then, what
 * each part of the stack used, and what other processes on the machine took meanwhile (this
 * machine may be shared: a busy neighbour slows everything down).
 */
function cpuMeter(stack: Stack) {
  const services = pidsOf(["postgres", "redis-server"]);
  const before = { stack: cpuByPid([stack.apiPid, ...services]), worker: cpuByPid([stack.workerPid], true), bench: process.cpuUsage(), machine: machineBusySeconds(), at: performance.now() };
  return () => {
    const seconds = (performance.now() - before.at) / 1000;
    const bench = process.cpuUsage(before.bench);
    const used = {
      api: cpuSince(before.stack, [stack.apiPid]),
      worker: cpuSince(before.worker, [stack.workerPid], true),
      postgresAndRedis: cpuSince(before.stack, services),
      benchClient: (bench.user + bench.system) / 1e6,
    };
    const ours = Object.values(used).reduce((a, v) => a + v, 0);
    const percent = (cpu: number) => round((100 * cpu) / seconds);
    return {
      percent: {
        api: percent(used.api), worker: percent(used.worker), postgresAndRedis: percent(used.postgresAndRedis), benchClient: percent(used.benchClient),
        otherProcesses: percent(Math.max(0, machineBusySeconds() - before.machine - ours)),
      },
      apiCpuSeconds: used.api,
      workerCpuSeconds: used.worker,
    };
  };
}

/** The exam, its marking scheme and its graders, each logged in with a session of its own. */
async function prepare(stack: Stack): Promise<Bench> {
  const ctx = createContext(loadConfig({ ...stack.env, LOG_LEVEL: "warn" }), "bench");
  const { exam } = (await stack.api.call("POST", "/api/exams", { title: "DS de physique", subject: "Physique-chimie", date: "2026-12-04", classNames: ["1re B"], pagesPerCopy: 4, layout: "A3_DOUBLE" })) as { exam: { id: string } };
  const scheme = (await stack.api.call("PUT", `/api/exams/${exam.id}/marking-scheme`, { questions: QUESTIONS, reportScale: 20 })) as { exam: { questions: BenchQuestion[] } };
  // One hash for every account: argon2 takes tens of milliseconds per hash, by design.
  const passwordHash = await hashSecret(PASSWORD);
  const emails = Array.from({ length: TEACHERS + 1 }, (_, i) => `prof-${i}@bench.korrigo.test`);
  await ctx.db.user.createMany({ data: emails.map((email, i) => ({ schoolId: stack.schoolId, email, role: "TEACHER" as const, displayName: `Professeur ${i}`, passwordHash })) });
  const users = await ctx.db.user.findMany({ where: { email: { in: emails } }, select: { id: true } });
  await stack.api.call("PUT", `/api/exams/${exam.id}/graders`, { userIds: users.map((u) => u.id) });
  const teachers: Api[] = [];
  for (const email of emails) teachers.push(await new Api(stack.api.base).login(email));
  return { stack, ctx, examId: exam.id, questions: scheme.exam.questions, teachers };
}

const makeCopies = (b: Bench, copies: number, dpi: number) =>
  makeGradableCopies(b.ctx, { schoolId: b.stack.schoolId, examId: b.examId, uploadedById: b.stack.adminId, copies, layout: "A3_DOUBLE", dpi });

/**
 * Brings copies to where finalizing draft `version` is one click away, as a teacher would: an
 * admin reopens them (after the first round), the grader locks them and saves the draft.
 */
async function readyToFinalize(b: Bench, drafts: Map<string, BenchDraft>, version: number): Promise<Map<string, string>> {
  const grader = b.teachers[0]!;
  const tokens = new Map<string, string>();
  await inParallel([...drafts.keys()], 4, async (copyId) => {
    if (version > 1) await b.stack.api.call("POST", `/api/copies/${copyId}/reopen`);
    const { lock } = (await grader.call("POST", `/api/copies/${copyId}/lock`)) as { lock: { token: string } };
    const { draft } = (await grader.call("PUT", `/api/copies/${copyId}/draft`, { lockToken: lock.token, ...drafts.get(copyId) }, { "if-match": `"${version - 1}"` })) as { draft: { version: number } };
    if (draft.version !== version) throw new Error(`copy ${copyId}: saved version ${draft.version}, expected ${version}`);
    tokens.set(copyId, lock.token);
  });
  return tokens;
}

/** Waits until no copy is FINALIZING any more; fails with the reasons of those that FAILED. */
async function untilGraded(ctx: AppContext, ids: string[]): Promise<void> {
  let last = { done: -1, at: performance.now() };
  for (;;) {
    const done = await ctx.db.copy.count({ where: { id: { in: ids }, status: { in: ["GRADED", "FAILED"] } } });
    if (done === ids.length) break;
    if (done !== last.done) last = { done, at: performance.now() };
    if (performance.now() - last.at > 120_000) throw new Error(`flatten stalled: ${done} of ${ids.length} copies settled, none for 2 minutes (is the worker running copy.flatten?)`);
    await sleep(25);
  }
  const failed = await ctx.db.copy.findMany({ where: { id: { in: ids }, status: "FAILED" }, select: { failureReason: true } });
  if (failed.length > 0) throw new Error(`${failed.length} of ${ids.length} copies FAILED; first reason: ${failed[0]!.failureReason}`);
}

/**
 * Finalizes every copy through the API and times it until the last one is GRADED. "streamed":
 * the worker flattens while the finalize requests come in (timed from the first); "queued": the
 * grading queue is paused while they come in and timed from its resumption, so that the figure
 * is the worker's alone, not how fast the API takes finalize requests.
 */
async function flattenRound(b: Bench, drafts: Map<string, BenchDraft>, version: number, mode: "streamed" | "queued") {
  const tokens = await readyToFinalize(b, drafts, version);
  const ids = [...drafts.keys()];
  const grading = new Queue(JOB_QUEUE["copy.flatten"], { connection: b.ctx.redis, prefix: b.ctx.config.REDIS_PREFIX });
  const measure = () => ({ worker: new Sampler(b.stack.workerPid).start(), cpu: cpuMeter(b.stack), started: performance.now() });
  if (mode === "queued") await grading.pause();
  const finalizing = performance.now();
  let measured = mode === "streamed" ? measure() : null;
  await inParallel(ids, FINALIZING_CLIENTS, async (copyId) => {
    await b.teachers[0]!.call("POST", `/api/copies/${copyId}/finalize`, { lockToken: tokens.get(copyId), version });
  });
  const finalizeRequestsSeconds = (performance.now() - finalizing) / 1000;
  if (mode === "queued") {
    measured = measure();
    await grading.resume();
  }
  await grading.close();
  await untilGraded(b.ctx, ids);
  const { worker, cpu, started } = measured!;
  const seconds = (performance.now() - started) / 1000;
  const { workerCpuSeconds, percent: cpuPercent } = cpu();
  const pdfs = await b.ctx.db.gradedPdf.findMany({ where: { copyId: { in: ids }, draftVersion: version }, select: { copyId: true, sizeBytes: true } });
  return { seconds, finalizeRequestsSeconds, workerCpuSeconds, cpuPercent, workerPeakRssMb: worker.stop().peakRssMb, sizes: new Map(pdfs.map((p) => [p.copyId, p.sizeBytes])) };
}

/** Per copy, its batch file and the numbers (from 1) of its scan pages in it: the pages its graded PDF is drawn on. */
async function sourcePages(ctx: AppContext, ids: string[]): Promise<{ copyId: string; batch: string; pages: string }[]> {
  // The bench runs on the local driver: qpdf reads the batch files where they are stored.
  const storage = new LocalFileStore(ctx.config.DATA_DIR);
  return Promise.all(ids.map(async (copyId) => {
    const pages = await copyPages(poolSql(ctx.pool), copyId);
    const indexes = [...new Set(pages.map((p) => p.scanPageIndex + 1))].sort((x, y) => x - y);
    return { copyId, batch: storage.pathOf(pages[0]!.batch.storagePath), pages: indexes.join(",") };
  }));
}

/**
 * The reference: `qpdf --empty --pages batch.pdf <pages> -- copy.pdf` per copy, one process per
 * core, started by xargs: forking from this process (a few hundred MB) would add ~15 ms a copy.
 */
async function qpdfReference(sources: Awaited<ReturnType<typeof sourcePages>>) {
  const dir = mkdtempSync(path.join(tmpdir(), "korrigo-bench-qpdf-"));
  const target = (copyId: string) => path.join(dir, `${copyId}.pdf`);
  const commands = path.join(dir, "commands");
  writeFileSync(commands, sources.map(({ copyId, batch, pages }) => `--empty --pages ${batch} ${pages} -- ${target(copyId)}\n`).join(""));
  const started = performance.now();
  const result = await run("xargs", ["-a", commands, "-L", "1", "-P", String(CORES), "qpdf"], 600_000);
  const seconds = (performance.now() - started) / 1000;
  if (result.code !== 0) throw new Error(`qpdf failed (xargs ${result.code}): ${result.stderr.slice(0, 300)}`);
  const sizes = new Map(sources.map(({ copyId }) => [copyId, statSync(target(copyId)).size]));
  rmSync(dir, { recursive: true, force: true });
  return { seconds, sizes };
}

/** Warm-up rounds stop once one is within this share of the one before (or after WARM_UP_MAX). */
const WARM_UP_STEADY = 0.1;
const WARM_UP_MAX = 6;

/**
 * A worker runs for days: its threads have drawn many copies before those it is timed on. V8
 * optimises pdf-lib's code only after many runs of it: with two copies of warm-up, the timed
 * rounds sped up from one to the next (25, 28.5, then 33.3 copies/s) while the same worker,
 * flattening without a pause during the autosave test, drew 44 copies/s. So the worker flattens
 * the copies, untimed, until its rate is steady; the rates are reported.
 */
async function warmUpRounds(b: Bench, drafts: Map<string, BenchDraft>): Promise<{ rates: number[]; version: number }> {
  const rates: number[] = [];
  while (rates.length < WARM_UP_MAX) {
    const { seconds } = await flattenRound(b, drafts, rates.length + 1, "queued");
    rates.push(drafts.size / seconds);
    const [before, last] = rates.slice(-2);
    if (rates.length >= 2 && Math.abs(last! - before!) <= WARM_UP_STEADY * before!) break;
  }
  return { rates, version: rates.length };
}

async function flattenBench(b: Bench) {
  out(`(a) flatten: ${COPIES} copies × 4 pages (A3 copies doubles, ${DPI} dpi JPEG), ${ANNOTATIONS} annotations each, ${ROUNDS} round(s)`);
  const seeding = performance.now();
  const { copyIds } = await makeCopies(b, COPIES, DPI);
  const timed = new Map(copyIds.map((id, i) => [id, new DraftMaker(i + 1).draft(b.questions, ANNOTATIONS)]));
  out(`    copies made in ${round((performance.now() - seeding) / 1000)} s`);
  const warmUp = await warmUpRounds(b, timed);
  out(`    warm-up rounds (untimed): ${warmUp.rates.map((r) => `${round(r)}`).join(", ")} copies/s`);
  const sources = await sourcePages(b.ctx, [...timed.keys()]);
  type Round = Awaited<ReturnType<typeof flattenRound>>;
  const rounds: { queued: Round; streamed: Round; ref: Awaited<ReturnType<typeof qpdfReference>> }[] = [];
  for (let r = 1; r <= ROUNDS; r += 1) {
    const queued = await flattenRound(b, timed, warmUp.version + 2 * r - 1, "queued");
    const ref = await qpdfReference(sources);
    const streamed = await flattenRound(b, timed, warmUp.version + 2 * r, "streamed");
    rounds.push({ queued, streamed, ref });
    const rate = (seconds: number) => `${round(seconds, 2)} s (${round(COPIES / seconds)} copies/s)`;
    out(`    round ${r}: worker ${rate(queued.seconds)}, CPU % worker ${queued.cpuPercent.worker}, other processes ${queued.cpuPercent.otherProcesses} · qpdf ${rate(ref.seconds)} · finalize requests and worker together ${rate(streamed.seconds)}`);
  }
  const seconds = median(rounds.map((r) => r.queued.seconds));
  const streamedSeconds = median(rounds.map((r) => r.streamed.seconds));
  const qpdfSeconds = median(rounds.map((r) => r.ref.seconds));
  const last = rounds.at(-1)!;
  const ratios = [...timed.keys()].map((id) => last.queued.sizes.get(id)! / last.ref.sizes.get(id)!);
  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, v) => a + v, 0);
  const figures = {
    copies: COPIES, pagesPerCopy: 4, layout: "A3_DOUBLE", dpi: DPI, annotationsPerCopy: ANNOTATIONS, questions: b.questions.length, rounds: ROUNDS,
    workerConcurrency: CORES, finalizingClients: FINALIZING_CLIENTS, warmUpCopiesPerSecond: warmUp.rates.map((r) => round(r)),
    seconds: round(seconds, 2), copiesPerSecond: round(COPIES / seconds), msPerCopy: round((1000 * seconds) / COPIES),
    workerCpuMsPerCopy: round((1000 * median(rounds.map((r) => r.queued.workerCpuSeconds))) / COPIES),
    workerPeakRssMb: Math.max(...rounds.map((r) => Math.max(r.queued.workerPeakRssMb, r.streamed.workerPeakRssMb))),
    streamed: {
      seconds: round(streamedSeconds, 2), copiesPerSecond: round(COPIES / streamedSeconds),
      finalizeRequestsSeconds: round(median(rounds.map((r) => r.streamed.finalizeRequestsSeconds)), 2),
    },
    qpdfSeconds: round(qpdfSeconds, 2), qpdfCopiesPerSecond: round(COPIES / qpdfSeconds), qpdfMsPerCopy: round((1000 * qpdfSeconds) / COPIES),
    allRounds: rounds.map((r) => ({
      seconds: round(r.queued.seconds, 2), cpuPercent: r.queued.cpuPercent, qpdfSeconds: round(r.ref.seconds, 2),
      streamedSeconds: round(r.streamed.seconds, 2), streamedFinalizeRequestsSeconds: round(r.streamed.finalizeRequestsSeconds, 2), streamedCpuPercent: r.streamed.cpuPercent,
    })),
    sourceKbPerCopy: round(sum(last.ref.sizes) / COPIES / 1024), gradedKbPerCopy: round(sum(last.queued.sizes) / COPIES / 1024),
    sizeRatio: { median: round(median(ratios), 3), max: round(Math.max(...ratios), 3), overall: round(sum(last.queued.sizes) / sum(last.ref.sizes), 3) },
  };
  return { figures, copyIds: [...timed.keys()] };
}

/**
 * Keeps the worker flattening during the autosave test: each time one of these copies is
 * GRADED, a new draft version of it is written and its copy.flatten job enqueued, with the
 * same call finalizing makes. Done from the database rather than through the API so that the
 * API answers the teachers' saves and nothing else.
 */
class FlattenLoad {
  graded = 0;
  private running = true;
  private loop: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(private readonly ctx: AppContext, private readonly ids: string[]) {}

  async start(): Promise<this> {
    await inParallel(this.ids, 8, (id) => this.requeue(id));
    this.loop = this.watch().catch((error: unknown) => {
      this.failure = error;
    });
    return this;
  }

  private async watch(): Promise<void> {
    while (this.running) {
      await sleep(100);
      const settled = await poolSql(this.ctx.pool).rows<{ id: string; status: string; failureReason: string | null }>(
        `SELECT "id", "status"::text AS "status", "failureReason" FROM "Copy" WHERE "id" = ANY($1::uuid[]) AND "status" IN ('GRADED', 'FAILED')`,
        [this.ids],
      );
      const failed = settled.find((c) => c.status === "FAILED");
      if (failed) throw new Error(`a copy FAILED during the autosave test: ${failed.failureReason}`);
      this.graded += settled.length;
      if (this.running) await inParallel(settled.map((c) => c.id), 8, (id) => this.requeue(id));
    }
  }

  /**
   * The draft is copied within PostgreSQL: read and written through this process's Prisma
   * client, its 40 KB of JSON held the client's event loop up for tens of milliseconds a copy,
   * which the saves' latencies then counted. For the same reason this poller's queries go
   * through the pg pool, not Prisma's query compiler (about 1 ms of CPU a query).
   */
  private async requeue(copyId: string): Promise<void> {
    const [copy] = await poolSql(this.ctx.pool).rows<{ version: number }>(`
      WITH last AS (SELECT * FROM "Draft" WHERE "copyId" = $1::uuid ORDER BY "version" DESC LIMIT 1),
      added AS (
        INSERT INTO "Draft" ("id", "copyId", "version", "content", "scores", "authorId")
        SELECT gen_random_uuid(), "copyId", "version" + 1, "content", "scores", "authorId" FROM last RETURNING "version"
      )
      UPDATE "Copy" SET "status" = 'FINALIZING', "finalVersion" = (SELECT "version" FROM added), "updatedAt" = now()
      WHERE "id" = $1::uuid RETURNING "finalVersion" AS "version"`, [copyId]);
    const version = copy!.version;
    await this.ctx.queues.ensure("copy.flatten", { copyId, version }, jobId.flatten(copyId, version));
  }

  async stop(): Promise<number> {
    this.running = false;
    await this.loop;
    if (this.failure) throw this.failure;
    return this.graded;
  }
}

interface Latencies {
  ms: number[];
  errors: Record<string, number>;
  /** The first error answer of each status, to say what failed. */
  firstErrors: Record<string, string>;
}

function summary(l: Latencies) {
  const sorted = [...l.ms].sort((a, b) => a - b);
  const at = (p: number) => round(percentile(sorted, p));
  const errors = Object.values(l.errors).reduce((a, n) => a + n, 0);
  return { requests: sorted.length, p50Ms: at(50), p95Ms: at(95), p99Ms: at(99), maxMs: round(sorted.at(-1) ?? 0), errors, errorsByStatus: l.errors, firstErrors: l.firstErrors };
}

const record = (l: Latencies, ms: number, status: number, answer?: unknown) => {
  l.ms.push(ms);
  if (status === 200) return;
  const key = String(status || "network");
  l.errors[key] = (l.errors[key] ?? 0) + 1;
  l.firstErrors[key] ??= JSON.stringify(answer ?? null).slice(0, 500);
};
const latencies = (): Latencies => ({ ms: [], errors: {}, firstErrors: {} });

/** A save every 2 s from `from` until `until`, each with one stroke more, naming the version it started from. */
async function teacherSaves(t: Teacher, from: number, until: number, saves: Latencies): Promise<void> {
  for (let at = from; at < until; at += SAVE_EVERY_MS) {
    await sleep(at - performance.now());
    t.draft.annotations.push(t.maker.stroke());
    const started = performance.now();
    const res = await t.api.send("PUT", `/api/copies/${t.copyId}/draft`, { lockToken: t.lockToken, ...t.draft }, { "if-match": `"${t.version}"` })
      .catch((error: unknown) => ({ status: 0, json: { error: String(error) } as Record<string, unknown> }));
    record(saves, performance.now() - started, res.status, res.json);
    if (res.status === 200) t.version = (res.json.draft as { version: number }).version;
  }
}

/** GET /api/health/live at fixed times, not waiting for answers: the stack's floor at the same request rate. */
async function probeLive(base: string, from: number, until: number, every: number, live: Latencies): Promise<void> {
  const pending: Promise<void>[] = [];
  for (let at = from; at < until; at += every) {
    await sleep(at - performance.now());
    const started = performance.now();
    pending.push(fetch(`${base}/api/health/live`).then(async (r) => {
      await r.arrayBuffer();
      record(live, performance.now() - started, r.status);
    }, (error: unknown) => record(live, performance.now() - started, 0, String(error))));
  }
  await Promise.all(pending);
}

/** Every teacher saving, start times spread over the 2 s, for `seconds`; with `flattenIds`, while the worker flattens them. */
async function autosavePhase(b: Bench, teachers: Teacher[], seconds: number, flattenIds: string[] | null) {
  const load = flattenIds ? await new FlattenLoad(b.ctx, flattenIds).start() : null;
  const cpu = cpuMeter(b.stack);
  const saves = latencies();
  const live = latencies();
  // A late client would count its own delays as the server's: its event loop is watched too.
  const clientDelay = monitorEventLoopDelay({ resolution: 10 });
  clientDelay.enable();
  const from = performance.now() + 200;
  const until = from + seconds * 1000;
  const stagger = SAVE_EVERY_MS / teachers.length;
  await Promise.all([...teachers.map((t, i) => teacherSaves(t, from + i * stagger, until, saves)), probeLive(b.stack.api.base, from, until, stagger, live)]);
  const elapsed = (performance.now() - from) / 1000;
  clientDelay.disable();
  const { percent: cpuPercent, apiCpuSeconds } = cpu();
  const graded = load ? await load.stop() : 0;
  return {
    seconds, saves: summary(saves), live: summary(live),
    // Nearly all of it: a liveness answer costs the API a fraction of a millisecond.
    apiCpuMsPerSave: round((1000 * apiCpuSeconds) / Math.max(1, saves.ms.length)),
    flattenDuring: { copies: graded, copiesPerSecond: round(graded / elapsed) },
    cpuPercent,
    clientEventLoopDelayMs: { p99: round(clientDelay.percentile(99) / 1e6), max: round(clientDelay.max / 1e6) },
  };
}

/**
 * The teachers save with the worker idle first (how fast a save is on its own), then while the
 * worker flattens copies without a pause (the figure the target is about).
 */
async function autosaveBench(b: Bench, flattenIds: string[]) {
  const aloneSeconds = Math.max(4, Math.round(SECONDS / 3));
  out(`(b) autosave: ${TEACHERS} teachers saving every ${SAVE_EVERY_MS / 1000} s, ${aloneSeconds} s with the worker idle, then ${SECONDS} s while it flattens copies`);
  // Saving never reads the scans: low-resolution pages make these copies quickly.
  const { copyIds } = await makeCopies(b, TEACHERS, 50);
  const teachers: Teacher[] = await Promise.all(copyIds.map(async (copyId, i) => {
    const api = b.teachers[i + 1]!;
    const { lock } = (await api.call("POST", `/api/copies/${copyId}/lock`)) as { lock: { token: string } };
    const maker = new DraftMaker(10_000 + i);
    return { api, copyId, lockToken: lock.token, maker, draft: maker.draft(b.questions, AUTOSAVE_ANNOTATIONS - 1), version: 0 };
  }));
  const workerIdle = await autosavePhase(b, teachers, aloneSeconds, null);
  const whileFlattening = await autosavePhase(b, teachers, SECONDS, flattenIds);
  const annotations = teachers.map((t) => t.draft.annotations.length);
  return {
    teachers: TEACHERS, saveEveryMs: SAVE_EVERY_MS,
    annotationsPerDraft: { first: AUTOSAVE_ANNOTATIONS, last: Math.max(...annotations) },
    lastSaveBodyKb: round(median(teachers.map((t) => JSON.stringify({ lockToken: t.lockToken, ...t.draft }).length)) / 1024),
    whileFlattening, workerIdle,
  };
}

/** The distinct errors the API and the worker logged (a 500's cause is in the API's log, not in its answer). */
function loggedErrors(): Record<string, { count: number; first: string[] }> {
  return Object.fromEntries(["api", "worker"].map((name) => {
    const lines = readFileSync(path.join(LOG_DIR, `${name}.log`), "utf8").split("\n").filter((l) => l.startsWith("{"));
    const errors = lines.map((l) => JSON.parse(l) as { level: number; msg?: string; err?: { message?: string } | string }).filter((l) => l.level >= 50);
    const messages = errors.map((e) => `${e.msg ?? ""}: ${typeof e.err === "string" ? e.err : (e.err?.message ?? "")}`.slice(0, 300));
    return [name, { count: errors.length, first: [...new Set(messages)].slice(0, 3) }];
  }));
}

function report(flatten: Awaited<ReturnType<typeof flattenBench>>["figures"], autosave: Awaited<ReturnType<typeof autosaveBench>>) {
  const row = (cells: (string | number)[], widths: number[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]!) : String(c).padStart(widths[i]!))).join("");
  const w = [34, 10, 10, 16];
  out();
  out(row(["(a) flatten, median of rounds", "copies/s", "ms/copy", "target"], w));
  out(row(["Korrigo worker (queued → GRADED)", flatten.copiesPerSecond, flatten.msPerCopy, "≥ 40 copies/s"], w));
  out(row(["Korrigo, finalize requests too", flatten.streamed.copiesPerSecond, round((1000 * flatten.streamed.seconds) / flatten.copies), ""], w));
  out(row(["qpdf, pages copied only", flatten.qpdfCopiesPerSecond, flatten.qpdfMsPerCopy, "(floor)"], w));
  out(`graded PDF ÷ source pages: median ×${flatten.sizeRatio.median}, max ×${flatten.sizeRatio.max}, all copies ×${flatten.sizeRatio.overall} (target ≤ 1.1); ${flatten.gradedKbPerCopy} KB vs ${flatten.sourceKbPerCopy} KB per copy`);
  out(`worker CPU per copy ${flatten.workerCpuMsPerCopy} ms (threads + qpdf), peak RSS ${flatten.workerPeakRssMb} MB`);
  const v = [36, 9, 9, 9, 9, 9, 9];
  out();
  out(row([`(b) autosave, ${autosave.teachers} teachers`, "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors"], v));
  const phases = [["while flattening", autosave.whileFlattening], ["worker idle", autosave.workerIdle]] as const;
  for (const [phase, p] of phases) {
    for (const [label, s] of [[`PUT draft, ${phase}`, p.saves], [`GET /api/health/live, ${phase}`, p.live]] as const) out(row([label, s.requests, s.p50Ms, s.p95Ms, s.p99Ms, s.maxMs, s.errors], v));
  }
  out(`target: PUT draft while flattening p99 < 50 ms, no error; drafts of ${autosave.annotationsPerDraft.first}–${autosave.annotationsPerDraft.last} annotations (last save ${autosave.lastSaveBodyKb} KB)`);
  for (const [phase, p] of phases) {
    if (p.saves.errors > 0) out(`save errors ${phase}, by status: ${JSON.stringify(p.saves.errorsByStatus)}; first of each: ${JSON.stringify(p.saves.firstErrors)}`);
    const c = p.cpuPercent;
    out(`${phase}: API CPU per save ${p.apiCpuMsPerSave} ms; CPU (% of one core) API ${c.api}, worker ${c.worker}, PostgreSQL + Redis ${c.postgresAndRedis}, bench client ${c.benchClient}, other processes ${c.otherProcesses}; client event loop delay p99 ${p.clientEventLoopDelayMs.p99} ms${p.flattenDuring.copies ? `; ${p.flattenDuring.copies} copies graded (${p.flattenDuring.copiesPerSecond}/s)` : ""}`);
  }
}

async function main() {
  out(`Korrigo grading benchmark — ${CORES} cores (${cpus()[0]?.model ?? "?"}), node ${process.version}, worker concurrency ${CORES}${args.quick ? ", quick" : ""}`);
  // --profile: the API and the worker write V8 CPU profiles (one per thread, for Chrome DevTools) on exit.
  const profile = (name: string) => (args.profile ? ["--cpu-prof", "--cpu-prof-dir", `bench/results/profiles/grading-${name}`] : []);
  const stack = await startStack({ workerConcurrency: CORES, apiArgs: profile("api"), workerArgs: profile("worker"), logDir: LOG_DIR });
  let bench: Bench | undefined;
  try {
    bench = await prepare(stack);
    const workerScheduling = schedulingOf(stack.workerPid);
    out(`worker process: ${workerScheduling}`);
    const { figures: flatten, copyIds } = await flattenBench(bench);
    const autosave = await autosaveBench(bench, copyIds);
    report(flatten, autosave);
    const errors = loggedErrors();
    for (const [name, e] of Object.entries(errors)) if (e.count > 0) out(`${name} logged ${e.count} error(s), e.g. ${e.first.join(" | ")}`);
    mkdirSync("bench/results", { recursive: true });
    const options = { copies: COPIES, teachers: TEACHERS, seconds: SECONDS, rounds: ROUNDS, dpi: DPI, quick: args.quick };
    const machine = { cores: CORES, cpu: cpus()[0]?.model ?? null, memoryGb: round(totalmem() / 2 ** 30), node: process.version, workerScheduling };
    writeFileSync("bench/results/grading.json", JSON.stringify({ date: new Date().toISOString(), machine, options, flatten, autosave, loggedErrors: errors }, null, 2));
    out("\nwritten to bench/results/grading.json");
  } finally {
    if (bench) await closeContext(bench.ctx);
    await stack.teardown();
  }
}

main().then(() => process.exit(0), (error: unknown) => {
  console.error(error);
  process.exit(1);
});
