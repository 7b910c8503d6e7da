// Structural checks of an uploaded PDF before anything is stored, run by qpdf and poppler
// in child processes so that a hostile file costs the API neither memory nor its event loop.
import { open } from "node:fs/promises";
import { run } from "../../lib/exec.js";
import { PayloadTooLargeError, UnprocessableError, UnsupportedMediaError } from "../../lib/errors.js";

export interface PdfLimits {
  maxPages: number;
  checkSeconds: number;
  /** Largest image a page may declare (decompression-bomb guard). */
  maxImagePixels: number;
}

export interface CheckedPdf {
  pageCount: number;
}

const label = (name: string) => `« ${name} »`;

/** The first and last KiB: a PDF starts with %PDF- and a complete one ends with %%EOF. */
async function ends(file: string): Promise<{ head: Buffer; tail: Buffer }> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    const head = await handle.read(Buffer.alloc(1024), 0, 1024, 0);
    const tail = await handle.read(Buffer.alloc(1024), 0, 1024, Math.max(0, size - 1024));
    return { head: head.buffer.subarray(0, head.bytesRead), tail: tail.buffer.subarray(0, tail.bytesRead) };
  } finally {
    await handle.close();
  }
}

const truncated = (name: string) =>
  new UnprocessableError(`${label(name)} est incomplet ou endommagé (envoi interrompu ?) : renvoyez le PDF produit par le copieur.`, "PDF_TRUNCATED");

/** Only a user password stops us; "permissions" encryption (empty user password) is readable. */
async function needsPassword(file: string): Promise<boolean> {
  const { code } = await run("qpdf", ["--requires-password", file], 30_000);
  return code === 0;
}

/**
 * Opens the document and counts its pages. qpdf's exit code says whether it had to repair the
 * file (3: damaged, usually a cut-off upload) or could not read it at all (2). A full
 * `qpdf --check` would also decode every stream, which takes minutes on a large batch: the
 * worker decodes each page under its own bounds instead.
 */
async function pageCount(file: string, name: string, seconds: number): Promise<number> {
  const result = await run("qpdf", ["--show-npages", file], seconds * 1000);
  if (result.timedOut) {
    throw new UnprocessableError(`${label(name)} est trop complexe à analyser (plus de ${seconds} s) : ce fichier n'est pas accepté.`, "PDF_TOO_COMPLEX");
  }
  if (result.code === 3) throw truncated(name);
  const count = Number.parseInt(result.stdout.trim(), 10);
  if (result.code !== 0 || !Number.isFinite(count)) {
    throw new UnprocessableError(`${label(name)} n'est pas un PDF lisible : il est endommagé ou mal formé.`, "PDF_MALFORMED");
  }
  if (count === 0) throw new UnprocessableError(`${label(name)} ne contient aucune page.`, "PDF_EMPTY");
  return count;
}

/** Refuses a file whose images declare absurd sizes: decoding them would exhaust memory. */
async function checkImageSizes(file: string, name: string, limits: PdfLimits): Promise<void> {
  const result = await run("pdfimages", ["-list", file], limits.checkSeconds * 1000);
  if (result.timedOut) throw new UnprocessableError(`${label(name)} est trop complexe à analyser : ce fichier n'est pas accepté.`, "PDF_TOO_COMPLEX");
  for (const line of result.stdout.split("\n").slice(2)) {
    const [page, , , width, height] = line.trim().split(/\s+/);
    const pixels = Number(width) * Number(height);
    if (pixels > limits.maxImagePixels) {
      throw new UnprocessableError(
        `${label(name)} : la page ${page} déclare une image de ${width} × ${height} pixels, bien au-delà d'un scan : fichier refusé.`,
        "PDF_IMAGE_TOO_LARGE",
      );
    }
  }
}

export async function checkPdf(file: string, name: string, limits: PdfLimits): Promise<CheckedPdf> {
  const { head, tail } = await ends(file);
  if (!head.includes("%PDF-")) {
    throw new UnsupportedMediaError(`${label(name)} n'est pas un fichier PDF. Envoyez le PDF produit par le copieur.`, "NOT_A_PDF");
  }
  if (!tail.includes("%%EOF")) throw truncated(name);
  if (await needsPassword(file)) {
    throw new UnprocessableError(`${label(name)} est protégé par un mot de passe : enregistrez-le sans protection puis renvoyez-le.`, "PDF_ENCRYPTED");
  }
  const pages = await pageCount(file, name, limits.checkSeconds);
  if (pages > limits.maxPages) {
    throw new PayloadTooLargeError(`${label(name)} compte ${pages} pages, plus que les ${limits.maxPages} acceptées en un envoi : découpez-le.`, "TOO_MANY_PAGES");
  }
  await checkImageSizes(file, name, limits);
  return { pageCount: pages };
}
