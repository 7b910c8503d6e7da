// The header reader on generated first pages: handwriting-like letters in the CMEN boxes or on
// the free box's ruled lines, scanned (tilted, blurred, noisy) and stored as JPEG, as the
// pipeline hands them over. OCR is not exact: names must come within two edits of the truth.
import sharp from "sharp";
import { afterAll, describe, expect, it } from "vitest";
import { CMEN_HEADER_REGION, cmenFirstPage, FREE_HEADER_REGION, freeBoxFirstPage, type HeaderStudent, type PageImage } from "../../../test/header-factory.js";
import { HeaderImageError, HeaderReader } from "./reader.js";

const reader = new HeaderReader({ threads: 2 });
afterAll(() => reader.close());

// Seeds chosen so that the six hands use DejaVu Sans, Sans Condensed (oblique), Sans Mono
// (oblique), Serif, Sans Mono and Sans Condensed.
const STUDENTS: { student: HeaderStudent; seed: number }[] = [
  { seed: 1, student: { lastName: "LE GOFF", firstName: "Marie-Ève", birthDate: "2009-03-14", className: "2nde B" } },
  { seed: 2, student: { lastName: "GUÉRIN", firstName: "Noé", birthDate: "2010-11-02", className: "2nde B" } },
  { seed: 5, student: { lastName: "D'ALMEIDA", firstName: "Inès", birthDate: "2008-07-29", className: "2nde B" } },
  { seed: 8, student: { lastName: "FRANÇOIS", firstName: "Gaëlle", birthDate: "2011-01-18", className: "2nde B" } },
  { seed: 10, student: { lastName: "NGUYEN", firstName: "Jean-Baptiste", birthDate: "2009-12-05", className: "2nde B" } },
  { seed: 14, student: { lastName: "MARTIN", firstName: "Zoé", birthDate: "2010-06-21", className: "2nde B" } },
];

function jpeg(page: PageImage): Promise<Buffer> {
  return sharp(page.grey, { raw: { width: page.width, height: page.height, channels: 1 } }).jpeg({ quality: 80 }).toBuffer();
}

/** Capitals without accents, spaces or punctuation: what OCR is judged on. */
function letters(text: string | null): string {
  return (text ?? "").normalize("NFD").replace(/\p{M}/gu, "").toUpperCase().replace(/[^A-Z]/g, "");
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

function expectName(read: string | null, truth: string): void {
  expect(editDistance(letters(read), letters(truth)), `read ${read} for ${truth}`).toBeLessThanOrEqual(2);
}

describe("HeaderReader", { timeout: 60_000 }, () => {
  it("reads the CMEN boxes: names, birth date and copy number", async () => {
    const pages = await Promise.all(
      STUDENTS.map(({ student, seed }, i) => cmenFirstPage({ student, sheet: { k: 1 + (i % 3), n: 3 }, label: 4 * i + 1, seed }).then(jpeg)),
    );
    const readings = await Promise.all(pages.map(async (page) => (await reader.read(page, "CMEN", CMEN_HEADER_REGION)).reading));
    readings.forEach((reading, i) => {
      const { student } = STUDENTS[i]!;
      expectName(reading.lastName, student.lastName);
      expectName(reading.firstName, student.firstName);
      expect(reading.sheet).toEqual({ k: 1 + (i % 3), n: 3 });
      expect(reading.text).toBeNull();
    });
    const dates = STUDENTS.map(({ student }) => student.birthDate.split("-").reverse().join(""));
    expect(readings.filter((reading, i) => reading.birthDate === dates[i]).length).toBeGreaterThanOrEqual(5);
  });

  it("reads the free box's handwritten names", async () => {
    const pages = await Promise.all(STUDENTS.map(({ student, seed }, i) => freeBoxFirstPage({ student, label: 4 * i + 1, seed }).then(jpeg)));
    const readings = await Promise.all(pages.map(async (page) => (await reader.read(page, "FREE_BOX", FREE_HEADER_REGION)).reading));
    readings.forEach((reading, i) => {
      const { student } = STUDENTS[i]!;
      expectName(reading.lastName, student.lastName);
      expectName(reading.firstName, student.firstName);
      expect(reading.text?.split("\n")).toHaveLength(3);
      expect(reading.birthDate).toBeNull();
      expect(reading.sheet).toBeNull();
    });
  });

  it("returns a grey JPEG crop of the header, about 900 px wide", async () => {
    const page = await jpeg(await cmenFirstPage({ student: STUDENTS[0]!.student, sheet: { k: 1, n: 1 }, label: 1, seed: 1 }));
    const { crop } = await reader.read(page, "CMEN", CMEN_HEADER_REGION);
    const meta = await sharp(crop).metadata();
    expect(meta).toMatchObject({ format: "jpeg", width: 900, channels: 1 });
  });

  it("reads nothing, without failing, from a region with nothing written", async () => {
    const page = await jpeg(await freeBoxFirstPage({ student: STUDENTS[0]!.student, label: 1, seed: 1 }));
    // Scan-factory's scribbles (neither boxes nor ruled lines), then the bare bottom margin.
    const regions = [{ x: 0.05, y: 0.6, width: 0.9, height: 0.2 }, { x: 0.02, y: 0.95, width: 0.96, height: 0.04 }];
    for (const region of regions) {
      for (const kind of ["CMEN", "FREE_BOX"] as const) {
        const { reading } = await reader.read(page, kind, region);
        expect(reading).toEqual({ lastName: null, firstName: null, birthDate: null, sheet: null, text: null });
      }
    }
  });

  it("refuses an image it cannot decode, or a region outside the page, with a French reason", async () => {
    await expect(reader.read(Buffer.from("pas une image"), "CMEN", CMEN_HEADER_REGION)).rejects.toSatisfy(
      (error) => error instanceof HeaderImageError && /illisible/.test(error.reason),
    );
    await expect(reader.read("/nonexistent/page.jpg", "FREE_BOX", FREE_HEADER_REGION)).rejects.toBeInstanceOf(HeaderImageError);
    const page = await jpeg(await freeBoxFirstPage({ student: STUDENTS[0]!.student, label: 1, seed: 1 }));
    await expect(reader.read(page, "FREE_BOX", { x: 0.5, y: 0.5, width: 0.8, height: 0.2 })).rejects.toMatchObject({ reason: expect.stringMatching(/zone/) });
  });
});
