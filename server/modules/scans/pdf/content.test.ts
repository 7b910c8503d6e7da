// Which content streams count as "one image and nothing else", and with which matrix.
import { describe, expect, it } from "vitest";
import { singleImageDraw, type ContentResources } from "./content.js";

const resources: ContentResources = {
  xobjectKind: (name) => (name.startsWith("Im") ? "image" : name.startsWith("Fm") ? "other" : undefined),
  graphicsStateIsPlain: (name) => name !== "Transparent",
};

function draw(content: string) {
  return singleImageDraw(Buffer.from(content, "latin1"), resources);
}

describe("singleImageDraw", () => {
  it("finds the image and its matrix, through nested states and several cm", () => {
    expect(draw("q 595.28 0 0 841.89 0 0 cm /Im0 Do Q")).toEqual({ name: "Im0", ctm: [595.28, 0, 0, 841.89, 0, 0] });
    expect(draw("q 1 0 0 1 10 20 cm q 2 0 0 3 0 0 cm /Im1 Do Q Q")).toEqual({ name: "Im1", ctm: [2, 0, 0, 3, 10, 20] });
    expect(draw("q 0 1 -1 0 100 0 cm 50 0 0 80 0 0 cm /Im0 Do Q")?.ctm).toEqual([0, 50, -80, 0, 100, 0]);
    // What a q/Q pair changes does not outlive it.
    expect(draw("q 9 0 0 9 0 0 cm Q 4 0 0 5 0 0 cm /Im0 Do")?.ctm).toEqual([4, 0, 0, 5, 0, 0]);
  });

  it("accepts state, colour, marked content, clipping and comments around it", () => {
    const content = `% scanner output
      /Artifact <</Type /Pagination>> BDC
      q 1 w [3 2] 0 d /GS0 gs 0 g 0 0 595 842 re W n
      (a string \\) with (parens)) pop
      595 0 0 842 0 0 cm /Im#30 Do Q EMC`;
    // "pop" is not an operator PDF knows: a page carrying it is not a plain scan.
    expect(draw(content)).toBeUndefined();
    expect(draw(content.replace("(a string \\) with (parens)) pop", ""))).toEqual({ name: "Im0", ctm: [595, 0, 0, 842, 0, 0] });
  });

  it("rejects anything that paints besides the image", () => {
    expect(draw("q 595 0 0 842 0 0 cm /Im0 Do Q BT /F1 12 Tf (Nom) Tj ET")).toBeUndefined();
    expect(draw("0 0 10 10 re f q 595 0 0 842 0 0 cm /Im0 Do Q")).toBeUndefined();
    expect(draw("q 595 0 0 842 0 0 cm /Im0 Do Q q /Im1 Do Q")).toBeUndefined(); // two images
    expect(draw("q 595 0 0 842 0 0 cm /Fm0 Do Q")).toBeUndefined(); // a form
    expect(draw("q 595 0 0 842 0 0 cm /Missing Do Q")).toBeUndefined();
    expect(draw("BI /W 1 /H 1 /BPC 8 /CS /G ID x EI")).toBeUndefined(); // inline image
    expect(draw("/Transparent gs q 595 0 0 842 0 0 cm /Im0 Do Q")).toBeUndefined();
    expect(draw("/Sh0 sh")).toBeUndefined();
    expect(draw("q Q")).toBeUndefined(); // no image at all
  });
});
