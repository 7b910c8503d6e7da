// Before starting: can we reach PostgreSQL and Redis? One clear sentence for each that we cannot.
import pg from "pg";
import { Redis } from "ioredis";
import { withDatabase } from "./database.js";
import { run } from "./exec.js";

function where(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol.startsWith("redis") ? 6379 : 5432)}`;
}

/** Null when PostgreSQL answers, else one sentence: where, why, how to start it. */
export async function checkPostgres(url: string): Promise<string | null> {
  // The maintenance database: ours may not have been created yet.
  const client = new pg.Client({ connectionString: withDatabase(url, "postgres"), connectionTimeoutMillis: 3000 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    return null;
  } catch (error) {
    return (
      `PostgreSQL is not reachable at ${where(url)} (${(error as Error).message}). ` +
      "Start it (`pg_ctlcluster --skip-systemctl-redirect 15 main start`, or `docker compose up -d db redis`) or set DATABASE_URL."
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Null when Redis answers, else one sentence: where, why, how to start it. */
export async function checkRedis(url: string): Promise<string | null> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 3000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  // ioredis rejects with "Connection is closed"; the socket's own error says why.
  let cause: Error | undefined;
  redis.on("error", (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return null;
  } catch (error) {
    return (
      `Redis is not reachable at ${where(url)} (${(cause ?? (error as Error)).message}). ` +
      'Start it (`redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`, or `docker compose up -d db redis`) or set REDIS_URL.'
    );
  } finally {
    redis.disconnect();
  }
}

/** One sentence per unreachable service; empty when both answer. */
export async function unreachableServices(databaseUrl: string, redisUrl: string): Promise<string[]> {
  const problems = await Promise.all([checkPostgres(databaseUrl), checkRedis(redisUrl)]);
  return problems.filter((p): p is string => p !== null);
}

/** The PDF tools the API and worker run; one sentence per missing one. */
export async function missingTools(): Promise<string[]> {
  const tools: [string, string[], string][] = [
    ["qpdf", ["--version"], "qpdf"],
    ["pdfimages", ["-v"], "poppler-utils"],
  ];
  const missing: string[] = [];
  for (const [command, args, pkg] of tools) {
    const found = await run(command, args, 10_000).then(() => true, () => false);
    if (!found) missing.push(`${command} is not installed: scanned PDFs cannot be checked or split. Install it with \`apt-get install ${pkg}\`.`);
  }
  return missing;
}
