// The worker as its own process: it beats, serves jobs, and on SIGTERM stops taking jobs,
// removes its heartbeat and exits 0.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, waitFor, type TestEnv } from "../test/harness.js";
import { liveWorkers } from "../lib/heartbeat.js";

let env: TestEnv;
let child: ChildProcess;

beforeAll(async () => {
  env = await createTestEnv();
  const { DATABASE_URL, REDIS_URL, REDIS_PREFIX } = env.config;
  child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], {
    env: { PATH: process.env.PATH, NODE_ENV: "test", DATABASE_URL, REDIS_URL, REDIS_PREFIX, LOG_LEVEL: "silent", WORKER_HEARTBEAT_SECONDS: "1" },
    stdio: "inherit",
  });
});
afterAll(async () => {
  if (child.exitCode === null) child.kill("SIGKILL");
  await env.close();
});

describe("worker process", () => {
  it("announces itself and answers a job", async () => {
    const workers = await waitFor(() => liveWorkers(env.ctx.redis, env.config.REDIS_PREFIX), (w) => w.length === 1);
    expect(workers).toHaveLength(1);
    const result = await env.ctx.queues.run("system.ping", { sentAt: Date.now() }, 10_000);
    expect(result.workerId).toBe(workers[0]);
  });

  it("runs below the API: every thread at nice 10, in Linux's idle scheduling class", () => {
    const tasks = readdirSync(`/proc/${child.pid}/task`);
    const of = (tid: string) => ({
      policy: /^policy\s*:\s*(\d+)/m.exec(readFileSync(`/proc/${child.pid}/task/${tid}/sched`, "utf8"))?.[1],
      nice: readFileSync(`/proc/${child.pid}/task/${tid}/stat`, "utf8").replace(/^.*\) /, "").split(" ")[16],
    });
    expect(tasks.length).toBeGreaterThan(1);
    // SCHED_IDLE is policy 5.
    expect(tasks.map(of)).toEqual(tasks.map(() => ({ policy: "5", nice: "10" })));
  });

  it("shuts down cleanly on SIGTERM: exit 0, heartbeat gone, no further jobs taken", async () => {
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(await liveWorkers(env.ctx.redis, env.config.REDIS_PREFIX)).toEqual([]);
    const job = await env.ctx.queues.enqueue("system.ping", { sentAt: Date.now() });
    await new Promise((r) => setTimeout(r, 500));
    expect(await job.getState()).toBe("waiting");
  });
});
