// `korrigo cleanup`: what nobody needs any more — files no row refers to, scratch folders of
// processes that are gone, expired sessions, copy locks their teacher left behind. A dry run
// counts and lists them; --apply removes them.
import type { AppContext } from "../lib/context.js";
import { findOrphans, removeOrphan } from "../modules/scans/cleanup.js";
import { endStaleLock, findStaleLocks } from "../modules/grading/locks.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { withContext } from "./context.js";
import { progress } from "./io.js";

// Compared with now() in SQL, as connect-pg-simple writes and prunes them.
async function expiredSessions(ctx: AppContext): Promise<number> {
  const [row] = await ctx.db.$queryRaw<{ count: number }[]>`SELECT count(*)::int AS "count" FROM "session" WHERE "expire" < now()`;
  return row?.count ?? 0;
}

async function removeAll(io: CliIo, items: string[], noun: string, remove: (item: string) => Promise<unknown>): Promise<void> {
  const done = progress(io, items.length, (n, total) => `removed ${n}/${total} ${noun}`);
  for (const item of items) {
    await remove(item);
    done();
  }
}

export const cleanupCommand: CliCommand = {
  name: "cleanup",
  summary: "find orphan files, stale temporary folders, expired sessions, stale locks; --apply removes them",
  help: `Usage: korrigo cleanup [--apply]

Counts (and lists, for files and folders) what nobody needs any more:
  - orphan files: scans, page images, header crops, documents no row refers to (left by a crash
    between writing a file and saving its row). Graded PDFs are never touched.
  - stale temporary folders: work folders of finished batches, scratch folders of workers no
    longer alive and of API processes, hours old
  - expired sessions
  - stale copy locks: expired for longer than LOCK_TTL_MINUTES (a teacher who left without
    closing the editor); the copy goes back to "to grade", audited
Without --apply nothing is removed (a dry run).

  --apply   remove them

Exit codes: 0 done (or nothing to clean), 1 failed.`,
  options: { apply: { type: "boolean" } },
  async run({ config, values, io }) {
    const apply = values.apply === true;
    return withContext(config, async (ctx) => {
      const { files, folders } = await findOrphans(ctx);
      const sessions = await expiredSessions(ctx);
      const locks = await findStaleLocks(ctx);
      [...files, ...folders].forEach((f) => io.out(`${apply ? "removing" : "would remove"} ${f}`));
      io.out(`orphan files:            ${files.length}`);
      io.out(`stale temporary folders: ${folders.length}`);
      io.out(`expired sessions:        ${sessions}`);
      io.out(`stale copy locks:        ${locks.length}`);
      if (!apply) {
        io.out("Dry run: nothing removed. Run again with --apply to remove them.");
        return EXIT.OK;
      }
      await removeAll(io, files, "orphan files", (f) => removeOrphan(ctx, f));
      await removeAll(io, folders, "temporary folders", (f) => removeOrphan(ctx, f));
      const deleted = await ctx.db.$executeRaw`DELETE FROM "session" WHERE "expire" < now()`;
      io.out(`removed ${deleted} expired session(s)`);
      let ended = 0;
      await removeAll(io, locks, "stale locks", async (copyId) => (ended += (await endStaleLock(ctx, copyId)) ? 1 : 0));
      if (ended < locks.length) io.out(`${locks.length - ended} lock(s) were renewed or released meanwhile and were kept.`);
      io.out("Done.");
      return EXIT.OK;
    });
  },
};
