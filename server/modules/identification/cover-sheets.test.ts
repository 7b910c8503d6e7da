// Cover sheets end to end: the printable PDF (checked with poppler, independently of pdf-lib),
// and its QR code read back from scanned-looking pages: skewed, noisy, JPEG, upside down.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { PDFDocument } from "pdf-lib";
import QRCode from "qrcode";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeCoverBatch, scannedCoverPage } from "../../test/cover-factory.js";
import { a4PagePixels, readPageLabel } from "../../test/scan-factory.js";
import { COVER_PREFIX, COVER_QR_REGION, coverPayload, coverSheetsPdf, parseCoverPayload, type CoverSheetInput } from "./cover-sheets.js";
import { readCoverToken } from "./qr.js";

const run = promisify(execFile);
let work = "";
beforeAll(async () => {
  work = await mkdtemp(path.join(os.tmpdir(), "cover-sheets-"));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const exam = { schoolName: "Collège Jean Moulin", examTitle: "Devoir surveillé n° 3", examSubject: "Mathématiques", examDate: "2025-03-01" };
const student = { lastName: "Lefèvre", firstName: "Zoë", className: "3e B" };

/** Each page's text, as poppler extracts it. */
async function pageTexts(pdf: Uint8Array): Promise<string[]> {
  const file = path.join(work, `text-${Date.now()}-${Math.random()}.pdf`);
  await writeFile(file, pdf);
  const { stdout } = await run("pdftotext", [file, "-"]);
  return stdout.split("\f").slice(0, -1);
}

/** Every page of a PDF rendered by poppler, greyscale, as uncompressed TIFFs (PNG is far slower). */
async function renderPages(pdf: Uint8Array, dpi: number): Promise<Buffer[]> {
  const dir = await mkdtemp(path.join(work, "render-"));
  await writeFile(path.join(dir, "in.pdf"), pdf);
  await run("pdftoppm", ["-r", String(dpi), "-gray", "-tiff", "in.pdf", "page"], { cwd: dir });
  const names = (await readdir(dir)).filter((name) => name.startsWith("page")).sort();
  return Promise.all(names.map((name) => readFile(path.join(dir, name))));
}

const jpeg = (page: { grey: Buffer; width: number; height: number }) =>
  sharp(page.grey, { raw: { width: page.width, height: page.height, channels: 1 } }).jpeg({ quality: 75 }).toBuffer();

describe("cover sheet PDF", () => {
  it("has one A4 portrait page per sheet, in the order given, with the exam and the student", async () => {
    const sheets: CoverSheetInput["sheets"] = [
      { token: "tok-1", lastName: "Martin", firstName: "Léa", className: "3e A" },
      { token: "tok-2", lastName: "Abadie", firstName: "Noé", className: "3e B" },
      { token: "tok-3", lastName: "Zidane", firstName: "Inès", className: "3e A" },
    ];
    const pdf = await coverSheetsPdf({ ...exam, sheets });
    const doc = await PDFDocument.load(pdf);
    expect(doc.getPageCount()).toBe(3);
    for (const page of doc.getPages()) {
      expect(page.getWidth()).toBeCloseTo(595.28, 1);
      expect(page.getHeight()).toBeCloseTo(841.89, 1);
    }
    const texts = await pageTexts(pdf);
    expect(texts.map((text) => /MARTIN|ABADIE|ZIDANE/.exec(text)?.[0])).toEqual(["MARTIN", "ABADIE", "ZIDANE"]);
    const printed = ["Collège Jean Moulin", "Devoir surveillé n° 3", "Mathématiques", "1er mars 2025", "Léa", "Classe : 3e A", "Agrafez cette feuille", "Page de garde Korrigo"];
    for (const expected of printed) expect(texts[0]).toContain(expected);
  });

  it("prints accented names as they are and other scripts in a close plain form, without throwing", async () => {
    const pdf = await coverSheetsPdf({
      ...exam,
      sheets: [
        { token: "a", lastName: "Çelik-Lefèvre", firstName: "Zoë Ïsaé", className: "2nde É" },
        { token: "b", lastName: "Łukasiewicz", firstName: "Erzsébet Bőrcsök", className: "1re 山田" },
      ],
    });
    const [accents, others] = await pageTexts(pdf);
    expect(accents).toContain("ÇELIK-LEFÈVRE");
    expect(accents).toContain("Zoë Ïsaé");
    expect(others).toContain("LUKASIEWICZ");
    expect(others).toContain("Erzsébet Borcsök");
    expect(others).toContain("Classe : 1re ??");
  });

  it("refuses a date that is not YYYY-MM-DD and a token the QR code should not carry", async () => {
    await expect(coverSheetsPdf({ ...exam, examDate: "01/03/2025", sheets: [] })).rejects.toThrow(RangeError);
    await expect(coverSheetsPdf({ ...exam, examDate: "2025-02-30", sheets: [] })).rejects.toThrow(RangeError);
    await expect(coverSheetsPdf({ ...exam, sheets: [{ ...student, token: "a token" }] })).rejects.toThrow(RangeError);
  });

  it("keeps the QR code's region in the top-right corner of the page", () => {
    const { x, y, width, height } = COVER_QR_REGION;
    expect(x).toBeGreaterThan(0.5);
    expect(x + width).toBeLessThanOrEqual(1);
    expect(y).toBeGreaterThanOrEqual(0);
    expect(y + height).toBeLessThan(0.3);
  });
});

describe("cover payload", () => {
  it("round-trips a token and rejects other texts", () => {
    expect(coverPayload("Ab3d_E-f9")).toBe(`${COVER_PREFIX}Ab3d_E-f9`);
    expect(parseCoverPayload(coverPayload("Ab3d_E-f9"))).toBe("Ab3d_E-f9");
    expect(parseCoverPayload("https://example.org/KORRIGO1:abc")).toBeNull();
    expect(parseCoverPayload("KORRIGO1:")).toBeNull();
    expect(parseCoverPayload("KORRIGO1:abc def")).toBeNull();
    expect(parseCoverPayload("korrigo1:abc")).toBeNull();
    expect(() => coverPayload("")).toThrow(RangeError);
  });
});

describe("reading the cover sheet back from a scan", () => {
  const token = "Xq7pL2mN9vR4sT8wZ1yB";

  it.each([
    { dpi: 200, upsideDown: false, seed: 1 },
    { dpi: 200, upsideDown: true, seed: 2 },
    { dpi: 150, upsideDown: false, seed: 3 },
    { dpi: 150, upsideDown: true, seed: 4 },
  ])("finds the token on a skewed JPEG scan at $dpi dpi (upside down: $upsideDown)", async (scan) => {
    const page = await scannedCoverPage({ ...student, token, ...scan });
    expect(await readCoverToken(await jpeg(page))).toBe(token);
  });

  it("finds the token in a colour scan", async () => {
    const page = await scannedCoverPage({ ...student, token, dpi: 150, seed: 5 });
    // Yellowish recycled paper, as an RGB image.
    const colour = await sharp(page.grey, { raw: { width: page.width, height: page.height, channels: 1 } })
      .toColourspace("srgb")
      .tint({ r: 250, g: 240, b: 200 })
      .png()
      .toBuffer();
    expect((await sharp(colour).metadata()).channels).toBe(3);
    expect(await readCoverToken(colour)).toBe(token);
  });

  it("finds nothing on an answer page or a blank page", async () => {
    expect(await readCoverToken(await jpeg(await a4PagePixels({ kind: "written", label: 3 }, 200)))).toBeNull();
    expect(await readCoverToken(await jpeg(await a4PagePixels({ kind: "blank" }, 150)))).toBeNull();
  });

  it("ignores a QR code that is not a cover sheet's, even where a cover sheet's would be", async () => {
    const page = await a4PagePixels({ kind: "blank" }, 200);
    const withCode = async (text: string) => {
      const code = await QRCode.toBuffer(text, { errorCorrectionLevel: "M", margin: 4, width: 350 });
      const at = { left: Math.round(COVER_QR_REGION.x * page.width) + 40, top: Math.round(COVER_QR_REGION.y * page.height) + 40 };
      return sharp(page.grey, { raw: { width: page.width, height: page.height, channels: 1 } })
        .composite([{ input: code, ...at }])
        .jpeg({ quality: 75 })
        .toBuffer();
    };
    expect(await readCoverToken(await withCode("https://example.org/manuel/chapitre-3"))).toBeNull();
    // The same code carrying a cover payload is read: the foreign one was found, then refused.
    expect(await readCoverToken(await withCode(coverPayload("Xq7pL2")))).toBe("Xq7pL2");
  });

  it("finds a cover sheet away from its usual spot by searching the whole page", async () => {
    // A copier's "fit to page" shrinks the sheet to 70 %, centred: the code leaves its region.
    const page = await scannedCoverPage({ ...student, token, dpi: 150, seed: 6 });
    const [width, height] = [Math.round(page.width * 0.7), Math.round(page.height * 0.7)];
    const shrunk = await sharp(page.grey, { raw: { width: page.width, height: page.height, channels: 1 } }).resize(width, height).toColourspace("b-w").raw().toBuffer();
    const scan = await sharp({ create: { width: page.width, height: page.height, channels: 3, background: "#eaeaea" } })
      .composite([{ input: shrunk, raw: { width, height, channels: 1 }, left: Math.round((page.width - width) / 2), top: Math.round((page.height - height) / 2) }])
      .toColourspace("b-w")
      .jpeg({ quality: 75 })
      .toBuffer();
    expect(await readCoverToken(scan)).toBe(token);
  });

  it("tells cover sheets from answer pages in a scanned batch, answer pages still in order", async () => {
    const pdf = await makeCoverBatch(
      [
        { token: "copy-one", pages: 2, firstLabel: 1 },
        { pages: 1, firstLabel: 3 },
        { token: "copy-three", pages: 1, firstLabel: 4 },
      ],
      { dpi: 150 },
    );
    const pages = await renderPages(pdf, 150);
    expect(await Promise.all(pages.map(readCoverToken))).toEqual(["copy-one", null, null, null, "copy-three", null]);
    expect(await Promise.all(pages.map(readPageLabel))).toEqual([null, 1, 2, 3, null, 4]);
  });
});
