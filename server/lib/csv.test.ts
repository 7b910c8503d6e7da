import { describe, expect, it } from "vitest";
import { csvCell, csvDocument, decimalComma, round2 } from "./csv.js";

describe("decimalComma", () => {
  it("keeps at most 2 decimals, without trailing zeros, with a comma", () => {
    expect(decimalComma(14.5)).toBe("14,5");
    expect(decimalComma(12)).toBe("12");
    expect(decimalComma(13.25)).toBe("13,25");
    expect(decimalComma(13.2)).toBe("13,2");
    expect(decimalComma(10 / 3)).toBe("3,33");
    expect(decimalComma(2 / 3)).toBe("0,67");
    expect(decimalComma(0)).toBe("0");
  });

  it("rounds half up despite binary floating point", () => {
    expect(round2(1.005)).toBe(1.01);
    expect(round2(10.075)).toBe(10.08);
    expect(decimalComma(19.995)).toBe("20");
  });

  it("never writes a negative zero or an exponent for tiny values", () => {
    expect(decimalComma(-0.001)).toBe("0");
    expect(decimalComma(1.2e-16)).toBe("0");
    expect(decimalComma(-2.5)).toBe("-2,5");
  });
});

describe("csvCell", () => {
  it("neutralises text that a spreadsheet would evaluate as a formula", () => {
    expect(csvCell("=HYPERLINK(\"http://x\")")).toBe("\"'=HYPERLINK(\"\"http://x\"\")\"");
    expect(csvCell("=1+1")).toBe("'=1+1");
    expect(csvCell("+33 6")).toBe("'+33 6");
    expect(csvCell("-Dupont")).toBe("'-Dupont");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\tx")).toBe("'\tx");
    expect(csvCell("\rx")).toBe("\"'\rx\"");
  });

  it("leaves ordinary text alone, including a formula character later in the cell", () => {
    expect(csvCell("Dupont-Martin")).toBe("Dupont-Martin");
    expect(csvCell("Élodie")).toBe("Élodie");
    expect(csvCell("")).toBe("");
  });

  it("quotes cells with a separator, a quote or a line break", () => {
    expect(csvCell("a;b")).toBe("\"a;b\"");
    expect(csvCell("dit \"Jo\"")).toBe("\"dit \"\"Jo\"\"\"");
    expect(csvCell("ligne 1\nligne 2")).toBe("\"ligne 1\nligne 2\"");
    expect(csvCell("a\r\nb")).toBe("\"a\r\nb\"");
  });

  it("writes numbers with a decimal comma and null as an empty cell", () => {
    expect(csvCell(-3.5)).toBe("-3,5");
    expect(csvCell(7.125)).toBe("7,13");
    expect(csvCell(null)).toBe("");
  });
});

describe("csvDocument", () => {
  it("starts with a UTF-8 BOM and ends every line with CRLF", () => {
    const bytes = csvDocument([
      ["Nom", "Prénom", "Note"],
      ["=Durand", null, 14.5],
    ]);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.subarray(3).toString("utf8")).toBe("Nom;Prénom;Note\r\n'=Durand;;14,5\r\n");
  });

  it("is only the BOM when there are no rows", () => {
    expect(csvDocument([])).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
  });
});
