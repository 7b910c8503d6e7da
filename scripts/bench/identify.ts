// npm run bench:identify — identification end to end on generated batches (35 students by
// default: a free name box on A4, the boxed CMEN header on A3 copies doubles with some
// students writing two sheets, and QR cover sheets), through the real API and worker in this
// process. Reports top-1 / top-3 accuracy, automatic identifications (and wrong ones), the
// OCR + matching time per booklet on one core, a threshold sweep, and the same figures for
// the reference (tesseract.js reading the whole header region at once, same matcher).
// Also runs on ../shared/fixtures when present. Figures go to stdout and bench/results/identify.json.
import { mkdirSync, mkdtempSync, readFileSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import request from "supertest";
import sharp from "sharp";
import { createWorker, PSM } from "tesseract.js";
import { loadConfig } from "../../server/lib/config.js";
import { closeContext, createContext, type AppContext } from "../../server/lib/context.js";
import { dropDatabase, ensureDatabase, migrate, withDatabase } from "../../server/lib/database.js";
import { hashSecret } from "../../server/lib/auth/secrets.js";
import { createApp } from "../../server/app.js";
import { startWorker } from "../../server/worker/run.js";
import { HeaderReader } from "../../server/modules/identification/ocr/reader.js";
import { autoIdentify, matchReading, prepareRoster, type Suggestion } from "../../server/modules/identification/match.js";
import { DEFAULT_NAME_BOX } from "../../server/modules/exams/schemas.js";
import { frenchClass, makeHeaderBatch, type HeaderStudent } from "../../server/test/header-factory.js";
import { makeCoverBatch } from "../../server/test/cover-factory.js";

const { values: args } = parseArgs({ options: { students: { type: "string", default: "35" }, fixtures: { type: "string", default: "../shared/fixtures" } } });
const STUDENTS = Number(args.students);
const SERVER = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const out = (line = "") => process.stdout.write(`${line}\n`);
const pct = (n: number, d: number) => (d === 0 ? "—" : `${((100 * n) / d).toFixed(1)} %`);
const PASSWORD = "bench password 1234567";
const require = createRequire(import.meta.url);

interface Stack {
  ctx: AppContext;
  agent: ReturnType<typeof request.agent>;
  csrf: string;
  schoolId: string;
  close(): Promise<void>;
}

async function startStack(dataDir: string): Promise<Stack> {
  const id = randomBytes(4).toString("hex");
  const databaseUrl = withDatabase(SERVER, `korrigo_bench_identify_${id}`);
  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl, { quiet: true });
  const config = loadConfig({ ...process.env, NODE_ENV: "test", DATABASE_URL: databaseUrl, REDIS_PREFIX: `kbench_${id}`, DATA_DIR: dataDir, LOG_LEVEL: "silent", SCAN_MAX_PAGES: "2000" });
  const ctx = createContext(config, "bench");
  const school = await ctx.db.school.create({ data: { name: "Lycée du banc d'essai", slug: `bench-${id}` } });
  await ctx.db.user.create({ data: { schoolId: school.id, email: `admin-${id}@bench.korrigo.fr`, role: "ADMIN", displayName: "Admin", passwordHash: await hashSecret(PASSWORD) } });
  const worker = await startWorker(ctx);
  const agent = request.agent(createApp(ctx));
  const session = await agent.get("/api/auth/session");
  const login = await agent.post("/api/auth/login").set("X-CSRF-Token", session.body.csrfToken).send({ email: `admin-${id}@bench.korrigo.fr`, password: PASSWORD });
  return {
    ctx, agent, csrf: login.body.csrfToken as string, schoolId: school.id,
    async close() {
      await worker.close();
      const keys = await ctx.redis.keys(`kbench_${id}:*`);
      if (keys.length) await ctx.redis.del(...keys);
      await closeContext(ctx);
      await dropDatabase(databaseUrl);
    },
  };
}

/** A roster line: the student, and their INE for the truth. */
interface Writer {
  student: HeaderStudent;
  sheets: number;
}

interface DeskBooklet {
  id: string;
  status: string;
  method: string | null;
  studentId: string | null;
  suggestions: Suggestion[];
  pages: { id: string; position: number; cover: boolean }[];
}

async function createExam(s: Stack, className: string, layout: string, pagesPerCopy: number, headerKind?: string): Promise<string> {
  const res = await s.agent.post("/api/exams").set("X-CSRF-Token", s.csrf).send({ title: `Bench ${className}`, subject: "Maths", date: "2026-11-20", classNames: [className], pagesPerCopy, layout, ...(headerKind ? { headerKind } : {}) });
  if (res.status !== 201) throw new Error(`exam: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.exam.id;
}

async function addStudents(s: Stack, className: string, students: HeaderStudent[]): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const [i, st] of students.entries()) {
    const row = await s.ctx.db.student.create({ data: { schoolId: s.schoolId, login: `${className}-${i}-${randomBytes(3).toString("hex")}`, lastName: st.lastName, firstName: st.firstName, birthDate: new Date(st.birthDate), className } });
    ids.set(key(st), row.id);
  }
  return ids;
}
const key = (st: { lastName: string; firstName: string }) => `${st.lastName}|${st.firstName}`;

/** Uploads and waits until every booklet is read and decided; returns the wall time and the desk. */
async function runBatch(s: Stack, examId: string, pdf: Uint8Array): Promise<{ seconds: number; booklets: DeskBooklet[] }> {
  const started = performance.now();
  const res = await s.agent.post(`/api/exams/${examId}/scans`).set("X-CSRF-Token", s.csrf).attach("file", Buffer.from(pdf), "lot.pdf");
  if (res.status !== 201) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  for (;;) {
    const batch = (await s.agent.get(`/api/scans/${res.body.batch.id}`)).body.batch;
    if (batch.status === "FAILED") throw new Error(`batch failed: ${batch.error}`);
    const desk = (await s.agent.get(`/api/exams/${examId}/identification`)).body;
    if (batch.status === "DONE" && desk.booklets.length > 0 && desk.summary.reading === 0) return { seconds: (performance.now() - started) / 1000, booklets: desk.booklets };
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The student who wrote each booklet, from the scan page its first page came from. */
async function truthOf(s: Stack, booklets: DeskBooklet[], studentOfScanPage: (scanPageIndex: number) => string | undefined): Promise<(string | undefined)[]> {
  const truth: (string | undefined)[] = [];
  for (const b of booklets) {
    const first = await s.ctx.db.page.findFirst({ where: { bookletId: b.id, discardedAt: null }, orderBy: { position: "asc" }, select: { scanPageIndex: true } });
    truth.push(first ? studentOfScanPage(first.scanPageIndex) : undefined);
  }
  return truth;
}

interface Score {
  booklets: number;
  top1: number;
  top3: number;
  auto: number;
  wrongAuto: number;
}

function score(booklets: DeskBooklet[], truth: (string | undefined)[]): Score {
  const result: Score = { booklets: booklets.length, top1: 0, top3: 0, auto: 0, wrongAuto: 0 };
  booklets.forEach((b, i) => {
    const right = truth[i];
    const top = b.status === "IDENTIFIED" ? [b.studentId] : b.suggestions.map((x) => x.studentId);
    if (top[0] === right) result.top1++;
    if (top.slice(0, 3).includes(right ?? "")) result.top3++;
    if (b.status === "IDENTIFIED" && b.method !== "MANUAL") {
      result.auto++;
      if (b.studentId !== right) result.wrongAuto++;
    }
  });
  return result;
}

function printScore(label: string, s: Score, seconds?: number) {
  out(`${label.padEnd(34)} booklets ${String(s.booklets).padStart(3)} · top-1 ${pct(s.top1, s.booklets).padStart(7)} · top-3 ${pct(s.top3, s.booklets).padStart(7)} · auto ${pct(s.auto, s.booklets).padStart(7)} · wrong auto ${s.wrongAuto}${seconds ? ` · ${seconds.toFixed(1)} s end to end` : ""}`);
}

/** One core: our reader + matcher per booklet, and the reference (whole region, one recognize). */
async function perBooklet(s: Stack, examId: string, kind: "FREE_BOX" | "CMEN", truthIds: (string | undefined)[], booklets: DeskBooklet[]) {
  const exam = await s.ctx.db.exam.findUniqueOrThrow({ where: { id: examId } });
  const roster = prepareRoster((await s.ctx.db.student.findMany({ where: { schoolId: s.schoolId, className: { in: exam.classNames } } })).map((r) => ({ id: r.id, lastName: r.lastName, firstName: r.firstName, birthDate: r.birthDate?.toISOString().slice(0, 10) ?? null })));
  const reader = new HeaderReader({ threads: 1 });
  const reference = await createWorker("fra", 1, { langPath: path.dirname(require.resolve("@tesseract.js-data/fra/4.0.0_best_int/fra.traineddata.gz")), gzip: true, cachePath: path.join(tmpdir(), "korrigo-bench-tess") });
  await reference.setParameters({ tessedit_pageseg_mode: PSM.SINGLE_BLOCK });
  const ours: { ms: number; suggestions: Suggestion[] }[] = [];
  const ref: { ms: number; suggestions: Suggestion[] }[] = [];
  const region = (exam.nameBox as typeof DEFAULT_NAME_BOX | null) ?? DEFAULT_NAME_BOX;
  for (const b of booklets) {
    const first = await s.ctx.db.page.findFirst({ where: { bookletId: b.id, discardedAt: null, coverToken: null }, orderBy: { position: "asc" }, select: { imagePath: true } });
    const file = path.join(s.ctx.config.DATA_DIR, first!.imagePath!);
    if (ours.length === 0) await reader.read(file, kind, region); // warm the worker up
    let t = performance.now();
    const read = await reader.read(file, kind, region);
    const suggestions = matchReading(read.reading, roster);
    ours.push({ ms: performance.now() - t, suggestions });
    t = performance.now();
    const meta = await sharp(file).metadata();
    const crop = await sharp(file).extract({ left: Math.round(region.x * meta.width!), top: Math.round(region.y * meta.height!), width: Math.round(region.width * meta.width!), height: Math.round(region.height * meta.height!) }).png().toBuffer();
    const text = (await reference.recognize(crop)).data.text;
    ref.push({ ms: performance.now() - t, suggestions: matchReading({ lastName: null, firstName: null, birthDate: null, text }, roster) });
  }
  await reader.close();
  await reference.terminate();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const top1 = (xs: { suggestions: Suggestion[] }[]) => xs.filter((x, i) => x.suggestions[0]?.studentId === truthIds[i]).length;
  return { ours, ref, oursMedianMs: median(ours.map((x) => x.ms)), refMedianMs: median(ref.map((x) => x.ms)), oursTop1: top1(ours), refTop1: top1(ref) };
}

/** For each threshold and margin: automatic identifications, and how many were wrong. */
function sweep(all: { suggestions: Suggestion[]; truth: string | undefined }[]) {
  const rows: { threshold: number; margin: number; auto: number; wrong: number }[] = [];
  for (const threshold of [0.6, 0.7, 0.75, 0.8, 0.85, 0.9]) {
    for (const margin of [0.05, 0.1, 0.15, 0.2, 0.3]) {
      let auto = 0;
      let wrong = 0;
      for (const x of all) {
        const picked = autoIdentify(x.suggestions, { threshold, margin });
        if (picked) {
          auto++;
          if (picked !== x.truth) wrong++;
        }
      }
      rows.push({ threshold, margin, auto, wrong });
    }
  }
  return rows;
}

function printSweep(label: string, rows: ReturnType<typeof sweep>) {
  out(`Threshold sweep on the ${label} (automatic / wrong):`);
  for (const threshold of [...new Set(rows.map((r) => r.threshold))]) {
    out(`  ≥ ${threshold.toFixed(2)}: ${rows.filter((r) => r.threshold === threshold).map((r) => `margin ${r.margin.toFixed(2)} → ${r.auto}/${r.wrong}`).join("  ")}`);
  }
}

async function generated(s: Stack) {
  const results: Record<string, unknown> = {};
  const perHeader: { suggestions: Suggestion[]; truth: string | undefined }[] = [];
  for (const kind of ["FREE_BOX", "CMEN"] as const) {
    const className = `${kind === "CMEN" ? "Tle" : "2nde"} bench`;
    const roster = frenchClass(kind === "CMEN" ? 7 : 3, STUDENTS + 5, className);
    const ids = await addStudents(s, className, roster);
    const writers: Writer[] = roster.slice(0, STUDENTS).map((student, i) => ({ student, sheets: kind === "CMEN" && i % 4 === 1 ? 2 : 1 }));
    const examId = await createExam(s, className, kind === "CMEN" ? "A3_DOUBLE" : "A4_BATCH", 4);
    const pdf = await makeHeaderBatch({ kind, copies: writers, seed: 42 });
    const { seconds, booklets } = await runBatch(s, examId, pdf);
    const scanPageOwner: string[] = writers.flatMap((w) => Array.from({ length: kind === "CMEN" ? 2 * w.sheets : 4 }, () => ids.get(key(w.student))!));
    const truth = await truthOf(s, booklets, (i) => scanPageOwner[i]);
    const sc = score(booklets, truth);
    printScore(`${kind === "CMEN" ? "CMEN, A3 copies doubles" : "free name box, A4"} (${writers.length} st.)`, sc, seconds);
    if (kind === "CMEN") out(`  students with two sheets: ${writers.filter((w) => w.sheets === 2).length}; booklets after merging: ${booklets.length} (expected ${writers.length})`);
    const timing = await perBooklet(s, examId, kind, truth, booklets);
    out(`  one core, warm: read + match ${timing.oursMedianMs.toFixed(0)} ms per booklet (median), top-1 ${pct(timing.oursTop1, booklets.length)}`);
    out(`  reference (tesseract.js on the whole region, PSM 6, same matcher): ${timing.refMedianMs.toFixed(0)} ms, top-1 ${pct(timing.refTop1, booklets.length)}`);
    timing.ours.forEach((x, i) => perHeader.push({ suggestions: x.suggestions, truth: truth[i] }));
    results[kind] = { students: writers.length, seconds, ...sc, oneCoreMedianMs: timing.oursMedianMs, referenceMedianMs: timing.refMedianMs, referenceTop1: timing.refTop1 };
  }

  const className = "1ere QR";
  const roster = frenchClass(13, STUDENTS, className);
  const ids = await addStudents(s, className, roster);
  const examId = await createExam(s, className, "A4_BATCH", 4);
  await s.agent.get(`/api/exams/${examId}/cover-sheets.pdf`);
  const tokens = new Map((await s.ctx.db.coverSheet.findMany({ where: { examId } })).map((c) => [c.studentId, c.token]));
  const lengths = roster.map((_, i) => 2 + 2 * (i % 3));
  let label = 1;
  const pdf = await makeCoverBatch(roster.map((st, i) => {
    const copy = { token: tokens.get(ids.get(key(st))!)!, pages: lengths[i]!, firstLabel: label };
    label += lengths[i]!;
    return copy;
  }));
  const { seconds, booklets } = await runBatch(s, examId, pdf);
  const expected = roster.map((st) => ids.get(key(st)));
  const sc = score(booklets, expected);
  printScore(`QR cover sheets, A4 (${roster.length} st.)`, sc, seconds);
  const lengthsRight = booklets.every((b, i) => b.pages.filter((p) => !p.cover).length === lengths[i]);
  out(`  copies of 2, 4 and 6 pages split at their cover sheets: ${lengthsRight ? "all right" : "WRONG"}`);
  results.QR = { students: roster.length, seconds, ...sc, lengthsRight };
  return { results, perHeader };
}

/** The sample scans with their roster and truth, when ../shared/fixtures is there. */
async function fixtures(s: Stack) {
  const dir = path.resolve(args.fixtures!);
  if (!existsSync(dir)) {
    out("(no fixtures folder: skipped)");
    return null;
  }
  const results: Record<string, unknown> = {};
  const readings: { suggestions: Suggestion[]; truth: string | undefined }[] = [];
  for (const [name, layout, kind] of [["ds3-2ndeB", "A4_BATCH", "FREE_BOX"], ["bb-Tle3-a3", "A3_DOUBLE", "CMEN"]] as const) {
    const rosterCsv = readFileSync(path.join(dir, `${name}-roster.csv`));
    const imported = await s.agent.post("/api/students/import").set("X-CSRF-Token", s.csrf).send({ content: rosterCsv.toString("base64"), commit: true, schoolYear: "2026-2027" });
    if (imported.status !== 200) throw new Error(`roster import: ${imported.status} ${JSON.stringify(imported.body)}`);
    const className = imported.body.preview.lines[0].student.className as string;
    const examId = await createExam(s, className, layout, 4, kind);
    const { seconds, booklets } = await runBatch(s, examId, readFileSync(path.join(dir, `${name}.pdf`)));
    const truthRows = readFileSync(path.join(dir, `${name}-truth.csv`), "utf8").trim().split(/\r?\n/).slice(1).map((l) => l.split(";"));
    const byIne = new Map((await s.ctx.db.student.findMany({ where: { schoolId: s.schoolId, ine: { not: null } } })).map((st) => [st.ine!, st.id]));
    const owner = (scanPageIndex: number) => {
      const row = truthRows.find((r) => scanPageIndex + 1 >= Number(r[1]) && scanPageIndex + 1 < Number(r[1]) + Number(r[2]));
      return row ? byIne.get(row[3]!) : undefined;
    };
    const truth = await truthOf(s, booklets, owner);
    const sc = score(booklets, truth);
    printScore(`fixture ${name} (${truthRows.length} copies)`, sc, seconds);
    results[name] = { copies: truthRows.length, seconds, ...sc };
    booklets.forEach((b, i) => readings.push({ suggestions: b.suggestions, truth: truth[i] }));
  }
  return { results, readings };
}

async function main() {
  const dataDir = mkdtempSync(path.join(tmpdir(), "korrigo-bench-identify-"));
  const s = await startStack(dataDir);
  try {
    out(`# bench:identify — ${STUDENTS} students per generated batch, thresholds ${s.ctx.config.IDENTIFY_THRESHOLD} / margin ${s.ctx.config.IDENTIFY_MARGIN}`);
    out();
    const { results, perHeader } = await generated(s);
    out();
    const rows = sweep(perHeader);
    printSweep("generated OCR booklets", rows);
    out();
    const fixtureRun = await fixtures(s);
    const fixtureRows = fixtureRun ? sweep(fixtureRun.readings) : null;
    if (fixtureRows) printSweep("sample scans' booklets", fixtureRows);
    mkdirSync("bench/results", { recursive: true });
    writeFileSync("bench/results/identify.json", JSON.stringify({ date: new Date().toISOString(), students: STUDENTS, generated: results, sweep: rows, fixtures: fixtureRun?.results ?? null, fixtureSweep: fixtureRows }, null, 2));
    out();
    out("Written to bench/results/identify.json");
  } finally {
    await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
