// PostgreSQL through Prisma's pg driver adapter (no Rust query engine at run time).
// One pg pool per process, shared by Prisma and the session store.
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../generated/prisma/client.js";

export type Db = PrismaClient;
export { Prisma } from "../generated/prisma/client.js";

export function createPool(databaseUrl: string, max = 10): pg.Pool {
  return new pg.Pool({ connectionString: databaseUrl, max });
}

export function createDb(pool: pg.Pool): Db {
  return new PrismaClient({ adapter: new PrismaPg(pool) });
}
