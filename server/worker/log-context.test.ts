// A line a job's own code logs carries the job's id and name: the worker's dispatch sets them
// in the log context (server/lib/log-context.ts) that the logger's mixin reads. The job here
// reads a booklet whose page image is gone, which its code logs as a warning.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedLogger, createSchool, createStaff, createTestEnv, staffClient, waitFor, type TestEnv } from "../test/harness.js";
import { makeGradableCopies } from "../test/copy-factory.js";
import { startWorker, type RunningWorker } from "./run.js";

const { logger, lines } = capturedLogger();
let env: TestEnv;
let worker: RunningWorker;

beforeAll(async () => {
  env = await createTestEnv({ OCR_THREADS: "1" }, logger);
  worker = await startWorker(env.ctx);
}, 60_000);
afterAll(async () => {
  await worker.close();
  await env.close();
});

describe("log lines of jobs", () => {
  it("carry the job's id and name", async () => {
    const schoolId = (await createSchool(env.ctx)).id;
    const admin = await createStaff(env.ctx, schoolId, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    const exam = await client.agent.post("/api/exams").set("X-CSRF-Token", client.csrf)
      .send({ title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201);
    const { batchId } = await makeGradableCopies(env.ctx, { schoolId, examId: exam.body.exam.id as string, uploadedById: admin.id, copies: 1, layout: "A4_BATCH", pagesPerCopy: 2 });
    const booklet = await env.ctx.db.booklet.findFirstOrThrow({ where: { batchId } });
    await env.ctx.db.booklet.update({ where: { id: booklet.id }, data: { status: "READING", copyId: null } });
    await env.ctx.db.page.updateMany({ where: { bookletId: booklet.id }, data: { imagePath: `pages/${schoolId}/gone.jpg` } });

    const job = await env.ctx.queues.enqueue("booklet.identify", { bookletId: booklet.id });
    const logged = () => lines.map((l) => JSON.parse(l) as { msg?: string; jobId?: string; jobName?: string; bookletId?: string }).filter((l) => l.msg === "header could not be read");
    const [line] = await waitFor(async () => logged(), (found) => found.length > 0);
    expect(line).toMatchObject({ bookletId: booklet.id, jobId: job.id, jobName: "booklet.identify" });
  });
});
