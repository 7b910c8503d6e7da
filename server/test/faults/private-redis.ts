// A Redis server of the test's own, on a free port, that the test may stop and start again:
// the machine's shared Redis (6379) is never touched. No persistence (as asked of it): a
// restart comes back empty, as a Redis without AOF does after a crash.
import { spawn, type ChildProcess } from "node:child_process";
import { Redis } from "ioredis";
import { freePort } from "../harness.js";

export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the server on its port and resolves once it answers PING. */
  async start(): Promise<void> {
    if (this.child) return;
    const child = spawn("redis-server", ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"], { stdio: ["ignore", "ignore", "inherit"] });
    this.child = child;
    child.once("exit", () => {
      if (this.child === child) this.child = null;
    });
    await this.answering();
  }

  /** Stops the server (SIGTERM: no save, it has nothing to save) and resolves once it has exited. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    await exited;
    this.child = null;
  }

  private async answering(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(this.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on("error", () => undefined);
      try {
        await probe.connect();
        if ((await probe.ping()) === "PONG") return;
      } catch (error) {
        if (Date.now() > deadline) throw new Error(`redis-server on port ${this.port} did not start`, { cause: error });
      } finally {
        probe.disconnect();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
