// npm run bench:editor — does drawing stay smooth on a 2,000-pixel page with 300 objects?
// The built SPA and API on a fresh database (scripts/bench/stack.ts); copies of two pages whose
// image is what the scan pipeline makes of a scan, 2,000 px tall. Chromium, driven by Playwright,
// opens the editor at 100 % zoom (one image pixel per CSS pixel: the page is 2,000 px tall on
// screen) and the mouse draws pen strokes, 60 moves a second for 3 s, while a
// requestAnimationFrame loop in the page notes when each frame starts and a PerformanceObserver
// the long animation frames and long tasks. The reference is the same drawing on the same page
// with an empty draft: the difference is what the 300 objects cost. Also: one object dragged with
// the selection tool among 300 objects, against the same object alone on its page.
// Each scenario runs once per round, on a copy of its own in a fresh browser context, in another
// order each round. Figures go to stdout and bench/results/editor.json.
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { parseArgs } from "node:util";
import { chromium, type Browser, type BrowserContext, type CDPSession, type Page } from "@playwright/test";
import { hashSecret } from "../../server/lib/auth/secrets.js";
import { loadConfig } from "../../server/lib/config.js";
import { closeContext, createContext, type AppContext } from "../../server/lib/context.js";
import { Scratch, storedPath } from "../../server/lib/storage.js";
import type { Annotation } from "../../server/modules/grading/schemas.js";
import { scanPageToImages } from "../../server/modules/scans/pdf/page-images.js";
import { makeGradableCopies } from "../../server/test/copy-factory.js";
import { makeA4Batch } from "../../server/test/scan-factory.js";
import { DraftMaker, type BenchQuestion } from "./grading-drafts.js";
import { Api, machineBusySeconds, median, out, PASSWORD, percentile, round, sleep, startStack, type Stack } from "./stack.js";

const { values: args } = parseArgs({ options: { rounds: { type: "string", default: "3" }, seconds: { type: "string", default: "3" } } });
const ROUNDS = Math.max(1, Number(args.rounds));
const SECONDS = Number(args.seconds);
const OBJECTS = 300;
/** The page image's height in pixels, shown at 100 %: one image pixel per CSS pixel. */
const PAGE_HEIGHT = 2000;
const VIEWPORT = { width: 1440, height: 900 };
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"];
/** The mouse moves at 60 Hz, a common pointer report rate. */
const MOVE_MS = 1000 / 60;
/** A pen stroke lasts STROKE_S, then the pen travels for TRAVEL_S to where the next one starts. */
const STROKE_S = 0.5;
const TRAVEL_S = 0.1;
/** A frame interval longer than this many refresh intervals means at least one frame was missed. */
const DROPPED_FACTOR = 1.5;
const QUESTIONS = [4, 6, 5, 5].map((maxPoints, i) => ({ label: `Exercice ${i + 1}`, maxPoints, step: 0.5 }));
/** The object the selection tool moves: last in the list, so drawn (and hit) on top. */
const TARGET = { id: "bench-target", page: 1, type: "text", color: "#1565c0", x: 0.3, y: 0.08, w: 0.25, h: 0.035, size: 0.018, text: "Justifier la réponse." } as const satisfies Annotation;

type StorageState = Awaited<ReturnType<BrowserContext["storageState"]>>;
type Gesture = "pen" | "move";
interface Scenario {
  name: string;
  gesture: Gesture;
  /** What the copy's draft holds when the editor opens. */
  objects: "none" | "target" | "full";
}

const SCENARIOS: Scenario[] = [
  { name: "pen, empty page", gesture: "pen", objects: "none" },
  { name: `pen, ${OBJECTS} objects`, gesture: "pen", objects: "full" },
  { name: "move, 1 object", gesture: "move", objects: "target" },
  { name: `move, ${OBJECTS} objects`, gesture: "move", objects: "full" },
];

interface Recording {
  /** Start times of the frames, ms. */
  frames: number[];
  /** `cause`: the invoker of the script that took at least half the frame (e.g. "svg.onpointerup"), else "rendering". */
  longAnimationFrames: { duration: number; blocking: number; cause: string }[];
  longTasks: { duration: number }[];
  pointerEvents: number;
  coalescedEvents: number;
  /** [down, up] times of the mouse button, ms. */
  presses: [number, number][];
  /** Time the page's handlers took per event, ms. */
  handlerMs: { pointermove: number[]; pointerup: number[] };
  observed: string[];
}

interface Run {
  idle: Recording;
  gesture: Recording;
  seconds: number;
  movesSent: number;
  machineBusyPercent: number;
}

// ---- The copies.

/**
 * What the scan pipeline makes of one A4 page scanned at 171 dpi: a JPEG 2,000 px tall, and its
 * thumbnail. (The pipeline passes a scan's JPEG through up to 2,400 px and halves bigger ones: a
 * 200 dpi scan stays 2,339 px tall, a 300 dpi one becomes 1,754.)
 */
async function pipelinePageImage(ctx: AppContext, schoolId: string, batchId: string) {
  const { images } = await scanPageToImages(await makeA4Batch({ pages: 1, dpi: (PAGE_HEIGHT * 25.4) / 297 }), { split: "none" });
  const full = images.FULL!;
  const scratch = new Scratch(ctx.config.DATA_DIR, "bench");
  const imagePath = storedPath.pageImage(schoolId, batchId, 0, "FULL", "image");
  const thumbPath = storedPath.pageImage(schoolId, batchId, 0, "FULL", "thumb");
  await ctx.files.put(imagePath, full.image, scratch);
  await ctx.files.put(thumbPath, full.thumb, scratch);
  return { imagePath, thumbPath, width: full.width, height: full.height };
}

/** The annotations of a draft: a corrected copy's mix (grading bench), all on the first page. */
function annotationsFor(objects: Scenario["objects"], questions: BenchQuestion[]): Annotation[] {
  if (objects === "none") return [];
  if (objects === "target") return [TARGET];
  const drawn = new DraftMaker(1).draft(questions, OBJECTS - 1).annotations.map((a) => ({ ...a, page: 1 }));
  return [...drawn, TARGET];
}

/** Saved as the teacher would leave it: lock, save from version 0, unlock. */
async function saveDraft(teacher: Api, copyId: string, annotations: Annotation[]): Promise<void> {
  if (annotations.length === 0) return;
  const { lock } = (await teacher.call("POST", `/api/copies/${copyId}/lock`)) as { lock: { token: string } };
  const draft = { lockToken: lock.token, annotations, scores: {}, comment: "", rubric: {}, overrides: [] };
  await teacher.call("PUT", `/api/copies/${copyId}/draft`, draft, { "if-match": '"0"' });
  await teacher.call("DELETE", `/api/copies/${copyId}/lock`, { token: lock.token });
}

/**
 * An exam with a teacher as its grader and one copy per scenario and round, every page showing
 * the same pipeline image; each copy's draft saved.
 */
async function prepare(stack: Stack, ctx: AppContext) {
  const { exam } = (await stack.api.call("POST", "/api/exams", { title: "DS de mathématiques", subject: "Mathématiques", date: "2026-12-04", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" })) as { exam: { id: string } };
  const scheme = (await stack.api.call("PUT", `/api/exams/${exam.id}/marking-scheme`, { questions: QUESTIONS, reportScale: 20 })) as { exam: { questions: BenchQuestion[] } };
  const email = "prof@bench.korrigo.test";
  const user = await ctx.db.user.create({ data: { schoolId: stack.schoolId, email, role: "TEACHER", displayName: "Professeur", passwordHash: await hashSecret(PASSWORD) } });
  await stack.api.call("PUT", `/api/exams/${exam.id}/graders`, { userIds: [user.id] });
  // The batch PDF matters only to finalizing, which this bench does not do: a low resolution is quicker.
  const { batchId, copyIds } = await makeGradableCopies(ctx, { schoolId: stack.schoolId, examId: exam.id, uploadedById: stack.adminId, copies: ROUNDS * SCENARIOS.length, layout: "A4_BATCH", pagesPerCopy: 2, dpi: 50 });
  const image = await pipelinePageImage(ctx, stack.schoolId, batchId);
  await ctx.db.page.updateMany({ where: { batchId }, data: image });
  const teacher = await new Api(stack.api.base).login(email);
  const drafts = new Map(SCENARIOS.map((s) => [s.objects, annotationsFor(s.objects, scheme.exam.questions)]));
  const copies = SCENARIOS.map((s, i) => copyIds.slice(i * ROUNDS, (i + 1) * ROUNDS));
  for (const [i, s] of SCENARIOS.entries()) {
    for (const copyId of copies[i]!) await saveDraft(teacher, copyId, drafts.get(s.objects)!);
  }
  return { email, copies, image, objectCounts: Object.fromEntries([...drafts].map(([k, v]) => [k, v.length])), full: drafts.get("full")! };
}

// ---- In the page.

/**
 * Installs the recorder: the start time of every frame (requestAnimationFrame), the long
 * animation frames (with the script that took longest in each: which handler made it long)
 * and long tasks, the pointer events received, when the button went down and up, and how long
 * the page's own pointer handlers took: from the window's capture listener, which runs first,
 * to its bubbling one, which runs after the page's handlers and the microtasks they queued
 * (Vue's re-render among them).
 */
const START_RECORDING = `(() => {
  const rec = { frames: [], longAnimationFrames: [], longTasks: [], pointerEvents: 0, coalescedEvents: 0, presses: [], handlerMs: { pointermove: [], pointerup: [] }, observers: [], stopped: false };
  window.__editorBench = rec;
  const tick = (t) => { if (rec.stopped) return; rec.frames.push(t); requestAnimationFrame(tick); };
  requestAnimationFrame(tick);
  let handling = 0;
  const before = () => { handling = performance.now(); };
  const after = (e) => rec.handlerMs[e.type].push(performance.now() - handling);
  rec.listeners = [
    ["pointermove", (e) => { rec.pointerEvents += 1; rec.coalescedEvents += e.getCoalescedEvents ? e.getCoalescedEvents().length : 1; before(); }, true],
    ["pointerdown", (e) => rec.presses.push([e.timeStamp, Infinity]), true],
    ["pointerup", (e) => { const last = rec.presses[rec.presses.length - 1]; if (last) last[1] = e.timeStamp; before(); }, true],
    ["pointermove", after, false],
    ["pointerup", after, false],
  ];
  for (const [type, listener, capture] of rec.listeners) window.addEventListener(type, listener, { capture, passive: true });
  const types = (PerformanceObserver.supportedEntryTypes || []).filter((t) => t === "long-animation-frame" || t === "longtask");
  rec.collect = (type, entries) => {
    for (const e of entries) {
      if (type === "longtask") { rec.longTasks.push({ duration: e.duration }); continue; }
      const longest = (e.scripts || []).reduce((a, s) => (a && a.duration >= s.duration ? a : s), null);
      rec.longAnimationFrames.push({ duration: e.duration, blocking: e.blockingDuration || 0, cause: longest && longest.duration >= 0.5 * e.duration ? longest.invoker : "rendering" });
    }
  };
  for (const type of types) {
    const observer = new PerformanceObserver((list) => rec.collect(type, list.getEntries()));
    observer.observe({ type });
    rec.observers.push([type, observer]);
  }
  rec.observed = types;
})()`;

const STOP_RECORDING = `(() => {
  const rec = window.__editorBench;
  rec.stopped = true;
  for (const [type, listener, capture] of rec.listeners) window.removeEventListener(type, listener, { capture });
  for (const [type, observer] of rec.observers) { rec.collect(type, observer.takeRecords()); observer.disconnect(); }
  const { frames, longAnimationFrames, longTasks, pointerEvents, coalescedEvents, presses, handlerMs, observed } = rec;
  return { frames, longAnimationFrames, longTasks, pointerEvents, coalescedEvents, presses, handlerMs, observed };
})()`;

async function recording(page: Page, during: () => Promise<void>): Promise<Recording> {
  await page.evaluate(START_RECORDING);
  await during();
  // The frame that shows the end of the gesture (a stroke committed on mouse up) is part of it.
  await sleep(250);
  return (await page.evaluate(STOP_RECORDING)) as Recording;
}

// ---- The mouse.

type Point = [number, number];
type Path = (t: number) => Point;

/**
 * The mouse as the browser gets it from the hardware: Input.dispatchMouseEvent sent at its own
 * pace, whatever the page is doing. (Playwright's page.mouse waits for each move to be handled,
 * and with a button down runs scripts in the page around each move to detect drag and drop: it
 * managed 17–27 moves a second here, and added work of its own to the page's.)
 */
class RawMouse {
  private pending: Promise<unknown>[] = [];
  private pressed = false;
  moves = 0;

  constructor(private readonly cdp: CDPSession) {}

  private send(type: "mouseMoved" | "mousePressed" | "mouseReleased", [x, y]: Point): void {
    const button = type === "mouseMoved" && !this.pressed ? "none" : "left";
    const clickCount = type === "mouseMoved" ? 0 : 1;
    this.pending.push(this.cdp.send("Input.dispatchMouseEvent", { type, x, y, button, buttons: this.pressed ? 1 : 0, clickCount }));
  }

  move(at: Point): void {
    this.moves += 1;
    this.send("mouseMoved", at);
  }

  down(at: Point): void {
    this.pressed = true;
    this.send("mousePressed", at);
  }

  up(at: Point): void {
    this.pressed = false;
    this.send("mouseReleased", at);
  }

  /** Waits until the browser has taken every event sent. */
  async settled(): Promise<void> {
    await Promise.all(this.pending);
    this.pending = [];
  }
}

/** Moves the mouse along a path (position at t seconds) for `seconds`, one move per 60 Hz slot; a slot missed is skipped. */
async function follow(mouse: RawMouse, path: Path, seconds: number): Promise<Point> {
  const started = performance.now();
  for (let slot = 1; ; ) {
    const wait = started + slot * MOVE_MS - performance.now();
    if (wait > 0) await sleep(wait);
    const t = Math.min(seconds, (performance.now() - started) / 1000);
    mouse.move(path(t));
    if (t >= seconds) return path(t);
    slot = Math.max(slot + 1, Math.floor((performance.now() - started) / MOVE_MS) + 1);
  }
}

interface Area {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Handwriting on line `k` of the area: moving right in loops, 500 px a second. */
const strokePath = (area: Area, k: number): Path => (t) => {
  const turn = 2 * Math.PI * 8 * t;
  return [area.left + area.width * 0.08 + 500 * t + 14 * Math.sin(turn), area.top + area.height * (0.12 + 0.14 * k) + 14 * (Math.cos(turn) - 1)];
};

const between = (from: Point, to: Point, seconds: number): Path => (t) => [from[0] + ((to[0] - from[0]) * t) / seconds, from[1] + ((to[1] - from[1]) * t) / seconds];

/** Strokes on lines `first`…, each followed by the pen's travel to the next line. */
async function drawStrokes(mouse: RawMouse, area: Area, first: number, count: number): Promise<void> {
  for (let k = first; k < first + count; k += 1) {
    const path = strokePath(area, k);
    mouse.move(path(0));
    mouse.down(path(0));
    mouse.up(await follow(mouse, path, STROKE_S));
    await follow(mouse, between(path(STROKE_S), strokePath(area, k + 1)(0), TRAVEL_S), TRAVEL_S);
  }
  await mouse.settled();
}

/** Drags from `at` round a circle, `turns` times (a whole number brings the object back to where it was). */
async function dragAround(mouse: RawMouse, at: Point, seconds: number, turns: number, radius = 100): Promise<void> {
  const period = seconds / turns;
  mouse.move(at);
  mouse.down(at);
  const turn = (t: number) => (2 * Math.PI * t) / period;
  mouse.up(await follow(mouse, (t) => [at[0] + radius * (Math.cos(turn(t)) - 1), at[1] + radius * Math.sin(turn(t))], seconds));
  await mouse.settled();
}

// ---- One run: a copy opened in a fresh context, its gesture recorded.

/** Zooms in from "fit" until the first page is shown at its image's width (100 %). */
async function zoomToNatural(page: Page, naturalWidth: number): Promise<void> {
  const shownWidth = async () => Number(await page.getByTestId("canvas-page").first().locator("img").getAttribute("width"));
  for (let i = 0; i < 10 && (await shownWidth()) < naturalWidth; i += 1) await page.getByTestId("zoom-in").click();
  if ((await shownWidth()) !== naturalWidth) throw new Error(`the page is shown ${await shownWidth()} px wide, not its image's ${naturalWidth} px (zoom ${await page.getByTestId("zoom-level").textContent()})`);
}

/** Waits until the first page's image is decoded and its committed layer holds `count` objects. */
async function pageSettled(page: Page, count: number): Promise<void> {
  const first = page.getByTestId("canvas-page").first();
  await first.locator("img").evaluate("(img) => img.decode()");
  const shapes = first.getByTestId("annotations").locator(":scope > g > *");
  for (let i = 0; (await shapes.count()) !== count; i += 1) {
    if (i > 100) throw new Error(`the first page shows ${await shapes.count()} objects, not ${count}`);
    await sleep(100);
  }
}

/** The part of the first page visible in the editor, less a margin for the scroll bars. */
async function visibleArea(page: Page): Promise<Area> {
  const canvas = (await page.getByTestId("copy-canvas").boundingBox())!;
  const overlay = (await page.getByTestId("canvas-overlay").first().boundingBox())!;
  const left = Math.max(canvas.x, overlay.x);
  const top = Math.max(canvas.y, overlay.y);
  const right = Math.min(canvas.x + canvas.width, overlay.x + overlay.width) - 24;
  const bottom = Math.min(canvas.y + canvas.height, overlay.y + overlay.height) - 24;
  return { left, top, width: right - left, height: bottom - top };
}

async function targetCentre(page: Page): Promise<Point> {
  const overlay = (await page.getByTestId("canvas-overlay").first().boundingBox())!;
  return [overlay.x + (TARGET.x + TARGET.w / 2) * overlay.width, overlay.y + (TARGET.y + TARGET.h / 2) * overlay.height];
}

async function measure(browser: Browser, storageState: StorageState, base: string, copyId: string, scenario: Scenario, objects: number, naturalWidth: number): Promise<Run> {
  const context = await browser.newContext({ baseURL: base, viewport: VIEWPORT, locale: "fr-FR", storageState });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  try {
    await page.goto(`/enseignant/copies/${copyId}`);
    await page.getByTestId("save-badge").filter({ hasText: "Enregistré" }).waitFor({ timeout: 30_000 });
    await zoomToNatural(page, naturalWidth);
    await pageSettled(page, objects);
    await page.getByTestId(scenario.gesture === "pen" ? "tool-pen" : "tool-select").click();
    const area = await visibleArea(page);
    const centre = await targetCentre(page);
    const mouse = new RawMouse(await context.newCDPSession(page));
    // The drag ends half a turn round, away from where it started: the move is committed, as a stroke is.
    const gesture = (seconds: number) => (scenario.gesture === "pen" ? drawStrokes(mouse, area, 0, Math.round(seconds / (STROKE_S + TRAVEL_S))) : dragAround(mouse, centre, seconds, 2.5));
    // Warm-up (code paths compiled, layers rasterised): a stroke on a line of its own, or a
    // circle that brings the object back; then its autosave (two seconds after) is let pass.
    await (scenario.gesture === "pen" ? drawStrokes(mouse, area, 5, 1) : dragAround(mouse, centre, 1.5, 1));
    await sleep(2500);
    const idle = await recording(page, async () => {
      await sleep(1000);
    });
    const busy = machineBusySeconds();
    const started = performance.now();
    mouse.moves = 0;
    const recorded = await recording(page, () => gesture(SECONDS));
    const movesSent = mouse.moves;
    const seconds = (performance.now() - started) / 1000;
    const machineBusyPercent = round((100 * (machineBusySeconds() - busy)) / seconds / availableParallelism());
    if (errors.length > 0) throw new Error(`the page failed: ${errors.join("; ")}`);
    return { idle, gesture: recorded, seconds, movesSent, machineBusyPercent };
  } finally {
    await context.close();
  }
}

// ---- Figures.

/** Frame intervals, each with the time its frame started (the end of the interval). */
const intervalsOf = (frames: number[]) => frames.slice(1).map((t, i) => ({ at: t, ms: t - frames[i]! }));
const sum = (values: number[]) => values.reduce((a, v) => a + v, 0);

/** Frame intervals against the refresh interval: spread, and how many were over 1.5 refreshes. */
function intervalStats(intervals: number[], refreshMs: number) {
  const sorted = [...intervals].sort((a, b) => a - b);
  const dropped = intervals.filter((v) => v > DROPPED_FACTOR * refreshMs);
  return {
    frames: intervals.length,
    meanMs: round(sum(intervals) / intervals.length, 2),
    p50Ms: round(percentile(sorted, 50), 2),
    p95Ms: round(percentile(sorted, 95), 2),
    p99Ms: round(percentile(sorted, 99), 2),
    maxMs: round(sorted.at(-1) ?? 0, 2),
    droppedPercent: round((100 * dropped.length) / intervals.length),
    /** Refreshes that showed no new frame: an interval of three refreshes misses two. */
    missedFrames: sum(dropped.map((v) => Math.max(1, Math.round(v / refreshMs) - 1))),
  };
}

function spread(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: values.length, p50: round(percentile(sorted, 50), 2), p95: round(percentile(sorted, 95), 2), max: round(sorted.at(-1) ?? 0, 2) };
}

/** Long animation frames by what made them long: count and total ms per cause. */
function byCause(loafs: Recording["longAnimationFrames"]): Record<string, { count: number; totalMs: number }> {
  const causes: Record<string, { count: number; totalMs: number }> = {};
  for (const { cause, duration } of loafs) {
    const c = (causes[cause] ??= { count: 0, totalMs: 0 });
    c.count += 1;
    c.totalMs = round(c.totalMs + duration);
  }
  return causes;
}

/**
 * A scenario's rounds pooled, against the refresh interval measured idle: every frame while the
 * gesture lasts, and those while the button is down (drawing or dragging: what the live layer
 * does, without the pen lifts that commit a stroke).
 */
function summarise(runs: Run[]) {
  const refreshMs = median(runs.flatMap((r) => intervalsOf(r.idle.frames).map((i) => i.ms)));
  const pressed = (r: Run) => intervalsOf(r.gesture.frames).filter(({ at, ms }) => r.gesture.presses.some(([down, up]) => at - ms >= down && at <= up));
  const loafs = runs.flatMap((r) => r.gesture.longAnimationFrames);
  const tasks = runs.flatMap((r) => r.gesture.longTasks);
  const seconds = sum(runs.map((r) => r.seconds));
  const movesSent = sum(runs.map((r) => r.movesSent));
  return {
    rounds: runs.length,
    refreshMs: round(refreshMs, 2),
    framesPerSecond: round(sum(runs.map((r) => r.gesture.frames.length - 1)) / sum(runs.map((r) => (r.gesture.frames.at(-1)! - r.gesture.frames[0]!) / 1000))),
    all: intervalStats(runs.flatMap((r) => intervalsOf(r.gesture.frames).map((i) => i.ms)), refreshMs),
    buttonDown: intervalStats(runs.flatMap((r) => pressed(r).map((i) => i.ms)), refreshMs),
    droppedPercentPerRound: runs.map((r) => intervalStats(intervalsOf(r.gesture.frames).map((i) => i.ms), refreshMs).droppedPercent),
    longAnimationFrames: {
      count: loafs.length, totalMs: round(sum(loafs.map((l) => l.duration))), blockingMs: round(sum(loafs.map((l) => l.blocking))),
      maxMs: round(Math.max(0, ...loafs.map((l) => l.duration))), byCause: byCause(loafs),
    },
    longTasks: { count: tasks.length, totalMs: round(sum(tasks.map((l) => l.duration))) },
    /** pointerup: ending the gesture (a stroke or a move committed to the draft); pointermove: following the pointer. */
    handlersMs: {
      pointerup: spread(runs.flatMap((r) => r.gesture.handlerMs.pointerup)),
      pointermove: spread(runs.flatMap((r) => r.gesture.handlerMs.pointermove)),
    },
    input: {
      movesSent, movesPerSecond: round(movesSent / seconds),
      pointerEvents: sum(runs.map((r) => r.gesture.pointerEvents)), coalescedEvents: sum(runs.map((r) => r.gesture.coalescedEvents)),
    },
    machineBusyPercent: runs.map((r) => r.machineBusyPercent),
    observed: runs[0]?.gesture.observed ?? [],
  };
}

type Summary = ReturnType<typeof summarise>;

function printTable(rows: { name: string; s: Summary }[]): void {
  const head = ["scenario", "frames", "fps", "mean", "p50", "p95", "p99", "max", "dropped", "button down: dropped", "max", "LoAF n / ms", "long tasks n / ms", "pointerup p50 / max", "pointermove p95", "moves/s"];
  const lines = rows.map(({ name, s: { all, buttonDown, handlersMs, ...s } }) => [
    name, String(all.frames), String(s.framesPerSecond), ...[all.meanMs, all.p50Ms, all.p95Ms, all.p99Ms, all.maxMs].map((v) => v.toFixed(1)),
    `${all.droppedPercent} %`, `${buttonDown.droppedPercent} %`, buttonDown.maxMs.toFixed(1),
    `${s.longAnimationFrames.count} / ${s.longAnimationFrames.totalMs}`, `${s.longTasks.count} / ${s.longTasks.totalMs}`,
    `${handlersMs.pointerup.p50.toFixed(1)} / ${handlersMs.pointerup.max.toFixed(1)}`, handlersMs.pointermove.p95.toFixed(1), String(s.input.movesPerSecond),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  out(row(head));
  for (const l of lines) out(row(l));
  for (const { name, s } of rows) {
    const causes = Object.entries(s.longAnimationFrames.byCause).map(([cause, c]) => `${cause} ${c.count} × (${c.totalMs} ms)`);
    if (causes.length > 0) out(`  long frames, ${name}: ${causes.join(", ")}`);
  }
}

/** Signs the teacher in through the login page; every run's context starts from this session. */
async function signIn(browser: Browser, base: string, email: string): Promise<StorageState> {
  const context = await browser.newContext({ baseURL: base, viewport: VIEWPORT, locale: "fr-FR" });
  try {
    const page = await context.newPage();
    await page.goto("/connexion");
    await page.getByTestId("login-email").fill(email);
    await page.getByTestId("login-password").fill(PASSWORD);
    await page.getByTestId("login-submit").click();
    await page.waitForURL((url) => url.pathname === "/enseignant");
    return await context.storageState();
  } finally {
    await context.close();
  }
}

async function main(): Promise<void> {
  out(`editor smoothness: ${ROUNDS} round(s) × ${SCENARIOS.length} scenarios, ${SECONDS} s of gesture each`);
  const stack = await startStack({ workerConcurrency: 1 });
  const ctx = createContext(loadConfig({ ...stack.env, LOG_LEVEL: "warn" }), "bench");
  let browser: Browser | undefined;
  try {
    const bench = await prepare(stack, ctx);
    const strokes = bench.full.filter((a) => a.type === "pen" || a.type === "highlighter");
    const points = strokes.map((a) => ("points" in a ? a.points.length : 0));
    out(`page image ${bench.image.width} × ${bench.image.height} px; full draft: ${bench.full.length} objects, ${strokes.length} strokes of ${Math.min(...points)}–${Math.max(...points)} points`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS });
    const storageState = await signIn(browser, stack.api.base, bench.email);

    const runs: Run[][] = SCENARIOS.map(() => []);
    for (let r = 0; r < ROUNDS; r += 1) {
      for (let k = 0; k < SCENARIOS.length; k += 1) {
        const i = (k + r) % SCENARIOS.length;
        const scenario = SCENARIOS[i]!;
        const run = await measure(browser, storageState, stack.api.base, bench.copies[i]![r]!, scenario, bench.objectCounts[scenario.objects]!, bench.image.width);
        const own = intervalsOf(run.gesture.frames).map((f) => f.ms);
        out(`  round ${r + 1}, ${scenario.name}: ${own.length} frames, median ${round(median(own), 1)} ms, max ${round(Math.max(...own), 1)} ms, machine ${run.machineBusyPercent} % busy`);
        runs[i]!.push(run);
      }
    }

    const rows = SCENARIOS.map((s, i) => ({ name: s.name, s: summarise(runs[i]!) }));
    out();
    out(`frame intervals in ms while the gesture lasts, all rounds pooled; dropped: longer than ${DROPPED_FACTOR} × the refresh interval measured idle (${rows[0]!.s.refreshMs} ms);`);
    out("button down: only the frames while the pen draws or the object is dragged (without the pen lifts, which commit the stroke);");
    out("pointerup, pointermove: ms the editor's handlers took per event (pointerup commits the stroke or the move to the draft)");
    printTable(rows);
    const version = browser.version();
    const results = {
      generatedAt: new Date().toISOString(),
      environment: {
        chromium: version, executable: CHROMIUM, headless: true, launchArgs: LAUNCH_ARGS, viewport: VIEWPORT,
        cpu: cpus()[0]?.model ?? "unknown", cores: availableParallelism(),
        note: "GPU-less container: Chromium rasterises and composites in software, so absolute frame times are those of this machine; compare the scenarios with each other.",
      },
      page: { imageWidth: bench.image.width, imageHeight: bench.image.height, zoomPercent: 100, shownCssPx: { width: bench.image.width, height: bench.image.height } },
      draft: { objects: bench.full.length, strokes: strokes.length, pointsPerStroke: { min: Math.min(...points), max: Math.max(...points), mean: round(sum(points) / points.length) }, byType: countBy(bench.full.map((a) => a.type)) },
      method: {
        rounds: ROUNDS, gestureSeconds: SECONDS, mouseMovesPerSecond: 60, strokeSeconds: STROKE_S, penTravelSeconds: TRAVEL_S,
        droppedWhen: `interval > ${DROPPED_FACTOR} × idle median interval`, recorder: "requestAnimationFrame timestamps; PerformanceObserver long-animation-frame and longtask",
      },
      scenarios: rows.map(({ name, s }, i) => ({ name, gesture: SCENARIOS[i]!.gesture, objects: bench.objectCounts[SCENARIOS[i]!.objects], ...s })),
    };
    mkdirSync("bench/results", { recursive: true });
    writeFileSync("bench/results/editor.json", `${JSON.stringify(results, null, 2)}\n`);
    out(`\nChromium ${version}, viewport ${VIEWPORT.width}×${VIEWPORT.height}, page image ${bench.image.width}×${bench.image.height} at 100 %. Figures in bench/results/editor.json`);
  } finally {
    await browser?.close();
    await closeContext(ctx);
    await stack.teardown();
  }
}

function countBy(values: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const v of values) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

await main();
