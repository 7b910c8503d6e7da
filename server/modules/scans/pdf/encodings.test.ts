// The image encodings scanners and PDF tools produce, built one by one: what the fast path takes
// (and decodes right), and what it leaves to pdf.js.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { deflateSync } from "node:zlib";
import { clip, endPath, fill, PDFDocument, PDFHexString, PDFName, popGraphicsState, pushGraphicsState, rectangle, type PDFOperator } from "pdf-lib";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { a4PagePixels, addImagePage, A4_PT, encodeScan, makeImagePdf, readPageLabel, type ScanImage } from "../../../test/scan-factory.js";
import { scanPageToImages } from "./page-images.js";

let grey: Buffer;
let width: number;
let height: number;
const LABEL = 13;

beforeAll(async () => {
  ({ grey, width, height } = await a4PagePixels({ kind: "written", label: LABEL }, 100));
});

const work = mkdtempSync(path.join(os.tmpdir(), "scan-encodings-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function convert(pdf: Uint8Array) {
  const result = await scanPageToImages(pdf, { split: "none" });
  const full = result.images.FULL!;
  return { source: result.source, label: await readPageLabel(full.image), thumbLabel: await readPageLabel(full.thumb), full };
}

function flateImage(data: Buffer, dict: Record<string, unknown>, size = { width, height }): ScanImage {
  return { ...size, data: deflateSync(data), dict: { Filter: "FlateDecode", ...dict } };
}

/** PNG-style filtering, the row's filter type cycling through all five so that each is undone. */
function pngFiltered(pixels: Buffer, rowBytes: number, bpp: number): Buffer {
  const rows = pixels.length / rowBytes;
  const out = Buffer.alloc(rows * (rowBytes + 1));
  for (let y = 0; y < rows; y += 1) {
    const type = y % 5;
    out[y * (rowBytes + 1)] = type;
    for (let i = 0; i < rowBytes; i += 1) {
      const x = pixels[y * rowBytes + i]!;
      const a = i >= bpp ? pixels[y * rowBytes + i - bpp]! : 0;
      const b = y > 0 ? pixels[(y - 1) * rowBytes + i]! : 0;
      const c = i >= bpp && y > 0 ? pixels[(y - 1) * rowBytes + i - bpp]! : 0;
      const p = a + b - c;
      const paeth = Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c) ? a : Math.abs(p - b) <= Math.abs(p - c) ? b : c;
      const predicted = [0, a, b, (a + b) >> 1, paeth][type]!;
      out[y * (rowBytes + 1) + 1 + i] = (x - predicted) & 0xff;
    }
  }
  return out;
}

/** 1 bit per pixel, rows padded to a byte, 1 for paper (DeviceGray: 0 is black). */
function packBits(pixels: Buffer, w: number, h: number, invert = false): Buffer {
  const rowBytes = Math.ceil(w / 8);
  const out = Buffer.alloc(rowBytes * h);
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      if ((pixels[y * w + x]! >= 160) !== invert) out[y * rowBytes + (x >> 3)]! |= 0x80 >> (x & 7);
    }
  }
  return out;
}

function rgbOf(pixels: Buffer): Buffer {
  const out = Buffer.alloc(pixels.length * 3);
  for (let i = 0; i < pixels.length; i += 1) out.fill(pixels[i]!, i * 3, i * 3 + 3);
  return out;
}

describe("Flate images", () => {
  it("undoes every PNG predictor, on grey and on RGB", async () => {
    const greyPng = flateImage(pngFiltered(grey, width, 1), {
      ColorSpace: "DeviceGray",
      BitsPerComponent: 8,
      DecodeParms: { Predictor: 15, Colors: 1, BitsPerComponent: 8, Columns: width },
    });
    expect(await convert(await makeImagePdf(greyPng))).toMatchObject({ source: "flate", label: LABEL, thumbLabel: LABEL });
    const rgbPng = flateImage(pngFiltered(rgbOf(grey), width * 3, 3), {
      ColorSpace: "DeviceRGB",
      BitsPerComponent: 8,
      DecodeParms: { Predictor: 15, Colors: 3, BitsPerComponent: 8, Columns: width },
    });
    const rgb = await convert(await makeImagePdf(rgbPng));
    expect(rgb).toMatchObject({ source: "flate", label: LABEL });
    expect((await sharp(rgb.full.image).metadata()).channels).toBe(3);
  });

  it("undoes the TIFF predictor", async () => {
    const diff = Buffer.from(grey);
    for (let y = 0; y < height; y += 1) for (let x = width - 1; x > 0; x -= 1) diff[y * width + x] = (grey[y * width + x]! - grey[y * width + x - 1]!) & 0xff;
    const image = flateImage(diff, { ColorSpace: "DeviceGray", BitsPerComponent: 8, DecodeParms: { Predictor: 2, Columns: width } });
    expect(await convert(await makeImagePdf(image))).toMatchObject({ source: "flate", label: LABEL });
  });

  it("reads 1-bit images, with or without an inverting /Decode", async () => {
    const plain = flateImage(packBits(grey, width, height), { ColorSpace: "DeviceGray", BitsPerComponent: 1 });
    expect(await convert(await makeImagePdf(plain))).toMatchObject({ source: "flate", label: LABEL });
    const inverted = flateImage(packBits(grey, width, height, true), { ColorSpace: "DeviceGray", BitsPerComponent: 1, Decode: [1, 0] });
    expect(await convert(await makeImagePdf(inverted))).toMatchObject({ source: "flate", label: LABEL });
    const predicted = flateImage(pngFiltered(packBits(grey, width, height), Math.ceil(width / 8), 1), {
      ColorSpace: "DeviceGray",
      BitsPerComponent: 1,
      DecodeParms: { Predictor: 12, Colors: 1, BitsPerComponent: 1, Columns: width },
    });
    expect(await convert(await makeImagePdf(predicted))).toMatchObject({ source: "flate", label: LABEL });
  });

  it("takes an ICC-based grey image as grey", async () => {
    const doc = await PDFDocument.create();
    const profile = doc.context.register(doc.context.stream(new Uint8Array(16), { N: 1 }));
    await addImagePage(doc, flateImage(grey, { ColorSpace: [PDFName.of("ICCBased"), profile], BitsPerComponent: 8 }), A4_PT, 0);
    expect(await convert(await doc.save())).toMatchObject({ source: "flate", label: LABEL });
  });

  it("leaves to pdf.js what it does not decode itself: inverted 8-bit, indexed colour", async () => {
    const negative = Buffer.from(grey.map((v) => 255 - v));
    const decoded = flateImage(negative, { ColorSpace: "DeviceGray", BitsPerComponent: 8, Decode: [1, 0] });
    expect(await convert(await makeImagePdf(decoded))).toMatchObject({ source: "render", label: LABEL });
    const palette = PDFHexString.of(Buffer.from(Array.from({ length: 256 }, (_, v) => [v, v, v]).flat()).toString("hex"));
    const indexed = flateImage(grey, { ColorSpace: ["Indexed", "DeviceRGB", 255, palette], BitsPerComponent: 8 });
    expect(await convert(await makeImagePdf(indexed))).toMatchObject({ source: "render", label: LABEL });
  });
});

describe("JPEG images", () => {
  it("decodes a JPEG with an Exif orientation rather than serve it (browsers would turn it)", async () => {
    const jpeg = await sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace("b-w").jpeg().withExif({ IFD0: { Orientation: "6" } }).toBuffer();
    const image: ScanImage = { width, height, data: jpeg, dict: { ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "DCTDecode" } };
    const result = await convert(await makeImagePdf(image));
    expect(result).toMatchObject({ source: "jpeg", label: LABEL });
    expect((await sharp(result.full.image).metadata()).orientation).toBeUndefined();
  });

  it("renders CMYK JPEGs with pdf.js", async () => {
    // libvips writes Adobe-style inverted CMYK, which a PDF undoes with its /Decode array.
    const jpeg = await sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace("cmyk").jpeg().toBuffer();
    const dict = { ColorSpace: "DeviceCMYK", BitsPerComponent: 8, Filter: "DCTDecode", Decode: [1, 0, 1, 0, 1, 0, 1, 0] };
    const image: ScanImage = { width, height, data: jpeg, dict };
    expect(await convert(await makeImagePdf(image))).toMatchObject({ source: "render", label: LABEL });
  });

  it("passes a progressive JPEG through, but decodes it to cut halves", async () => {
    const jpeg = await sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace("b-w").jpeg({ progressive: true }).toBuffer();
    const image: ScanImage = { width, height, data: jpeg, dict: { ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "DCTDecode" } };
    expect(await convert(await makeImagePdf(image))).toMatchObject({ source: "jpeg-passthrough", label: LABEL });
    const halves = await scanPageToImages(await makeImagePdf(image), { split: "halves" });
    expect(halves.source).toBe("jpeg");
  });

  it("keeps colour JPEG scans in colour", async () => {
    const colour = await sharp(grey, { raw: { width, height, channels: 1 } }).toColourspace("srgb").jpeg().toBuffer();
    const image: ScanImage = { width, height, data: colour, dict: { ColorSpace: "DeviceRGB", BitsPerComponent: 8, Filter: "DCTDecode" } };
    const result = await convert(await makeImagePdf(image));
    expect(result).toMatchObject({ source: "jpeg-passthrough", label: LABEL });
    expect((await sharp(result.full.image).metadata()).channels).toBe(3);
  });
});

describe("CCITT fax images", () => {
  let ccitt: ScanImage;
  beforeAll(async () => {
    ccitt = await encodeScan(grey, width, height, "ccitt");
  });
  const withParms = (parms: Record<string, unknown>, extra: Record<string, unknown> = {}): ScanImage => ({
    ...ccitt,
    dict: { ...ccitt.dict, ...extra, DecodeParms: { K: -1, Columns: width, ...parms } },
  });

  /** Mean brightness of poppler's rendering: the reference for what the PDF shows. */
  let renders = 0;
  async function popplerMean(pdf: Uint8Array): Promise<number> {
    const file = path.join(work, `${(renders += 1)}.pdf`);
    writeFileSync(file, pdf);
    execFileSync("pdftoppm", ["-r", "30", "-gray", "-jpeg", "-singlefile", file, file]);
    return mean(readFileSync(`${file}.jpg`));
  }

  async function mean(image: Buffer): Promise<number> {
    return (await sharp(image).stats()).channels[0]!.mean;
  }

  it("reads Group 4 data without /Rows", async () => {
    expect(await convert(await makeImagePdf(withParms({})))).toMatchObject({ source: "ccitt", label: LABEL });
  });

  it("follows /BlackIs1 and /Decode as poppler does", async () => {
    const both = await makeImagePdf(withParms({ BlackIs1: true }, { Decode: [1, 0] }));
    expect(await convert(both)).toMatchObject({ source: "ccitt", label: LABEL });
    expect(await popplerMean(both)).toBeGreaterThan(200);
    const negative = await makeImagePdf(withParms({ BlackIs1: true }));
    const result = await convert(negative);
    expect(result.source).toBe("ccitt");
    expect(await mean(result.full.image)).toBeLessThan(60); // shown inverted…
    expect(await popplerMean(negative)).toBeLessThan(60); // …as poppler shows it
  });

  // A 64 × 48 pattern encoded by libtiff 4.5 (`tiffcp -c g3:1d`, `g3:2d`, `g3:1d:fill`,
  // `g3:2d:fill`, one strip): Group 3 with an EOL before each line, 1-D or 2-D, with or without
  // fill bits aligning each line on a byte.
  const G3 = {
    "1-D": "ABNVqtVMFAAJqtVqpgoABNVqtVMFAAJqtVqtVqACarVarVagAmq1Wq1WoAJqtVqtVqACarVarVagAmq1WqmCgAE1WonqYKAATVBgmKYKAATVEBi1qtQATVIBiFqtQATVHDO61WoAJqqBsHWq1ABNVQNg61WoAJqpgXmCgAE1UwLzBQACaqYF5goABNVMC+q1ABNVMC+q1ABNVMC+q1ABNVMC+q1ABNVMC+q1ABNVMC8wUAAmqoGwdTBQACaqgbB1MFAAJqjhndarUAE1SAYharUAE1RAYtarUAE1QYJi1WoAJqtRPWq1ABNVqtVMFAAJqtVqpgoABNVqtVMFAAJqtVqtVqACarVarVagAmq1Wq1WoAJqtVqtVqACarVarVagAmq1WqmCgAE1Wq1UwUAAmq1WqmCgAE1Wq1Wq1ABNVqtVqtQATVarVarUAE1Wq1Wq1ABNVqtVqtQ=",
    "2-D": "ABmq1WqmCgAF/gAzVarVTBQAC/OqgAzVarVarUAF/wAZqtVqtVqAC/4AM1Wq1UwUAAuRP4AM1QYJimCgAFp51UAGapAMQtVqAC0/gAzVUDYOtVqAC/4AM1UwLzBQAC/ABmqmBeYKAAXnVQAZqpgX1WoAL+ADNVMC+q1ABfwAZqpgXmCgAFsIjrABmqoGwdTBQAC2s6qADNUgGIWq1ABbXwAZqgwTFqtQAWGF8AGarVaqYKAAX+ADNVqtVMFAAL86qADNVqtVqtQAX/ABmq1Wq1WoAL/gAzVarVTBQAC/wAZqtVqpgoABfnVQAZqtVqtVqAC/4AM1Wq1Wq1ABf8A=",
    "1-D aligned": "AAE1Wq1UwUAAATVarVTBQAABNVqtVMFAAAE1Wq1Wq1ABNVqtVqtQATVarVarUAE1Wq1Wq1ABNVqtVqtQATVarVTBQAABNVqJ6mCgAAE1QYJimCgAATVEBi1qtQABNUgGIWq1AAE1RwzutVqAATVUDYOtVqABNVQNg61WoAE1UwLzBQABNVMC8wUAATVTAvMFAAE1UwL6rUABNVMC+q1AATVTAvqtQAE1UwL6rUABNVMC+q1AATVTAvMFAAE1VA2DqYKAATVUDYOpgoABNUcM7rVagAE1SAYharUAATVEBi1qtQABNUGCYtVqAAE1WonrVagAATVarVTBQAABNVqtVMFAAAE1Wq1UwUAAATVarVarUAE1Wq1Wq1ABNVqtVqtQATVarVarUAE1Wq1Wq1ABNVqtVMFAAAE1Wq1UwUAAATVarVTBQAABNVqtVqtQATVarVarUAE1Wq1Wq1ABNVqtVqtQATVarVarUA==",
    "2-D aligned": "AAGarVaqYKAAAX+AAZqtVqpgoAABfnVQAZqtVqtVqAABf8ABmq1Wq1WoAAF/wAGarVaqYKAAAXIn8AGaoMExTBQAAWnnVQABmqQDELVagAFp/AABmqoGwdarUAF/wAGaqYF5goABfgABmqmBeYKAAXnVQAGaqYF9VqABfwABmqmBfVagAX8AAZqpgXmCgAFsIjrAAZqqBsHUwUAAAW1nVQABmqQDELVagAFtfAABmqDBMWq1AAFhhfABmq1WqmCgAAF/gAGarVaqYKAAAX51UAGarVarVagAAX/AAZqtVqtVqAABf8ABmq1WqmCgAAF/gAGarVaqYKAAAX51UAGarVarVagAAX/AAZqtVqtVqAABf8A=",
  };
  const patternIsBlack = (x: number, y: number) => (x - 20) ** 2 + (y - 20) ** 2 < 144 || (x > 40 && y % 8 < 3) || x % 16 === 0;

  it.each(Object.entries(G3))("reads Group 3 %s data exactly, as poppler does", async (variant, base64) => {
    const [w, h] = [64, 48];
    const pdf = await makeImagePdf(
      {
        width: w,
        height: h,
        data: Buffer.from(base64, "base64"),
        dict: {
          ColorSpace: "DeviceGray",
          BitsPerComponent: 1,
          Filter: "CCITTFaxDecode",
          DecodeParms: { K: variant.startsWith("2-D") ? 4 : 0, Columns: w, Rows: h, EndOfLine: true, EncodedByteAlign: variant.endsWith("aligned") },
        },
      },
      { size: { width: w * 10, height: h * 10 } },
    );
    const result = await scanPageToImages(pdf, { split: "none" });
    expect(result.source).toBe("ccitt");
    const ours = await sharp(result.images.FULL!.image).toColourspace("b-w").raw().toBuffer();
    const file = path.join(work, `g3-${variant.replace(/\W/g, "")}.pdf`);
    writeFileSync(file, pdf);
    execFileSync("pdftoppm", ["-r", "72", "-gray", "-jpeg", "-singlefile", file, file]); // 10 pixels per sample
    const { data: poppler, info } = await sharp(`${file}.jpg`).toColourspace("b-w").raw().toBuffer({ resolveWithObject: true });
    const misread = (isBlack: (x: number, y: number) => boolean) => {
      const wrong: [number, number][] = [];
      for (let y = 0; y < h; y += 1) for (let x = 0; x < w; x += 1) if (isBlack(x, y) !== patternIsBlack(x, y)) wrong.push([x, y]);
      return wrong;
    };
    expect(misread((x, y) => ours[y * w + x]! < 128)).toEqual([]);
    expect(misread((x, y) => poppler[(y * 10 + 5) * info.width + x * 10 + 5]! < 128)).toEqual([]);
  });

  it("renders Group 4 data whose rows are byte-aligned (libtiff cannot read it)", async () => {
    const result = await scanPageToImages(await makeImagePdf(withParms({ EncodedByteAlign: true })), { split: "none" });
    expect(result.source).toBe("render");
  });
});

describe("page content around the image", () => {
  async function withExtraContent(operators: PDFOperator[]) {
    const doc = await PDFDocument.create();
    const { data } = await encodeScan(grey, width, height, "jpeg");
    const page = await addImagePage(doc, { width, height, data, dict: { ColorSpace: "DeviceGray", BitsPerComponent: 8, Filter: "DCTDecode" } }, A4_PT, 0);
    page.node.addContentStream(doc.context.register(doc.context.contentStream(operators)));
    return doc.save();
  }

  it("ignores a clipping path and a second content stream that paints nothing", async () => {
    const pdf = await withExtraContent([pushGraphicsState(), rectangle(0, 0, 100, 100), clip(), endPath(), popGraphicsState()]);
    expect(await convert(pdf)).toMatchObject({ source: "jpeg-passthrough", label: LABEL });
  });

  it("renders a page where something else is painted", async () => {
    const pdf = await withExtraContent([pushGraphicsState(), rectangle(10, 10, 20, 20), fill(), popGraphicsState()]);
    expect(await convert(pdf)).toMatchObject({ source: "render", label: LABEL });
  });

  it("renders an image that covers only part of the page", async () => {
    const image = await encodeScan(grey, width, height, "jpeg");
    const pdf = await makeImagePdf(image, { matrix: [A4_PT.width / 2, 0, 0, A4_PT.height / 2, 0, 0] });
    expect((await convert(pdf)).source).toBe("render");
  });

  it("accepts an image overhanging the page by less than 2 %", async () => {
    const image = await encodeScan(grey, width, height, "jpeg");
    const pdf = await makeImagePdf(image, { matrix: [A4_PT.width * 1.01, 0, 0, A4_PT.height * 1.01, -2, -3] });
    expect((await convert(pdf)).source).toBe("jpeg-passthrough");
  });
});
