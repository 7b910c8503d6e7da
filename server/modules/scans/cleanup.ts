// Stored files that no row refers to: scans, page images, header crops and exam documents left by a crash between
// writing a file and committing its row, split folders of finished batches, and temporary
// files of processes that are gone. Listed always, removed unless it is a dry run.
import { readdir, rm, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import type { AppContext } from "../../lib/context.js";
import { liveWorkers } from "../../lib/heartbeat.js";
import { scratchName, scratchRoot, workerOwner } from "../../lib/storage.js";

const STALE_API_TMP_MS = 6 * 3600_000;

async function keysUnder(ctx: AppContext, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const { key } of ctx.files.list(prefix)) keys.push(key);
  return keys;
}

async function orphanFiles(ctx: AppContext): Promise<string[]> {
  const [batches, pages, booklets, documents] = await Promise.all([
    ctx.db.scanBatch.findMany({ select: { storagePath: true } }),
    ctx.db.page.findMany({ where: { OR: [{ imagePath: { not: null } }, { thumbPath: { not: null } }] }, select: { imagePath: true, thumbPath: true } }),
    ctx.db.booklet.findMany({ where: { headerCropPath: { not: null } }, select: { headerCropPath: true } }),
    ctx.db.examDocument.findMany({ select: { storagePath: true } }),
  ]);
  const referenced = new Set([...batches.map((b) => b.storagePath), ...pages.flatMap((p) => [p.imagePath, p.thumbPath]), ...booklets.map((b) => b.headerCropPath), ...documents.map((d) => d.storagePath)]);
  // Graded PDFs are not swept: a grade's PDF is never removed, even one whose row a crash lost.
  const files = (await Promise.all(["scans", "pages", "headers", "documents"].map((prefix) => keysUnder(ctx, prefix)))).flat();
  return files.filter((f) => !referenced.has(f));
}

/** Split folders (in the store) of batches that are DONE: what is left of a move a crash cut short. */
async function orphanSplitFolders(ctx: AppContext): Promise<string[]> {
  const batches = new Set((await keysUnder(ctx, "work")).map((key) => key.split("/")[1]!));
  if (batches.size === 0) return [];
  const unfinished = new Set((await ctx.db.scanBatch.findMany({ where: { status: { not: "DONE" } }, select: { id: true } })).map((b) => b.id));
  return [...batches].filter((id) => !unfinished.has(id)).map((id) => `work/${id}`);
}

/** Scratch folders (on this machine's disk) of workers gone, and of API processes hours old. */
async function orphanScratch(ctx: AppContext): Promise<string[]> {
  const found: string[] = [];
  const tmp = scratchRoot(ctx.config.DATA_DIR);
  if (existsSync(tmp)) {
    const alive = new Set((await liveWorkers(ctx.redis, ctx.config.REDIS_PREFIX)).map((id) => scratchName(workerOwner(id))));
    for (const dir of await readdir(tmp)) {
      const old = Date.now() - (await stat(path.join(tmp, dir))).mtimeMs > STALE_API_TMP_MS;
      if ((dir.startsWith("worker-") && !alive.has(dir)) || (dir.startsWith("api-") && old)) found.push(`tmp/${dir}`);
    }
  }
  return found;
}

/** What a cleanup removes: files no row refers to, and split or scratch folders no live process uses. */
export async function findOrphans(ctx: AppContext): Promise<{ files: string[]; folders: string[] }> {
  return { files: await orphanFiles(ctx), folders: [...(await orphanSplitFolders(ctx)), ...(await orphanScratch(ctx))] };
}

/** Removes one file or folder that findOrphans listed: tmp/ is local scratch space, the rest is in the file store. */
export async function removeOrphan(ctx: AppContext, relative: string): Promise<void> {
  const [top, owner, ...rest] = relative.split("/");
  if (top === "tmp") {
    if (!owner || rest.length > 0 || owner.startsWith(".") || scratchName(owner) !== owner) throw new Error(`Not a scratch folder: ${relative}`);
    await rm(path.join(scratchRoot(ctx.config.DATA_DIR), owner), { recursive: true, force: true });
  } else if (top === "work") await ctx.files.removePrefix(relative);
  else await ctx.files.remove(relative);
}

export async function cleanupStorage(ctx: AppContext, options: { dryRun: boolean }): Promise<string[]> {
  const { files, folders } = await findOrphans(ctx);
  const found = [...files, ...folders];
  if (!options.dryRun) for (const relative of found) await removeOrphan(ctx, relative);
  return found;
}
