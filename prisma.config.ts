// Prisma CLI configuration. The WebAssembly schema engine ("js") is the only one
// that runs offline on our machines: native engines would be downloaded (docs/ARCHITECTURE.md).
import { fileURLToPath } from "node:url";
import { defineConfig } from "prisma/config";
import { PrismaPg } from "@prisma/adapter-pg";

// Prisma 6 insists on fetching the Rust query-engine library at `generate` time although the
// client we generate (engineType "client") never loads it. Pointing the variable at any
// existing file skips that download.
process.env.PRISMA_QUERY_ENGINE_LIBRARY ??= fileURLToPath(import.meta.url);

const defaultUrl = "postgresql://postgres@127.0.0.1:5432/korrigo";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  adapter: async () => new PrismaPg({ connectionString: process.env.DATABASE_URL ?? defaultUrl }),
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
});
