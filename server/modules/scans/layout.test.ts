import { describe, expect, it } from "vitest";
import { layoutMismatch, planBooklets } from "./layout.js";

const order = (pages: { scanPageIndex: number; half: string; position: number }[]) =>
  [...pages].sort((a, b) => a.position - b.position).map((p) => `${p.scanPageIndex}${p.half[0]}`);

describe("planBooklets", () => {
  it("cuts an A4 batch by pages per copy and flags a trailing partial booklet", () => {
    const booklets = planBooklets({ layout: "A4_BATCH", scanPageCount: 10, pagesPerCopy: 4 });
    expect(booklets.map((b) => b.pages.length)).toEqual([4, 4, 2]);
    expect(order(booklets[1]!.pages)).toEqual(["4F", "5F", "6F", "7F"]);
    expect(booklets[2]!.warnings).toEqual([expect.stringContaining("2 page(s) au lieu de 4")]);
    expect(booklets[0]!.warnings).toEqual([]);
  });

  it("restores P1 P2 P3 P4 from recto [P4 | P1] and verso [P2 | P3]", () => {
    const booklets = planBooklets({ layout: "A3_DOUBLE", scanPageCount: 4, pagesPerCopy: 4 });
    expect(booklets).toHaveLength(2);
    expect(order(booklets[0]!.pages)).toEqual(["0R", "1L", "1R", "0L"]);
    expect(order(booklets[1]!.pages)).toEqual(["2R", "3L", "3R", "2L"]);
  });

  it("keeps a sheet without its verso, flagged", () => {
    const booklets = planBooklets({ layout: "A3_DOUBLE", scanPageCount: 3, pagesPerCopy: 4 });
    expect(order(booklets[1]!.pages)).toEqual(["2R", "2L"]);
    expect(booklets[1]!.warnings).toEqual([expect.stringContaining("verso manque")]);
  });

  it("makes one booklet per individual file, keeping its name", () => {
    const booklets = planBooklets({
      layout: "INDIVIDUAL_FILES",
      scanPageCount: 5,
      pagesPerCopy: 4,
      sourceFiles: [{ name: "DUPONT Léa.pdf", firstPage: 0, pageCount: 2 }, { name: "MARTIN Tom.pdf", firstPage: 2, pageCount: 3 }],
    });
    expect(booklets.map((b) => [b.sourceName, order(b.pages)])).toEqual([
      ["DUPONT Léa.pdf", ["0F", "1F"]],
      ["MARTIN Tom.pdf", ["2F", "3F", "4F"]],
    ]);
  });
});

describe("layoutMismatch", () => {
  it("flags portrait pages for A3 copies doubles and A3 pages for an A4 exam", () => {
    expect(layoutMismatch("A3_DOUBLE", 595, 842)).toContain("portrait");
    expect(layoutMismatch("A3_DOUBLE", 1190, 842)).toBeNull();
    expect(layoutMismatch("A4_BATCH", 1190, 842)).toContain("A3 paysage");
    expect(layoutMismatch("A4_BATCH", 595, 842)).toBeNull();
    expect(layoutMismatch("A4_BATCH", 612, 792)).toBeNull();
  });
});
