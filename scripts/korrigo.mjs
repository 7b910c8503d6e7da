#!/usr/bin/env node
// `npx korrigo <command>`: the operations CLI (server/cli.ts). In a checkout the TypeScript
// sources run through tsx, so the CLI is never older than the code beside it (a dist/ left by
// an earlier build could be); the Docker image has no sources, only the build in dist/.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sources = path.join(root, "server", "cli.ts");

if (existsSync(sources)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(pathToFileURL(sources).href);
} else {
  await import(pathToFileURL(path.join(root, "dist", "server", "cli.js")).href);
}
