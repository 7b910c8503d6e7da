// PDFs out of a ZIP of individual copies, with the archive's declared and real sizes bounded
// (a zip bomb stops at the limit) and entry names never used as paths.
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import yauzl from "yauzl";
import { PayloadTooLargeError, UnprocessableError } from "../../lib/errors.js";
import type { ReceivedFile, UploadLimits } from "./upload.js";

const isZip = (file: ReceivedFile) => /\.zip$/i.test(file.name);

function openZip(file: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => yauzl.open(file, { lazyEntries: true, strictFileNames: false }, (err, zip) => (err || !zip ? reject(err) : resolve(zip))));
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<NodeJS.ReadableStream> {
  return new Promise((resolve, reject) => zip.openReadStream(entry, (err, stream) => (err || !stream ? reject(err) : resolve(stream))));
}

async function extract(zipFile: ReceivedFile, dir: string, limits: UploadLimits): Promise<{ path: string; name: string }[]> {
  const zip = await openZip(zipFile.path).catch(() => {
    throw new UnprocessableError(`« ${zipFile.name} » n'est pas une archive ZIP lisible.`, "ZIP_MALFORMED");
  });
  const found: { path: string; name: string }[] = [];
  let total = 0;
  try {
    for await (const entry of entries(zip, zipFile.name)) {
      const name = path.basename(entry.fileName);
      if (entry.fileName.endsWith("/") || entry.fileName.includes("__MACOSX") || !/\.pdf$/i.test(name)) continue;
      if (found.length >= limits.maxFiles) throw new PayloadTooLargeError(`L'archive contient plus de ${limits.maxFiles} PDF.`, "TOO_MANY_FILES");
      const target = path.join(dir, randomUUID());
      const bound = new Transform({
        transform(chunk: Buffer, _enc, done) {
          total += chunk.length;
          if (total > limits.maxBytes) return done(new PayloadTooLargeError("Une fois décompressée, l'archive dépasse la taille maximale acceptée.", "FILE_TOO_LARGE"));
          done(null, chunk);
        },
      });
      await pipeline(await openEntry(zip, entry), bound, createWriteStream(target));
      found.push({ path: target, name });
    }
  } finally {
    zip.close();
  }
  if (found.length === 0) throw new UnprocessableError(`L'archive « ${zipFile.name} » ne contient aucun PDF.`, "ZIP_EMPTY");
  return found;
}

/**
 * yauzl refuses an entry whose name is a path out of the archive ("../", absolute, "C:\\") or
 * whose record is damaged: the archive is refused as a whole (it used to end in a 500).
 */
const badEntry = (zipName: string) =>
  new UnprocessableError(`L'archive « ${zipName} » contient une entrée illisible ou un nom de fichier dangereux (chemin absolu ou « .. ») : refaites l'archive avec les seuls PDF des copies.`, "ZIP_MALFORMED");

async function* entries(zip: yauzl.ZipFile, zipName: string): AsyncGenerator<yauzl.Entry> {
  for (;;) {
    const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
      zip.once("entry", resolve);
      zip.once("end", () => resolve(null));
      zip.once("error", () => reject(badEntry(zipName)));
      zip.readEntry();
    });
    zip.removeAllListeners("entry").removeAllListeners("end").removeAllListeners("error");
    if (!entry) return;
    yield entry;
  }
}

/** Uploaded files with every ZIP replaced by the PDFs it holds, in archive order. */
export async function expandZips(files: ReceivedFile[], dir: string, limits: UploadLimits): Promise<{ path: string; name: string }[]> {
  const expanded: { path: string; name: string }[] = [];
  for (const file of files) expanded.push(...(isZip(file) ? await extract(file, dir, limits) : [file]));
  return expanded;
}
