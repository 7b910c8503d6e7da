// PostgreSQL through Prisma's pg driver adapter (no Rust query engine at run time).
// One pg pool per process, shared by Prisma and the session store.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";
import type { Config } from "./config.js";
import { DatabaseUnavailableError, UnstorableTextError } from "./errors.js";

export type Db = PrismaClient;
export { Prisma } from "../generated/prisma/client.js";

/** What every connection of a pool is allowed: a limit reached ends the statement with an error. */
export interface PoolSettings {
  poolSize: number;
  /** 0: no limit (named maintenance commands only). */
  statementTimeoutMs: number;
  lockTimeoutMs: number;
  idleInTransactionTimeoutMs: number;
}

/**
 * A database that does not answer (down, restarting, firewalled) or a pool with no free
 * connection fails the request after this long instead of leaving it waiting.
 */
const CONNECT_TIMEOUT_MS = 5_000;

export function poolSettings(config: Config): PoolSettings {
  return {
    poolSize: config.DB_POOL_SIZE,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
    idleInTransactionTimeoutMs: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
  };
}

/**
 * The timeouts are startup parameters of each connection, so they hold for everything that
 * uses the pool: Prisma, plain SQL (server/lib/sql.ts) and the session store. A maintenance
 * command asks for more with `{ ...poolSettings(config), statementTimeoutMs: 0 }`.
 */
export function createPool(databaseUrl: string, settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: settings.poolSize,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // pg leaves a 0 out of the startup parameters: the server's default (no limit) then applies.
    statement_timeout: settings.statementTimeoutMs,
    lock_timeout: settings.lockTimeoutMs,
    idle_in_transaction_session_timeout: settings.idleInTransactionTimeoutMs,
  });
  // A connection the server ends under a running query (a restart, pg_terminate_backend) fails
  // the query, then also emits 'error' on its client. pg-pool listens only while the client is
  // idle, and an unheard 'error' would end the process: an autosave caught by a database
  // restart must answer 503, not take the API down. The query's caller has the error.
  pool.on("connect", (client) => client.on("error", () => undefined));
  return pool;
}

/**
 * Prisma ends an interactive transaction after 5 s by default: a lock waited for 6 s (under a
 * 10 s lock_timeout) then broke the transaction's next statement with an internal error. Its
 * limits follow the pool's instead, so that the database's own timeouts decide.
 */
export function createDb(pool: pg.Pool): Db {
  const statementTimeout = Number(pool.options.statement_timeout) || undefined;
  return new PrismaClient({
    adapter: new PrismaPg(pool),
    transactionOptions: { maxWait: pool.options.connectionTimeoutMillis || undefined, timeout: statementTimeout },
  });
}

/**
 * Failures that mean "the database could not answer in time", by the name the driver gives
 * them: SQLSTATE (pg), socket error code (Node), kind of the adapter's DriverAdapterError,
 * Prisma error code. true: busy (a lock, a timeout), false: unavailable (down, restarting).
 */
const TROUBLE: Record<string, boolean> = {
  "55P03": true, // lock_not_available: lock_timeout reached
  "57014": true, // query_canceled: statement_timeout reached
  P2024: true, // Prisma: no connection from the pool in time
  P2028: true, // Prisma: interactive transaction past its time limit
  "57P01": false, // admin_shutdown
  "57P02": false, // crash_shutdown
  "57P03": false, // cannot_connect_now: starting up or shutting down
  "53300": false, // too_many_connections
  ECONNREFUSED: false,
  ECONNRESET: false,
  ENOTFOUND: false,
  ETIMEDOUT: false,
  EHOSTUNREACH: false,
  DatabaseNotReachable: false,
  ConnectionClosed: false,
  SocketTimeout: false,
  TooManyConnections: false,
  P1001: false, // Prisma: cannot reach the server
  P1002: false, // Prisma: the server timed out
  P1017: false, // Prisma: the server closed the connection
};

/** pg and pg-pool report these without a code. */
const TROUBLE_MESSAGES: [RegExp, boolean][] = [
  [/^timeout exceeded when trying to connect$/, true],
  [/^Connection terminated (unexpectedly|due to connection timeout)$/, false],
];

type Layer = { code?: unknown; originalCode?: unknown; kind?: unknown; message?: unknown; cause?: unknown; meta?: { driverAdapterError?: unknown } };

/** The error and what it wraps: Prisma keeps the driver's error in `cause` or `meta.driverAdapterError`. */
function* layers(error: unknown, depth = 0): Generator<Layer> {
  if (depth > 4 || typeof error !== "object" || error === null) return;
  const layer = error as Layer;
  yield layer;
  yield* layers(layer.cause, depth + 1);
  yield* layers(layer.meta?.driverAdapterError, depth + 1);
}

function troubleOf(layer: Layer): [string, boolean] | null {
  for (const name of [layer.originalCode, layer.code, layer.kind]) {
    if (typeof name !== "string") continue;
    if (name in TROUBLE) return [name, TROUBLE[name]!];
    if (/^08[0-9A-Z]{3}$/.test(name)) return [name, false]; // connection_exception class
  }
  const message = typeof layer.message === "string" ? layer.message : "";
  const known = TROUBLE_MESSAGES.find(([pattern]) => pattern.test(message));
  return known ? [message, known[1]] : null;
}

/**
 * The error as a 503 to try again, when it comes from the database not answering in time,
 * whether thrown by pg directly (server/lib/sql.ts, the session store) or wrapped by Prisma.
 */
export function databaseUnavailable(error: unknown): DatabaseUnavailableError | null {
  for (const layer of layers(error)) {
    const trouble = troubleOf(layer);
    if (trouble) return new DatabaseUnavailableError(trouble[1], trouble[0]);
  }
  return null;
}

/** SQLSTATEs of text PostgreSQL cannot store: U+0000 in text (22021) or in jsonb (22P05). */
const UNSTORABLE_TEXT_STATES = new Set(["22021", "22P05"]);

/**
 * The error as a 400 when the database refused text it cannot store (a NUL character that came
 * other than in a JSON body: a URL, a CSV file). The statement failed, so nothing was written
 * (a transaction around it is rolled back).
 */
export function unstorableText(error: unknown): UnstorableTextError | null {
  for (const layer of layers(error)) {
    if ([layer.originalCode, layer.code].some((code) => typeof code === "string" && UNSTORABLE_TEXT_STATES.has(code))) return new UnstorableTextError();
  }
  return null;
}
