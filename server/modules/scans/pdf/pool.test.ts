// Conversions on worker threads write the images where the task says, several at once, and a
// refused page still arrives as a ScanPageError with its sentence, writing nothing.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { makeA4Batch, readPageLabel, type PageEncoding } from "../../../test/scan-factory.js";
import { ScanPageError } from "./page-images.js";
import { ScanPagePool, type PageTask } from "./pool.js";

const pool = new ScanPagePool({ threads: 2, pageTimeoutMs: 60_000, threadHeapMb: 256 });
const dataDir = mkdtempSync(path.join(tmpdir(), "korrigo-pool-"));
afterAll(async () => {
  await pool.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function task(name: string, options: PageTask["options"] = { split: "none" }, dpi = 150, encoding: PageEncoding = "jpeg"): Promise<PageTask> {
  for (const dir of ["in", "out"]) mkdirSync(path.join(dataDir, dir), { recursive: true });
  const pdf = path.join(dataDir, "in", `${name}.pdf`);
  writeFileSync(pdf, await makeA4Batch({ pages: 1, dpi, encoding }));
  return { pdf, options, targets: { FULL: { image: path.join(dataDir, "out", `${name}.jpg`), thumb: path.join(dataDir, "out", `${name}.thumb.jpg`) } } };
}

describe("ScanPagePool", () => {
  it("converts pages on its threads, several at once, and writes their files", async () => {
    const tasks = await Promise.all(["a", "b", "c"].map((name) => task(name)));
    const results = await Promise.all(tasks.map((t) => pool.convert(t)));
    for (const [i, result] of results.entries()) {
      const { image, thumb } = tasks[i]!.targets.FULL!;
      const written = result.images.FULL!;
      expect(await sharp(image).metadata()).toMatchObject({ format: "jpeg", width: written.width, height: written.height });
      expect(await readPageLabel(readFileSync(thumb))).toBe(1);
      expect(written.nearBlank).toBe(false);
    }
  });

  it("renders a born-digital page read from disk on a thread (pdf.js refuses a Node Buffer)", async () => {
    const vector = await task("vector", { split: "none" }, 150, "vector");
    const result = await pool.convert(vector);
    expect(result.source).toBe("render");
    expect(await readPageLabel(readFileSync(vector.targets.FULL!.thumb))).toBe(1);
  });

  it("passes a refusal back as a ScanPageError and writes nothing", async () => {
    const refused = await task("refused", { split: "none", maxPixels: 500_000 });
    const conversion = pool.convert(refused);
    await expect(conversion).rejects.toBeInstanceOf(ScanPageError);
    await expect(conversion).rejects.toMatchObject({ reason: expect.stringMatching(/pixels/) });
    expect(existsSync(refused.targets.FULL!.image)).toBe(false);
  });

  it("counts a page's time limit from the start of its own conversion, not while it waits for a thread", async () => {
    // 300-dpi pages are decoded and scaled: long enough for the queue to matter.
    const tasks = await Promise.all(Array.from({ length: 30 }, (_, i) => task(`queued-${i}`, { split: "none" }, 300)));
    const warm = new ScanPagePool({ threads: 1, pageTimeoutMs: 60_000, threadHeapMb: 256 });
    const time = async () => {
      const started = performance.now();
      await warm.convert(tasks[0]!);
      return performance.now() - started;
    };
    const first = await time(); // a thread's first page also loads its modules
    const one = await time();
    await warm.close();
    // Each page is allowed 3 conversions (the first one its start-up too); the last of the
    // queue waits for ~30.
    const limit = Math.round(Math.max(first, 3 * one)) + 200;
    expect(30 * one).toBeGreaterThan(2 * limit);
    const timed = new ScanPagePool({ threads: 1, pageTimeoutMs: limit, threadHeapMb: 256 });
    try {
      const results = await Promise.all(tasks.map((t) => timed.convert(t)));
      expect(results.map((r) => r.source)).toEqual(Array(30).fill("jpeg"));
    } finally {
      await timed.close();
    }
  });

  it("stops a conversion that takes too long", async () => {
    const hasty = new ScanPagePool({ threads: 1, pageTimeoutMs: 1, threadHeapMb: 256 });
    try {
      const stopped = hasty.convert(await task("slow"));
      await expect(stopped).rejects.toBeInstanceOf(ScanPageError);
      await expect(stopped).rejects.toMatchObject({ reason: expect.stringMatching(/arrêtée au bout de/) });
    } finally {
      await hasty.close();
    }
  });
});
