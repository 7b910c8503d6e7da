// Decompression bombs and oversized pages are refused with a French reason, before anything
// (sharp or pdf.js) allocates for them, on the fast path and on the render path alike.
import { deflateSync } from "node:zlib";
import { concatTransformationMatrix, drawObject, PDFDocument, PDFName, popGraphicsState, pushGraphicsState } from "pdf-lib";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { a4PagePixels, encodeScan, makeA4Batch, makeImagePdf } from "../../../test/scan-factory.js";
import { scanPageToImages, ScanPageError } from "./page-images.js";

async function refusal(pdf: Uint8Array, options: Parameters<typeof scanPageToImages>[1] = { split: "none" }): Promise<string> {
  const error = await scanPageToImages(pdf, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ScanPageError);
  return (error as ScanPageError).reason;
}

/** 64 MiB of zeros: 64 KiB once deflated. */
const BOMB = deflateSync(Buffer.alloc(64 * 1024 * 1024));

describe("scanPageToImages: limits", () => {
  it("refuses an image declaring 100 000 × 100 000 pixels", async () => {
    const tiny = await sharp(Buffer.alloc(64, 255), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace("b-w").jpeg().toBuffer();
    const pdf = await makeImagePdf({ width: 100_000, height: 100_000, data: tiny, dict: { ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "DCTDecode" } });
    expect(await refusal(pdf)).toBe("La page déclare une image de 100 000 × 100 000 pixels : fichier refusé.");
  });

  it("refuses a JPEG whose own header declares too many pixels", async () => {
    const { grey, width, height } = await a4PagePixels({ kind: "blank" }, 100);
    const scan = await encodeScan(grey, width, height, "jpeg");
    // A modest /Width and /Height in the PDF do not hide the JPEG's real size.
    const pdf = await makeImagePdf({ ...scan, width: 10, height: 10 });
    expect(await refusal(pdf, { split: "none", maxPixels: 500_000 })).toMatch(/827 × 1 169 pixels/);
  });

  it("refuses a Flate image that inflates far past its declared size", async () => {
    const pdf = await makeImagePdf({ width: 100, height: 100, data: BOMB, dict: { ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "FlateDecode" } });
    expect(await refusal(pdf)).toMatch(/se décompresse au-delà de la taille attendue \(11 024 octets\)/);
  });

  it("tolerates a little padding after an image's samples, as PDF readers do", async () => {
    const { grey, width, height } = await a4PagePixels({ kind: "written", label: 8 }, 100);
    const padded = Buffer.concat([grey, Buffer.alloc(500)]);
    const pdf = await makeImagePdf({ width, height, data: deflateSync(padded), dict: { ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "FlateDecode" } });
    const result = await scanPageToImages(pdf, { split: "none" });
    expect(result.source).toBe("flate");
  });

  it("refuses a page whose declared image alone would exceed the inflation bound", async () => {
    const pdf = await makeImagePdf({ width: 20_000, height: 20_000, data: BOMB, dict: { ColorSpace: "DeviceRGB", BitsPerComponent: 8, Filter: "FlateDecode" } });
    expect(await refusal(pdf, { split: "none", maxPixels: 1e9 })).toMatch(/ferait 1 200 000 000 octets/);
  });

  it("honours maxPixels on ordinary scans", async () => {
    const pdf = await makeA4Batch({ pages: 1, dpi: 200 });
    expect(await refusal(pdf, { split: "none", maxPixels: 1_000_000 })).toMatch(/1 654 × 2 339 pixels/);
  });

  it("checks every stream before pdf.js renders a page", async () => {
    const doc = await PDFDocument.load(await makeA4Batch({ pages: 1, encoding: "vector" }));
    const page = doc.getPage(0);
    const image = doc.context.stream(BOMB, { Type: "XObject", Subtype: "Image", Width: 64, Height: 64, ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "FlateDecode" });
    const name = page.node.newXObject("Im", doc.context.register(image));
    page.pushOperators(pushGraphicsState(), concatTransformationMatrix(50, 0, 0, 50, 20, 20), drawObject(name), popGraphicsState());
    expect(await refusal(await doc.save())).toMatch(/se décompresse au-delà/);
    // An image too large to render, even unused by the content, is refused too.
    const doc2 = await PDFDocument.load(await makeA4Batch({ pages: 1, encoding: "vector" }));
    const huge = doc2.context.stream(new Uint8Array(10), { Type: "XObject", Subtype: "Image", Width: 50_000, Height: 50_000, ColorSpace: "DeviceGray", BitsPerComponent: 1, Filter: "CCITTFaxDecode" });
    doc2.getPage(0).node.newXObject("Im", doc2.context.register(huge));
    expect(await refusal(await doc2.save())).toMatch(/50 000 × 50 000/);
  });

  it("bounds the page's content stream too", async () => {
    const doc = await PDFDocument.load(await makeA4Batch({ pages: 1, encoding: "vector" }));
    const content = doc.context.stream(deflateSync(Buffer.alloc(4 * 1024 * 1024, 0x20)), { Filter: "FlateDecode" });
    doc.getPage(0).node.set(PDFName.of("Contents"), doc.context.register(content));
    expect(await refusal(await doc.save(), { split: "none", maxInflatedBytes: 1024 * 1024 })).toMatch(/se décompresse au-delà/);
  });
});
