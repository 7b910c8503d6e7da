// recover after a killed worker: copies left FINALIZING with no job, a batch whose PDF is gone.
// The dry run lists them and changes nothing; --apply queues the copy again (a worker then
// grades it) and marks FAILED, with the reason and an audit entry, what can no longer be done.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, waitFor, type TestEnv } from "../test/harness.js";
import { makeGradableCopies } from "../test/copy-factory.js";
import { capturedIo, cliEnv } from "../test/cli-io.js";
import { jobId } from "../lib/jobs.js";
import { startWorker, type RunningWorker } from "../worker/run.js";
import { runCli } from "./run.js";

let env: TestEnv;
let dataDir: string;
let worker: RunningWorker | null = null;
let recoverable: string;
let draftGone: string;
let batchGone: string;

const korrigo = (argv: string[], io = capturedIo()) => runCli(argv, io, cliEnv(env.config));
const copy = (id: string) => env.ctx.db.copy.findUniqueOrThrow({ where: { id } });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-recover-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  const schoolId = (await createSchool(env.ctx)).id;
  const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
  const exam = await env.ctx.db.exam.create({ data: { schoolId, title: "DS de chimie", subject: "Chimie", date: new Date("2026-11-20"), classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH", createdById: teacher.id } });
  const question = await env.ctx.db.question.create({ data: { examId: exam.id, position: 1, label: "Exercice 1", maxPoints: 10 } });
  const { copyIds } = await makeGradableCopies(env.ctx, { schoolId, examId: exam.id, uploadedById: teacher.id, copies: 2, layout: "A4_BATCH", pagesPerCopy: 2 });
  [recoverable, draftGone] = copyIds as [string, string];
  // As after a killed worker whose queue was lost: FINALIZING, and no copy.flatten job anywhere.
  await env.ctx.db.draft.create({ data: { copyId: recoverable, version: 1, content: { annotations: [], comment: "Bien.", rubric: {}, overrides: [] }, scores: { [question.id]: 7 }, authorId: teacher.id } });
  await env.ctx.db.copy.update({ where: { id: recoverable }, data: { status: "FINALIZING", finalVersion: 1 } });
  await env.ctx.db.copy.update({ where: { id: draftGone }, data: { status: "FINALIZING", finalVersion: 3 } });
  // A batch uploaded, then its file lost (a disk restored without it) before any split.
  batchGone = (await env.ctx.db.scanBatch.create({
    data: { schoolId, examId: exam.id, status: "UPLOADED", originalName: "perdu.pdf", storagePath: `scans/${schoolId}/gone.pdf`, sha256: randomBytes(32).toString("hex"), sizeBytes: 1000, layout: "A4_BATCH", pageCount: 4, uploadedById: teacher.id },
  })).id;
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("recover", () => {
  it("lists what is stuck without --apply, and changes nothing", async () => {
    const io = capturedIo();
    expect(await korrigo(["recover"], io)).toBe(0);
    expect(io.stdout[0]).toBe(`scan batch ${batchGone}: mark FAILED: its PDF file is missing`);
    expect(io.stdout.slice(1, 3).sort()).toEqual([
      `copy ${draftGone} FINALIZING (version 3): mark FAILED: draft version 3 is gone`,
      `copy ${recoverable} FINALIZING (version 1): re-enqueue its graded PDF`,
    ].sort());
    expect(io.stdout.slice(3)).toEqual(["Dry run: nothing changed. 3 item(s) to recover; run again with --apply to act."]);
    expect((await copy(recoverable)).status).toBe("FINALIZING");
    expect((await copy(draftGone)).status).toBe("FINALIZING");
    expect((await env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchGone } })).status).toBe("UPLOADED");
    expect(await env.ctx.queues.pending("copy.flatten", jobId.flatten(recoverable, 1))).toBe(false);
    expect(await env.ctx.db.auditLog.count({ where: { actorType: "system" } })).toBe(0);
  });

  it("--apply queues the recoverable copy again and marks FAILED, with a reason, what cannot be done", async () => {
    const io = capturedIo();
    expect(await korrigo(["recover", "--apply"], io)).toBe(0);
    expect(io.stdout.slice(-4)).toEqual(["recovered 1/1 scan batches", "recovered 1/2 copies", "recovered 2/2 copies", expect.stringMatching(/^Done: 1 scan batch\(es\) failed, 1 copy\(ies\) (requeued|failed), 1 copy\(ies\) (requeued|failed)\.$/)]);
    expect(await env.ctx.queues.pending("copy.flatten", jobId.flatten(recoverable, 1))).toBe(true);
    expect((await copy(recoverable)).status).toBe("FINALIZING");

    const failed = await copy(draftGone);
    expect(failed).toMatchObject({ status: "FAILED", failureReason: expect.stringContaining("n'existe plus") });
    expect(await env.ctx.db.gradingEvent.findMany({ where: { copyId: draftGone, type: "failed" } })).toEqual([expect.objectContaining({ fromStatus: "FINALIZING", toStatus: "FAILED" })]);
    const batch = await env.ctx.db.scanBatch.findUniqueOrThrow({ where: { id: batchGone } });
    expect(batch).toMatchObject({ status: "FAILED", error: expect.stringContaining("introuvable") });
    const audits = await env.ctx.db.auditLog.findMany({ where: { actorType: "system" }, orderBy: { createdAt: "asc" } });
    expect(audits.map((a) => [a.action, a.targetId])).toEqual([["scan.recovery_failed", batchGone], ["copy.finalize_failed", draftGone]]);
  });

  it("a worker then grades the re-enqueued copy; nothing is left to recover", async () => {
    worker = await startWorker(env.ctx);
    const done = await waitFor(() => copy(recoverable), (c) => c.status === "GRADED" || c.status === "FAILED", 60_000);
    expect(done).toMatchObject({ status: "GRADED", finalVersion: 1 });
    expect(done.totalScore?.toNumber()).toBe(7);
    expect(await env.ctx.db.gradedPdf.count({ where: { copyId: recoverable } })).toBe(1);
    const io = capturedIo();
    expect(await korrigo(["recover"], io)).toBe(0);
    expect(io.stdout).toEqual(["Nothing to recover: no work is left half done."]);
  }, 90_000);
});
