// "Copie n° k / n" as OCR returns it from print and from handwriting.
import { describe, expect, it } from "vitest";
import { sheetNumbers } from "./characters.js";

describe("sheetNumbers", () => {
  it("reads k and n around the slash, after the printed label", () => {
    expect(sheetNumbers("COPIE N 1 / 2")).toEqual({ k: 1, n: 2 });
    expect(sheetNumbers("C2/3")).toEqual({ k: 2, n: 3 });
    expect(sheetNumbers("N01/1")).toEqual({ k: 1, n: 1 });
  });

  it("takes capitals for the digits they pass for", () => {
    expect(sheetNumbers("CJ/2")).toEqual({ k: 1, n: 2 });
    expect(sheetNumbers("COPIE N 2 / Z")).toEqual({ k: 2, n: 2 });
  });

  it("does without the slash when it was lost or read as a 1 or a 7", () => {
    expect(sheetNumbers("C22")).toEqual({ k: 2, n: 2 });
    expect(sheetNumbers("212")).toEqual({ k: 2, n: 2 });
    expect(sheetNumbers("C1 72")).toEqual({ k: 1, n: 2 });
    // "C12": the C of "Copie" passes for a 0, and k = 0 is no copy number.
    expect(sheetNumbers("C12")).toEqual({ k: 1, n: 2 });
  });

  it("returns null when no copy number can be made out", () => {
    for (const line of ["", "COPIE N", "C3/2", "C0/0", "C5"]) expect(sheetNumbers(line)).toBeNull();
  });
});
