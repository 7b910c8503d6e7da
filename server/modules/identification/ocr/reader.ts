// Reads the handwritten header of a booklet's first page: the student's names, birth date and
// which sheet of their copy this is, plus a crop of the header for people to check. Pages are
// straightened and cleaned here; tesseract only ever sees small clean images of handwriting.
import os from "node:os";
import path from "node:path";
import { readCmen } from "./cmen.js";
import { readFreeBox } from "./free-box.js";
import { headerImage, previewJpeg, type Region } from "./header-image.js";
import { OcrPool } from "./ocr-pool.js";

export { HeaderImageError, type Region } from "./header-image.js";

export type HeaderKind = "FREE_BOX" | "CMEN";

export interface HeaderReading {
  lastName: string | null;
  firstName: string | null;
  /**
   * CMEN: the digits of the birth date boxes as read (DDMMYYYY, 8 characters when all were read),
   * "?" for a box whose ink could not be read, empty boxes left out.
   */
  birthDate: string | null;
  /** CMEN: "Copie n° k / n". */
  sheet: { k: number; n: number } | null;
  /** FREE_BOX: the answers as read, one per line (last name, first name, class). */
  text: string | null;
}

export class HeaderReader {
  private readonly pool: OcrPool;

  constructor(opts: { threads?: number; cacheDir?: string } = {}) {
    this.pool = new OcrPool(opts.threads ?? os.availableParallelism(), opts.cacheDir ?? path.join(os.tmpdir(), "korrigo-tesseract"));
  }

  /**
   * `page` is the page image as stored (JPEG bytes or a file path), `region` where the header is.
   * Throws HeaderImageError (with a French `reason`) when the image cannot be used.
   */
  async read(page: Buffer | string, kind: HeaderKind, region: Region): Promise<{ reading: HeaderReading; crop: Buffer }> {
    const header = await headerImage(page, region);
    const [read, crop] = await Promise.all([kind === "CMEN" ? readCmen(header, this.pool) : readFreeBox(header, this.pool), previewJpeg(header.grey)]);
    const reading: HeaderReading = { birthDate: null, sheet: null, text: null, ...read };
    return { reading, crop };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
