// Files under DATA_DIR that no row refers to: scans, page images, header crops and exam documents left by a crash between
// writing a file and committing its row, split folders of finished batches, and temporary
// files of processes that are gone. Listed always, removed unless it is a dry run.
import { readdir, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import type { AppContext } from "../../lib/context.js";
import { liveWorkers } from "../../lib/heartbeat.js";
import { Storage } from "../../lib/storage.js";

const STALE_API_TMP_MS = 6 * 3600_000;

async function filesUnder(root: string, dir: string): Promise<string[]> {
  const full = path.join(root, dir);
  if (!existsSync(full)) return [];
  const entries = await readdir(full, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

async function orphanFiles(ctx: AppContext, storage: Storage): Promise<string[]> {
  const [batches, pages, booklets, documents] = await Promise.all([
    ctx.db.scanBatch.findMany({ select: { storagePath: true } }),
    ctx.db.page.findMany({ where: { OR: [{ imagePath: { not: null } }, { thumbPath: { not: null } }] }, select: { imagePath: true, thumbPath: true } }),
    ctx.db.booklet.findMany({ where: { headerCropPath: { not: null } }, select: { headerCropPath: true } }),
    ctx.db.examDocument.findMany({ select: { storagePath: true } }),
  ]);
  const referenced = new Set([...batches.map((b) => b.storagePath), ...pages.flatMap((p) => [p.imagePath, p.thumbPath]), ...booklets.map((b) => b.headerCropPath), ...documents.map((d) => d.storagePath)]);
  // Graded PDFs are not swept: a grade's PDF is never removed, even one whose row a crash lost.
  const files = (await Promise.all(["scans", "pages", "headers", "documents"].map((dir) => filesUnder(storage.root, dir)))).flat();
  return files.filter((f) => !referenced.has(f));
}

async function orphanDirs(ctx: AppContext, storage: Storage): Promise<string[]> {
  const found: string[] = [];
  const work = storage.abs("work");
  if (existsSync(work)) {
    const unfinished = new Set((await ctx.db.scanBatch.findMany({ where: { status: { not: "DONE" } }, select: { id: true } })).map((b) => b.id));
    for (const dir of await readdir(work)) if (!unfinished.has(dir)) found.push(path.join("work", dir));
  }
  const tmp = storage.abs("tmp");
  if (existsSync(tmp)) {
    const alive = new Set((await liveWorkers(ctx.redis, ctx.config.REDIS_PREFIX)).map((id) => path.basename(storage.tmpDir(`worker-${id}`))));
    for (const dir of await readdir(tmp)) {
      const old = Date.now() - (await stat(path.join(tmp, dir))).mtimeMs > STALE_API_TMP_MS;
      if ((dir.startsWith("worker-") && !alive.has(dir)) || (dir.startsWith("api-") && old)) found.push(path.join("tmp", dir));
    }
  }
  return found;
}

export async function cleanupStorage(ctx: AppContext, options: { dryRun: boolean }): Promise<string[]> {
  const storage = new Storage(ctx.config.DATA_DIR);
  const found = [...(await orphanFiles(ctx, storage)), ...(await orphanDirs(ctx, storage))];
  if (!options.dryRun) for (const relative of found) await storage.remove(relative);
  return found;
}
