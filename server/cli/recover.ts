// `korrigo recover`: work a crash left half done (a worker killed, Redis emptied) — scan batches
// being converted, booklets waiting to be read, copies being finalized — with no job left to
// finish it. A dry run lists it; --apply queues it again (jobs are idempotent, with
// deterministic ids) or, when it cannot be done any more, marks it FAILED with the reason. The
// worker's start-up sweep runs the same functions.
import type { AppContext } from "../lib/context.js";
import { findStuckBatches, recoverBatch, type StuckBatch } from "../modules/scans/pipeline.js";
import { findStuckIdentification, recoverIdentificationOf } from "../modules/identification/pipeline.js";
import { findStuckFinalizing, recoverCopy, type StuckCopy } from "../modules/grading/finalize.js";
import { EXIT, type CliCommand, type CliIo } from "./command.js";
import { withContext } from "./context.js";
import { progress } from "./io.js";

interface Stuck {
  batches: StuckBatch[];
  identifying: { batchId: string; booklets: number }[];
  copies: StuckCopy[];
}

function batchPlan(b: StuckBatch): string {
  if (b.fileMissing) return "mark FAILED: its PDF file is missing";
  const work = [b.split ? "split" : "", b.pages.length ? `render ${b.pages.length} page(s)` : ""].filter(Boolean);
  return work.length ? `re-enqueue: ${work.join(", ")}` : "settle: every page is converted";
}

function list(io: CliIo, stuck: Stuck): void {
  stuck.batches.forEach((b) => io.out(`scan batch ${b.batchId}: ${batchPlan(b)}`));
  stuck.identifying.forEach((i) => io.out(`identification of batch ${i.batchId}: re-enqueue (${i.booklets} booklet(s) to read)`));
  stuck.copies.forEach((c) => io.out(`copy ${c.copyId} FINALIZING (version ${c.version}): ${c.draftMissing ? `mark FAILED: draft version ${c.version} is gone` : "re-enqueue its graded PDF"}`));
}

async function apply(ctx: AppContext, io: CliIo, stuck: Stuck): Promise<void> {
  const outcomes: Record<string, number> = {};
  const count = (what: string) => (outcomes[what] = (outcomes[what] ?? 0) + 1);
  const batchDone = progress(io, stuck.batches.length, (n, total) => `recovered ${n}/${total} scan batches`);
  for (const batch of stuck.batches) {
    count(`scan batch(es) ${await recoverBatch(ctx, batch)}`);
    batchDone();
  }
  const identifyDone = progress(io, stuck.identifying.length, (n, total) => `re-enqueued ${n}/${total} identifications`);
  for (const { batchId } of stuck.identifying) {
    await recoverIdentificationOf(ctx, batchId);
    count("identification(s) requeued");
    identifyDone();
  }
  const copyDone = progress(io, stuck.copies.length, (n, total) => `recovered ${n}/${total} copies`);
  for (const copy of stuck.copies) {
    count(`copy(ies) ${await recoverCopy(ctx, copy)}`);
    copyDone();
  }
  io.out(`Done: ${Object.entries(outcomes).map(([what, n]) => `${n} ${what}`).join(", ")}.`);
}

export const recoverCommand: CliCommand = {
  name: "recover",
  summary: "find work a crash left half done; with --apply, re-enqueue it or mark it FAILED",
  help: `Usage: korrigo recover [--apply]

Finds work left half done by a crash, with no job waiting or running to finish it:
  - scan batches being converted (split, page renders, or never settled)
  - converted batches whose booklets wait to be read (identification)
  - copies left FINALIZING (their graded PDF never drawn)
Without --apply it only lists them (a dry run: nothing changes).

  --apply   re-enqueue each one (jobs are idempotent: nothing is done twice), or, when it can no
            longer be done, mark it FAILED with the reason shown in the app (a batch whose PDF
            is missing, a copy whose draft version is gone). Every such change is audited.

The worker does the same at start-up. Exit codes: 0 done (or nothing to do), 1 failed.`,
  options: { apply: { type: "boolean" } },
  async run({ config, values, io }) {
    return withContext(config, async (ctx) => {
      const stuck: Stuck = { batches: await findStuckBatches(ctx), identifying: await findStuckIdentification(ctx), copies: await findStuckFinalizing(ctx) };
      const total = stuck.batches.length + stuck.identifying.length + stuck.copies.length;
      if (total === 0) {
        io.out("Nothing to recover: no work is left half done.");
        return EXIT.OK;
      }
      list(io, stuck);
      if (values.apply !== true) {
        io.out(`Dry run: nothing changed. ${total} item(s) to recover; run again with --apply to act.`);
        return EXIT.OK;
      }
      await apply(ctx, io, stuck);
      return EXIT.OK;
    });
  },
};
