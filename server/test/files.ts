// The files a test left on disk: what "nothing written" and "no orphan file" checks compare.
import { readdir } from "node:fs/promises";
import path from "node:path";

/** Every file below `dir`, relative to it, sorted; none when it does not exist. */
export async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}
