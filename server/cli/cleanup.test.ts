// cleanup: an expired session, a lock its teacher left long ago, a file no row refers to and a
// dead worker's scratch folder are counted by a dry run and removed only with --apply; what is
// still in use (a live session, a lock expired a minute ago) stays.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createStudent, createTestEnv, type TestEnv } from "../test/harness.js";
import { capturedIo, cliEnv } from "../test/cli-io.js";
import { runCli } from "./run.js";

let env: TestEnv;
let dataDir: string;
let staleCopy: string;
let recentCopy: string;
let stray: string;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);
const korrigo = (argv: string[], io = capturedIo()) => runCli(argv, io, cliEnv(env.config));
const sessions = async () => (await env.ctx.db.session.findMany({ select: { sid: true }, orderBy: { sid: "asc" } })).map((s) => s.sid);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-cleanup-"));
  env = await createTestEnv({ DATA_DIR: dataDir, LOCK_TTL_MINUTES: "10" });
  const schoolId = (await createSchool(env.ctx)).id;
  const teacher = await createStaff(env.ctx, schoolId, "TEACHER");
  const exam = await env.ctx.db.exam.create({ data: { schoolId, title: "DS", subject: "Maths", date: new Date("2026-11-20"), classNames: ["2nde A"], pagesPerCopy: 2, createdById: teacher.id } });
  const lockedCopy = async (code: string, expiresAt: Date) => {
    const student = await createStudent(env.ctx, schoolId);
    const copy = await env.ctx.db.copy.create({ data: { schoolId, examId: exam.id, studentId: student.id, anonymousCode: code, status: "LOCKED" } });
    await env.ctx.db.copyLock.create({ data: { copyId: copy.id, userId: teacher.id, token: `token-${code}`, expiresAt } });
    return copy.id;
  };
  // Left yesterday; and one whose heartbeat missed a beat a minute ago (it may still be renewed).
  staleCopy = await lockedCopy("C0001", minutesAgo(24 * 60));
  recentCopy = await lockedCopy("C0002", minutesAgo(1));
  await env.ctx.db.$executeRaw`INSERT INTO "session" ("sid", "sess", "expire") VALUES
    ('expired', '{}', now() - interval '1 day'), ('live', '{}', now() + interval '1 day')`;
  stray = path.join(dataDir, "pages", schoolId, "stray.jpg");
  await mkdir(path.dirname(stray), { recursive: true });
  await writeFile(stray, "not referenced");
  await mkdir(path.join(dataDir, "tmp", "worker-gone_1234"), { recursive: true });
  await writeFile(path.join(dataDir, "tmp", "worker-gone_1234", "half-written"), "x");
});
afterAll(async () => {
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

describe("cleanup", () => {
  it("counts and lists without --apply, removing nothing", async () => {
    const io = capturedIo();
    expect(await korrigo(["cleanup"], io)).toBe(0);
    expect(io.stdout.filter((l) => l.startsWith("would remove")).sort()).toEqual([
      expect.stringMatching(/^would remove pages\/.*\/stray\.jpg$/),
      "would remove tmp/worker-gone_1234",
    ]);
    expect(io.stdout.slice(-5)).toEqual([
      "orphan files:            1",
      "stale temporary folders: 1",
      "expired sessions:        1",
      "stale copy locks:        1",
      "Dry run: nothing removed. Run again with --apply to remove them.",
    ]);
    expect(await sessions()).toEqual(["expired", "live"]);
    expect(await env.ctx.db.copyLock.count()).toBe(2);
    expect(existsSync(path.join(dataDir, "tmp", "worker-gone_1234"))).toBe(true);
    expect(existsSync(stray)).toBe(true);
  });

  it("--apply removes them: the stale lock's copy goes back to READY, audited; what is in use stays", async () => {
    const io = capturedIo();
    expect(await korrigo(["cleanup", "--apply"], io)).toBe(0);
    expect(io.stdout).toEqual(expect.arrayContaining(["removed 1/1 orphan files", "removed 1/1 temporary folders", "removed 1 expired session(s)", "removed 1/1 stale locks", "Done."]));
    expect(await sessions()).toEqual(["live"]);
    expect((await env.ctx.db.copyLock.findMany()).map((l) => l.copyId)).toEqual([recentCopy]);
    expect((await env.ctx.db.copy.findUniqueOrThrow({ where: { id: staleCopy } })).status).toBe("READY");
    expect(await env.ctx.db.gradingEvent.findMany({ where: { copyId: staleCopy } })).toEqual([expect.objectContaining({ type: "lock_expired", fromStatus: "LOCKED", toStatus: "READY", actorId: null })]);
    expect(await env.ctx.db.auditLog.findMany({ where: { action: "copy.lock_expired" } })).toEqual([expect.objectContaining({ actorType: "system", targetId: staleCopy })]);
    expect(existsSync(path.join(dataDir, "tmp", "worker-gone_1234"))).toBe(false);
    expect(existsSync(stray)).toBe(false);

    const again = capturedIo();
    expect(await korrigo(["cleanup"], again)).toBe(0);
    expect(again.stdout.slice(0, 4)).toEqual(["orphan files:            0", "stale temporary folders: 0", "expired sessions:        0", "stale copy locks:        0"]);
  });
});
