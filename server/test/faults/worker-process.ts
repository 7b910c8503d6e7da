// A worker as its own process (server/worker.ts), on a test's database, Redis and DATA_DIR, so
// that a test can kill it with SIGKILL as the kernel's OOM killer or a power cut would.
import { spawn, type ChildProcess } from "node:child_process";
import type { Config } from "../../lib/config.js";

export interface WorkerProcess {
  child: ChildProcess;
  /** Its log lines at warn and above (JSON), for a failing test to show. */
  lines: string[];
  exited: Promise<number | null>;
  /** SIGKILL: no cleanup of any kind, then waits for the process to be gone. */
  kill(): Promise<void>;
}

const started: WorkerProcess[] = [];

export function spawnWorker(config: Config, extraEnv: Record<string, string> = {}): WorkerProcess {
  const { DATABASE_URL, REDIS_URL, REDIS_PREFIX, DATA_DIR } = config;
  const child = spawn(process.execPath, ["--import", "tsx", "server/worker.ts"], {
    env: {
      PATH: process.env.PATH,
      NODE_ENV: "test",
      DATABASE_URL,
      REDIS_URL,
      REDIS_PREFIX,
      DATA_DIR,
      LOG_LEVEL: "warn",
      WORKER_METRICS_PORT: "0",
      // A killed worker's jobs are taken again 2 s after it died, not 30.
      WORKER_LOCK_SECONDS: "2",
      WORKER_HEARTBEAT_SECONDS: "1",
      WORKER_CONCURRENCY: "1",
      OCR_THREADS: "1",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => lines.push(...chunk.split("\n").filter(Boolean)));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const worker: WorkerProcess = {
    child,
    lines,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  started.push(worker);
  return worker;
}

/** Kills every worker this test file started that is still running (afterAll). */
export async function killWorkers(): Promise<void> {
  await Promise.all(started.map((w) => w.kill()));
}
