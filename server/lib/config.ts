// The environment, parsed once. Development gets safe local defaults; production refuses
// to start on settings that would expose students' data (see productionProblems).
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { z } from "zod";

const DEV_SESSION_SECRET = "korrigo-development-only-session-secret-do-not-use";
const WEAK_DB_PASSWORDS = new Set(["", "postgres", "password", "korrigo", "changeme", "secret", "admin", "root"]);

function readPackageVersion(): string {
  try {
    return (JSON.parse(readFileSync("package.json", "utf8")) as { version?: string }).version ?? "unknown";
  } catch {
    return "unknown";
  }
}
const packageVersion = readPackageVersion();

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"])
  .transform((v) => v === "true" || v === "1" || v === "yes");

const schema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  HOST: z.string().default("127.0.0.1"),
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  PUBLIC_URL: z.url().default("http://localhost:8080"),
  DATABASE_URL: z.url().default("postgresql://postgres@127.0.0.1:5432/korrigo"),
  REDIS_URL: z.url().default("redis://127.0.0.1:6379"),
  REDIS_PREFIX: z.string().regex(/^[a-z0-9_-]+$/i).default("korrigo"),
  SESSION_SECRET: z.string().optional(),
  COOKIE_SECURE: bool.optional(),
  TRUST_PROXY: z.string().default("false"),
  DATA_DIR: z.string().default("./data"),
  WEB_DIST_DIR: z.string().default("./web/dist"),
  MIGRATIONS_DIR: z.string().default("./prisma/migrations"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  SESSION_IDLE_MINUTES: z.coerce.number().int().positive().default(240),
  SESSION_ABSOLUTE_HOURS: z.coerce.number().int().positive().default(12),
  LOGIN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(50),
  LOGIN_WINDOW_MINUTES: z.coerce.number().int().positive().default(15),
  /** Scan pages converted at the same time, each on its own thread: one per core by default. */
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(availableParallelism()),
  /**
   * The worker process's nice value: the API (a teacher's autosave, the desk) keeps the CPU
   * first while the worker converts scans or draws graded PDFs in the background.
   */
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /**
   * Also put the worker in Linux's idle scheduling class (SCHED_IDLE, through util-linux's
   * chrt): it then runs only when nothing else wants the CPU, and an autosave arriving while it
   * draws PDFs preempts it at once. Measured on 2 cores, 50 teachers saving while the worker
   * flattened: autosave p99 57.6 ms against 75–80 ms at nice 10 alone.
   */
  WORKER_IDLE_CLASS: bool.default(true),
  WORKER_HEARTBEAT_SECONDS: z.coerce.number().int().positive().default(5),
  /** How long a job's lock lives without renewal: a killed worker's jobs are retried after it. */
  WORKER_LOCK_SECONDS: z.coerce.number().int().positive().default(30),
  SCAN_MAX_BYTES: z.coerce.number().int().positive().default(500 * 1024 * 1024),
  SCAN_MAX_PAGES: z.coerce.number().int().positive().default(2000),
  /** Seconds one scan page's conversion may take before it is stopped and the page failed. */
  SCAN_PAGE_SECONDS: z.coerce.number().int().positive().default(60),
  /** Seconds a structural check of an uploaded PDF may take before it is refused. */
  SCAN_CHECK_SECONDS: z.coerce.number().int().positive().default(60),
  /** Headers read by OCR at the same time (one tesseract worker each): one per core by default. */
  OCR_THREADS: z.coerce.number().int().positive().default(availableParallelism()),
  /**
   * A booklet is identified without a click only when its best roster match reaches this
   * confidence and leads the second by the margin (defaults chosen from `npm run bench:identify`).
   */
  IDENTIFY_THRESHOLD: z.coerce.number().min(0).max(1).default(0.8),
  IDENTIFY_MARGIN: z.coerce.number().min(0).max(1).default(0.15),
  /** How long a teacher's lock on a copy lives without a heartbeat from the editor. */
  LOCK_TTL_MINUTES: z.coerce.number().int().positive().max(120).default(10),
  /** Behind nginx: hand media files to it with X-Accel-Redirect instead of streaming them. */
  MEDIA_X_ACCEL: bool.default(false),
  /** Connections per process in the PostgreSQL pool (API, worker, CLI each have their own). */
  DB_POOL_SIZE: z.coerce.number().int().positive().max(200).default(10),
  /**
   * Set on every pooled connection: a runaway query, a lock wait or a forgotten transaction
   * fails with a clear error instead of holding a connection (and a teacher) forever. Named
   * maintenance commands (backup, restore, migrate) raise the statement timeout for themselves.
   */
  DB_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(0).default(30_000),
  DB_LOCK_TIMEOUT_MS: z.coerce.number().int().min(0).default(10_000),
  DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: z.coerce.number().int().min(0).default(60_000),
  /** Seconds SIGTERM gives in-flight requests (API) or the current job (worker) before exiting. */
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().positive().default(25),
  /**
   * Port of each worker's own GET /metrics (job counts and durations live in the worker process,
   * and every worker of `--scale worker=N` is scraped on its own); 0 turns it off.
   */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** Bearer token for GET /metrics from outside METRICS_ALLOW (Prometheus on another machine). */
  METRICS_TOKEN: z.string().min(32, "METRICS_TOKEN must be at least 32 characters").optional(),
  /** Addresses (CIDR, comma-separated) that may read /metrics without the token: the internal network. */
  METRICS_ALLOW: z.string().default("127.0.0.0/8,::1/128,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16"),
  /** Errors are reported to Sentry (or a compatible service) when set; no personal data is sent. */
  SENTRY_DSN: z.url().optional(),
  /** Where files live: the local DATA_DIR (one server, or a shared volume) or S3-compatible object storage. */
  STORAGE_DRIVER: z.enum(["local", "s3"]).default("local"),
  S3_ENDPOINT: z.url().optional(),
  S3_REGION: z.string().default("us-east-1"),
  S3_BUCKET: z.string().optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  /** MinIO, Garage and Ceph usually want path-style addresses (endpoint/bucket/key). */
  S3_FORCE_PATH_STYLE: bool.default(true),
  APP_VERSION: z.string().default(packageVersion),
  GIT_COMMIT: z.string().default("unknown"),
});

export type Config = ReturnType<typeof finish>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join("\n")}`);
  }
}

function finish(env: z.infer<typeof schema>) {
  const production = env.NODE_ENV === "production";
  return {
    ...env,
    production,
    SESSION_SECRET: env.SESSION_SECRET ?? (production ? "" : DEV_SESSION_SECRET),
    COOKIE_SECURE: env.COOKIE_SECURE ?? production,
    TRUST_PROXY: parseTrustProxy(env.TRUST_PROXY),
  };
}

function parseTrustProxy(value: string): boolean | number | string {
  if (value === "true" || value === "false") return value === "true";
  return /^\d+$/.test(value) ? Number(value) : value;
}

/** Settings that cannot work together, in any environment. */
function settingProblems(config: Config): string[] {
  if (config.STORAGE_DRIVER !== "s3") return [];
  return (["S3_ENDPOINT", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"] as const).filter((key) => !config[key]).map((key) => `${key} must be set when STORAGE_DRIVER=s3.`);
}

function productionProblems(config: Config): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(config.SESSION_SECRET) < 32) {
    problems.push("SESSION_SECRET must be set to at least 32 random bytes (e.g. `openssl rand -base64 48`).");
  }
  const dbPassword = decodeURIComponent(new URL(config.DATABASE_URL).password);
  if (WEAK_DB_PASSWORDS.has(dbPassword.toLowerCase())) {
    problems.push("DATABASE_URL uses an empty or default database password; set a strong one.");
  }
  if (new URL(config.PUBLIC_URL).protocol !== "https:") {
    problems.push("PUBLIC_URL must be an https:// address in production.");
  }
  if (config.TRUST_PROXY === true) {
    problems.push("TRUST_PROXY must not be true in production: name the proxies' hop count or addresses (e.g. 1, or 127.0.0.1), so that clients cannot forge their address.");
  }
  if (!config.COOKIE_SECURE) {
    problems.push("COOKIE_SECURE must not be false in production: session cookies must be Secure.");
  }
  return problems;
}

/** Parses the environment; throws ConfigError listing every problem at once. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const config = finish(parsed.data);
  const problems = [...settingProblems(config), ...(config.production ? productionProblems(config) : [])];
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** A local .env (see .env.example) fills in what the real environment does not set. */
export function loadDotEnv(): void {
  if (existsSync(".env")) process.loadEnvFile(".env");
}

/** For process entry points: print one line per problem and exit non-zero. */
export function loadConfigOrExit(): Config {
  loadDotEnv();
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`korrigo: configuration: ${problem}`);
    process.exit(78);
  }
}
