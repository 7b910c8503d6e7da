// A PostgreSQL cluster of the test's own (initdb in a temporary folder, a free port) that the
// test may stop and start again: the machine's shared server (5432) is never touched. Runs as
// the postgres system user (initdb refuses root), trusting local connections.
import { execFile, spawn } from "node:child_process";
import { chown, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "../harness.js";

const run = promisify(execFile);
const BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";

/** A PostgreSQL program run as the postgres system user. */
async function asPostgres(command: string, args: string[]): Promise<string> {
  const { stdout } = await run("runuser", ["-u", "postgres", "--", path.join(BIN, command), ...args], { timeout: 60_000 });
  return stdout;
}

/** The postgres user's uid and gid, to hand it the cluster's folder. */
async function postgresIds(): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export class PrivatePostgres {
  private up = false;

  private constructor(
    private readonly root: string,
    readonly port: number,
  ) {}

  /** A new cluster, started. */
  static async create(): Promise<PrivatePostgres> {
    const root = await mkdtemp(path.join(tmpdir(), "korrigo-pg-"));
    const { uid, gid } = await postgresIds();
    await chown(root, uid, gid);
    const cluster = new PrivatePostgres(root, await freePort());
    await asPostgres("initdb", ["-D", cluster.dataDir, "--auth=trust", "-U", "postgres", "--encoding=UTF8", "--locale=C.UTF-8"]);
    await cluster.start();
    return cluster;
  }

  private get dataDir(): string {
    return path.join(this.root, "data");
  }

  url(database: string): string {
    return `postgresql://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /**
   * A database on this cluster with the schema and migration history of `sourceUrl` (the run's
   * template, which global-setup migrated): pg_dump piped into psql, about a second, where
   * `prisma migrate deploy` takes fifteen on a busy machine.
   */
  async createDatabaseFrom(sourceUrl: string, database: string): Promise<string> {
    await asPostgres("createdb", ["-h", "127.0.0.1", "-p", String(this.port), database]);
    const dump = spawn(path.join(BIN, "pg_dump"), ["--no-owner", "--no-privileges", "--dbname", sourceUrl], { stdio: ["ignore", "pipe", "pipe"] });
    const restore = spawn(path.join(BIN, "psql"), ["--quiet", "--set", "ON_ERROR_STOP=1", "--dbname", this.url(database)], { stdio: ["pipe", "ignore", "pipe"] });
    dump.stdout.pipe(restore.stdin);
    const errors: string[] = [];
    dump.stderr.on("data", (d: Buffer) => errors.push(d.toString()));
    restore.stderr.on("data", (d: Buffer) => errors.push(d.toString()));
    const codes = await Promise.all([dump, restore].map((child) => new Promise<number | null>((resolve) => child.once("exit", resolve))));
    if (codes.some((code) => code !== 0)) throw new Error(`copying the schema failed (${codes.join(", ")}): ${errors.join("")}`);
    return this.url(database);
  }

  /** Starts the server and waits until it accepts connections. */
  async start(): Promise<void> {
    await asPostgres("pg_ctl", ["-D", this.dataDir, "-l", path.join(this.root, "server.log"), "-o", `-p ${this.port} -h 127.0.0.1 -k ${this.root}`, "-w", "start"]);
    this.up = true;
  }

  /** Fast shutdown: open transactions are rolled back and every connection is ended. */
  async stop(): Promise<void> {
    if (!this.up) return;
    await asPostgres("pg_ctl", ["-D", this.dataDir, "-m", "fast", "-w", "stop"]);
    this.up = false;
  }

  async destroy(): Promise<void> {
    await this.stop().catch(() => undefined);
    await rm(this.root, { recursive: true, force: true });
  }
}
