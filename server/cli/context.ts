// What a command talks to, opened for the command and closed after it: the database alone (the
// account commands), or everything a process has (database, Redis, queues, files). Logs go to
// stderr, so that stdout holds only the command's own output.
import type { Config } from "../lib/config.js";
import { closeContext, createContext, type AppContext } from "../lib/context.js";
import { createDb, createPool, poolSettings, type Db } from "../lib/db.js";
import { createLogger } from "../lib/logger.js";

export async function withDb<T>(config: Config, run: (db: Db) => Promise<T>): Promise<T> {
  const pool = createPool(config.DATABASE_URL, { ...poolSettings(config), poolSize: 2 });
  const db = createDb(pool);
  try {
    return await run(db);
  } finally {
    await db.$disconnect();
    await pool.end();
  }
}

export async function withContext<T>(config: Config, run: (ctx: AppContext) => Promise<T>): Promise<T> {
  const ctx = createContext(config, "cli", createLogger(config, "cli", process.stderr));
  try {
    return await run(ctx);
  } finally {
    await closeContext(ctx);
  }
}
