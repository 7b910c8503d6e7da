// A backup folder: the database dump, the media archive and manifest.json, which says what the
// parts must hash to and what a restore must find (row counts, media files, schema version).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { z } from "zod";

export const MANIFEST_FILE = "manifest.json";
export const DATABASE_FILE = "database.dump";
// Plain tar: scans, page images and graded PDFs are JPEG and PDF already, gzip would spend a
// core for a few percent.
export const MEDIA_FILE = "media.tar";
/** Parts are written under this suffix and renamed once complete. */
export const PARTIAL = ".partial";

const FORMAT_VERSION = 1;

const partSchema = z.object({
  // A bare file name: a manifest cannot make restore read outside its folder.
  file: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/),
  sizeBytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

const manifestSchema = z.object({
  formatVersion: z.literal(FORMAT_VERSION),
  createdAt: z.iso.datetime(),
  app: z.object({ version: z.string(), commit: z.string() }),
  /** The last migration applied to the dumped database. */
  schemaVersion: z.string().nullable(),
  parts: z.object({ database: partSchema, media: partSchema }),
  rowCounts: z.record(z.string(), z.number().int().nonnegative()),
  media: z.object({ files: z.number().int().nonnegative(), bytes: z.number().int().nonnegative() }),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type Part = z.infer<typeof partSchema>;

export function newManifest(fields: Omit<Manifest, "formatVersion">): Manifest {
  return { formatVersion: FORMAT_VERSION, ...fields };
}

export async function sha256Of(stream: Readable): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(stream, hash);
  return hash.digest("hex");
}

/** Describes a part written at `written` (its temporary name) that will be renamed to `file`. */
export async function describePart(written: string, file: string): Promise<Part> {
  return { file, sizeBytes: (await stat(written)).size, sha256: await sha256Of(createReadStream(written)) };
}

export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, MANIFEST_FILE);
  let data: unknown;
  try {
    data = JSON.parse(await readFile(file, "utf8"));
  } catch {
    throw new Error(`${file} cannot be read as JSON: is ${dir} a Korrigo backup folder?`);
  }
  const parsed = manifestSchema.safeParse(data);
  if (!parsed.success) throw new Error(`${file} is not a backup manifest of format ${FORMAT_VERSION}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  return parsed.data;
}

/** The parts whose size or sha256 differs from the manifest, one line each (empty: all intact). */
export async function damagedParts(dir: string, manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const part of Object.values(manifest.parts)) {
    const file = path.join(dir, part.file);
    const found = await describePart(file, part.file).catch(() => null);
    if (!found) problems.push(`${part.file}: missing`);
    else if (found.sizeBytes !== part.sizeBytes || found.sha256 !== part.sha256) problems.push(`${part.file}: sha256 ${found.sha256}, the manifest says ${part.sha256}`);
  }
  return problems;
}
