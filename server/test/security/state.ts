// What a refused request must leave untouched: every table of the test database, every file
// under DATA_DIR (the scratch space included: an upload refused half-way must not linger) and
// every Redis key of the test's prefix. Tests take it before and after an abuse and compare.
import { filesUnder } from "../files.js";
import type { TestEnv } from "../harness.js";
import { tableRows, withClient } from "../table-rows.js";

export interface StoreState {
  tables: Record<string, unknown[]>;
  files: string[];
  redisKeys: string[];
}

export async function storeState(env: TestEnv): Promise<StoreState> {
  const tables = await withClient(env.config.DATABASE_URL, tableRows);
  // A session row is rewritten when its "last seen" time moves (once a minute of activity):
  // that is not a write the request asked for. Which sessions exist is what counts.
  tables.session = (tables.session as { sid: string }[]).map((row) => row.sid);
  const redisKeys = (await env.ctx.redis.keys(`${env.config.REDIS_PREFIX}:*`)).sort();
  return { tables, files: await filesUnder(env.config.DATA_DIR), redisKeys };
}
