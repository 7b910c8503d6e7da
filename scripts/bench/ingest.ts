// npm run bench:ingest — scan ingestion end to end (upload → every page image done) on
// generated batches, against `pdftoppm -r 150 -jpeg` run on the same files with one process
// per core over page ranges, in the same run. Also: the worker's peak RSS, the API's
// liveness latency while a batch is processed, a 1,000-page batch and the API's RSS during
// a ~450 MB upload. Figures go to stdout and bench/results/ingest.json.
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { PDFDocument } from "pdf-lib";
import { makeA3Batch, makeA4Batch } from "../../server/test/scan-factory.js";
import { run } from "../../server/lib/exec.js";
import { cpuByPid, cpuSince, median, out, pidsOf, round, rssKb, Sampler, sleep, startStack, type Stack } from "./stack.js";

const { values: args } = parseArgs({ options: { students: { type: "string", default: "35" }, "big-pages": { type: "string", default: "1000" }, quick: { type: "boolean", default: false }, rounds: { type: "string", default: "3" }, profile: { type: "boolean", default: false } } });
const STUDENTS = Number(args.students);
const ROUNDS = Math.max(1, Number(args.rounds));
const CORES = availableParallelism();

/** `count` pages cycling through a small set of generated ones: realistic files, fast to make. */
async function cycle(source: Uint8Array, count: number): Promise<Uint8Array> {
  const from = await PDFDocument.load(source);
  const doc = await PDFDocument.create();
  const n = from.getPageCount();
  for (let i = 0; i < count; i += n) {
    const pages = await doc.copyPages(from, Array.from({ length: Math.min(n, count - i) }, (_, k) => k));
    pages.forEach((p) => doc.addPage(p));
  }
  return doc.save();
}

/** The stack with the worker at one thread per core (--profile: it writes a V8 CPU profile, for Chrome DevTools, on exit). */
const setup = () => startStack({ workerConcurrency: CORES, workerArgs: args.profile ? ["--cpu-prof", "--cpu-prof-dir", "bench/results/profiles"] : [] });

async function ingest(stack: Stack, name: string, pdf: Uint8Array, layout: string, pagesPerCopy: number) {
  const { exam } = (await stack.api.call("POST", "/api/exams", { title: name, subject: "Bench", date: "2026-11-23", classNames: ["Bench"], pagesPerCopy, layout })) as { exam: { id: string } };
  const file = path.join(tmpdir(), `korrigo-bench-${randomBytes(4).toString("hex")}.pdf`);
  writeFileSync(file, pdf);
  const worker = new Sampler(stack.workerPid).start();
  const api = new Sampler(stack.apiPid, `${stack.api.base}/api/health/live`).start();
  const cpuBefore = { processes: cpuByPid([stack.workerPid, stack.apiPid, ...pidsOf(["postgres", "redis-server"])]), bench: process.cpuUsage() };
  const started = performance.now();
  const { batch } = (await stack.api.upload(`/api/exams/${exam.id}/scans`, file, `${name}.pdf`)) as { batch: { id: string } };
  const uploaded = performance.now();
  let split = 0;
  let status: { status: string; scanPageCount: number; pagesTotal: number; pagesDone: number };
  for (;;) {
    status = ((await stack.api.call("GET", `/api/scans/${batch.id}/progress`)) as { progress: typeof status }).progress;
    if (!split && status.pagesTotal > 0) split = performance.now();
    if (status.status === "DONE" || status.status === "FAILED") break;
    await sleep(100);
  }
  const seconds = (performance.now() - started) / 1000;
  const benchCpu = process.cpuUsage(cpuBefore.bench);
  const cpu = {
    worker: round(cpuSince(cpuBefore.processes, [stack.workerPid]), 2),
    api: round(cpuSince(cpuBefore.processes, [stack.apiPid]), 2),
    postgresAndRedis: round(cpuSince(cpuBefore.processes, pidsOf(["postgres", "redis-server"])), 2),
    benchClient: round((benchCpu.user + benchCpu.system) / 1e6, 2),
  };
  const w = worker.stop();
  const a = api.stop();
  if (status.status !== "DONE") throw new Error(`${name}: batch ${status.status}`);
  const phases = { uploadSeconds: round((uploaded - started) / 1000, 2), splitSeconds: round((split - uploaded) / 1000, 2), renderSeconds: round((performance.now() - split) / 1000, 2) };
  return { file, seconds, phases, cpuSeconds: cpu, scanPages: status.scanPageCount, pageImages: status.pagesTotal, workerPeakRssMb: w.peakRssMb, apiLiveP50Ms: a.liveP50Ms, apiLiveMaxMs: a.liveMaxMs, apiLiveSamples: a.liveSamples };
}

/** pdftoppm -r 150 -jpeg, one process per core over contiguous page ranges. */
async function reference(file: string, pages: number) {
  const dir = mkdtempSync(path.join(tmpdir(), "korrigo-ref-"));
  const per = Math.ceil(pages / CORES);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CORES }, (_, c) => c * per + 1)
      .filter((first) => first <= pages)
      .map((first) => run("pdftoppm", ["-r", "150", "-jpeg", "-f", String(first), "-l", String(Math.min(pages, first + per - 1)), file, path.join(dir, `p${first}`)], 1_800_000)),
  );
  const seconds = (performance.now() - started) / 1000;
  rmSync(dir, { recursive: true, force: true });
  return { seconds, pagesPerSecond: round(pages / seconds) };
}

/**
 * Korrigo and the reference, alternately, `rounds` times on the same file; the figures are the
 * medians. These machines' speed drifts by a third from one minute to the next (neighbours on
 * the host): one run of each, a minute apart, does not compare them.
 */
async function scenario(stack: Stack, name: string, make: () => Promise<Uint8Array>, layout: string, pagesPerCopy: number, rounds = ROUNDS) {
  const pdf = await make();
  const runs: { ours: Awaited<ReturnType<typeof ingest>>; ref: Awaited<ReturnType<typeof reference>> }[] = [];
  for (let i = 0; i < rounds; i++) {
    const ours = await ingest(stack, name, pdf, layout, pagesPerCopy);
    runs.push({ ours, ref: await reference(ours.file, ours.scanPages) });
    rmSync(ours.file, { force: true });
  }
  const ours = runs.map((r) => r.ours).sort((a, b) => a.seconds - b.seconds)[Math.floor(rounds / 2)]!;
  const seconds = median(runs.map((r) => r.ours.seconds));
  const pdftoppmSeconds = median(runs.map((r) => r.ref.seconds));
  const pagesPerSecond = round(ours.scanPages / seconds);
  const pdftoppmPagesPerSecond = round(ours.scanPages / pdftoppmSeconds);
  const result = {
    name, layout, rounds, scanPages: ours.scanPages, pageImages: ours.pageImages, fileMb: round(pdf.length / 1048576),
    seconds: round(seconds, 2), pagesPerSecond, pdftoppmSeconds: round(pdftoppmSeconds, 2), pdftoppmPagesPerSecond,
    ratio: round(pagesPerSecond / pdftoppmPagesPerSecond, 2),
    allRounds: runs.map((r) => ({ seconds: round(r.ours.seconds, 2), pdftoppmSeconds: round(r.ref.seconds, 2) })),
    phases: ours.phases, cpuSeconds: ours.cpuSeconds,
    workerPeakRssMb: Math.max(...runs.map((r) => r.ours.workerPeakRssMb)),
    apiLiveP50Ms: median(runs.map((r) => r.ours.apiLiveP50Ms)), apiLiveMaxMs: Math.max(...runs.map((r) => r.ours.apiLiveMaxMs)),
    apiLiveSamples: runs.reduce((n, r) => n + r.ours.apiLiveSamples, 0),
  };
  out(`${name.padEnd(26)} ${String(result.scanPages).padStart(5)} scan pages  ${String(pagesPerSecond).padStart(6)} p/s  pdftoppm ${String(pdftoppmPagesPerSecond).padStart(6)} p/s  ×${result.ratio}  worker peak ${result.workerPeakRssMb} MB  live p50 ${result.apiLiveP50Ms} ms max ${result.apiLiveMaxMs} ms`);
  out(`${"".padEnd(26)} median of ${rounds}: upload ${ours.phases.uploadSeconds} s, split ${ours.phases.splitSeconds} s, render ${ours.phases.renderSeconds} s; CPU s: worker ${ours.cpuSeconds.worker}, API ${ours.cpuSeconds.api}, PostgreSQL + Redis ${ours.cpuSeconds.postgresAndRedis}, bench client ${ours.cpuSeconds.benchClient}`);
  out(`${"".padEnd(26)} rounds (Korrigo s / pdftoppm s): ${result.allRounds.map((r) => `${r.seconds}/${r.pdftoppmSeconds}`).join(", ")}`);
  return result;
}

/** A valid one-page PDF padded with an unreferenced ~450 MB stream: the upload path under load. */
async function bigUpload(stack: Stack) {
  const doc = await PDFDocument.load(await makeA4Batch({ pages: 1 }));
  doc.context.register(doc.context.stream(randomBytes(450 * 1024 * 1024)));
  const pdf = await doc.save();
  const before = rssKb(stack.apiPid);
  const sampler = new Sampler(stack.apiPid).start();
  const r = await ingest(stack, "upload 450 MB", pdf, "A4_BATCH", 1);
  const s = sampler.stop();
  rmSync(r.file, { force: true });
  const result = { fileMb: round(pdf.length / 1048576), seconds: round(r.seconds, 2), apiRssBeforeMb: Math.round(before / 1024), apiPeakRssMb: s.peakRssMb };
  out(`upload ${result.fileMb} MB: ${result.seconds} s, API RSS ${result.apiRssBeforeMb} MB before, peak ${result.apiPeakRssMb} MB during`);
  return result;
}

async function main() {
  out(`Korrigo ingest benchmark — ${STUDENTS} students, ${CORES} cores, worker concurrency ${CORES}, median of ${ROUNDS} rounds`);
  const stack = await setup();
  try {
    const a4 = await makeA4Batch({ pages: 16, dpi: 200 });
    const results = [
      await scenario(stack, "A4 JPEG 200 dpi", () => cycle(a4, STUDENTS * 4), "A4_BATCH", 4),
      await scenario(stack, "A3 copies doubles 200 dpi", async () => cycle(await makeA3Batch({ sheets: 4, dpi: 200 }), STUDENTS * 2), "A3_DOUBLE", 4),
      await scenario(stack, "A4 CCITT G4 300 dpi", async () => cycle(await makeA4Batch({ pages: 16, dpi: 300, encoding: "ccitt" }), STUDENTS * 4), "A4_BATCH", 4),
    ];
    const big = args.quick ? null : await scenario(stack, `A4 JPEG ${args["big-pages"]} pages`, () => cycle(a4, Number(args["big-pages"])), "A4_BATCH", 4);
    const upload = args.quick ? null : await bigUpload(stack);
    mkdirSync("bench/results", { recursive: true });
    writeFileSync("bench/results/ingest.json", JSON.stringify({ date: new Date().toISOString(), cores: CORES, students: STUDENTS, results, big, upload }, null, 2));
    out("\nwritten to bench/results/ingest.json");
  } finally {
    await stack.teardown();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
