// The ZIP of graded PDFs, written while it is sent: yazl pulls one stored PDF at a time (the
// next file is opened only when the previous one is in the archive) and pipes it to the
// response with backpressure, so memory and open files stay constant whatever the class size.
// PDFs are already compressed: stored as they are.
import type { PassThrough, Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import yazl from "yazl";
import { ConflictError } from "../../lib/errors.js";
import { UNSAFE_IN_FILE_NAMES } from "../../lib/file-names.js";
import type { FileStore } from "../../lib/storage.js";
import type { GradedResult } from "../statistics/service.js";
import type { RosterLine } from "./pronote.js";

export interface ZipEntry {
  /** The file's name in the archive. */
  name: string;
  /** The stored PDF's key. */
  path: string;
  anonymousCode: string;
}

const PART_MAX = 60;

/** A name part any file system takes: no separators or reserved characters, no leading/trailing dots or spaces. */
export function safePart(text: string): string {
  const clean = text.replace(UNSAFE_IN_FILE_NAMES, "-").replace(/\s+/g, " ").slice(0, PART_MAX).replace(/^[\s.]+|[\s.]+$/g, "");
  return clean || "-";
}

/**
 * "CLASSE_NOM_Prénom.pdf" for the students' copies, "NON-IDENTIFIEE_<code>.pdf" for the others,
 * made unique with " (2)", " (3)"… Case is ignored when comparing: Windows and macOS would
 * otherwise overwrite one file with the other when extracting.
 */
export function zipEntries(lines: readonly RosterLine[], unidentified: readonly GradedResult[]): ZipEntry[] {
  const named = [
    ...lines.flatMap(({ student, result }) => (result ? [{ base: [student.className, student.lastName, student.firstName].map(safePart).join("_"), copy: result }] : [])),
    ...unidentified.map((copy) => ({ base: `NON-IDENTIFIEE_${safePart(copy.anonymousCode)}`, copy })),
  ];
  const taken = new Set<string>();
  return named.map(({ base, copy }) => {
    let name = `${base}.pdf`;
    for (let n = 2; taken.has(name.toLowerCase()); n += 1) name = `${base} (${n}).pdf`;
    taken.add(name.toLowerCase());
    return { name, path: copy.pdfPath, anonymousCode: copy.anonymousCode };
  });
}

/**
 * Every PDF must be there before the first byte is sent: once the download has started, a
 * missing file can only cut it short, without a word to the admin.
 */
export async function checkStored(files: FileStore, entries: readonly ZipEntry[]): Promise<void> {
  const missing = (await Promise.all(entries.map(async (e) => ((await files.exists(e.path)) ? null : e.anonymousCode)))).filter((code) => code !== null);
  if (missing.length > 0) {
    const [what, fix] = missing.length > 1 ? ["Les PDF corrigés de ces copies sont introuvables", "rouvrez-les"] : ["Le PDF corrigé de cette copie est introuvable", "rouvrez-la"];
    throw new ConflictError(`${what} sur le serveur : ${missing.join(", ")}. Pour les retrouver, ${fix} et finalisez de nouveau.`, "GRADED_PDF_MISSING", { copies: missing });
  }
}

/** Writes the archive into `destination` as it is produced; rejects (and closes the open file) if either side fails. */
export async function writeZip(files: FileStore, entries: readonly ZipEntry[], destination: NodeJS.WritableStream): Promise<void> {
  const zip = new yazl.ZipFile();
  const output = zip.outputStream as PassThrough;
  let reading: Readable | null = null;
  let over = false;
  zip.on("error", (error: Error) => output.destroy(error));
  for (const entry of entries) {
    zip.addReadStreamLazy(entry.name, { compress: false }, (open) => {
      files.stream(entry.path).then(({ body }) => {
        // Opened after the download was cancelled (the open was under way): nobody will read it.
        if (over) return void body.destroy();
        reading = body;
        body.on("error", (error) => zip.emit("error", error));
        open(null, body);
      }, (error: unknown) => zip.emit("error", error));
    });
  }
  zip.end();
  try {
    await pipeline(output, destination);
  } finally {
    over = true;
    // A download cancelled half-way leaves the current file open otherwise (pipe does not close its source).
    (reading as Readable | null)?.destroy();
  }
}
