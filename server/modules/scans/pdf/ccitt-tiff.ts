// Wraps bilevel image data from a PDF in a minimal single-strip TIFF, so that libvips (libtiff)
// decodes it: CCITT Group 3/4 fax data as it is in the PDF, or uncompressed 1-bit rows.
// libtiff's fax decoder sets black runs to 1 bits, so Photometric WhiteIsZero shows the runs
// as coded; BlackIsZero shows them inverted.

export const TIFF_UNCOMPRESSED = 1;
export const TIFF_CCITT_G3 = 3;
export const TIFF_CCITT_G4 = 4;

export interface BilevelTiff {
  width: number;
  height: number;
  compression: 1 | 3 | 4;
  /** T4Options for Group 3: bit 0 = 2-D coding, bit 2 = fill bits before each EOL. */
  t4Options?: number;
  /** Photometric interpretation: 0 = WhiteIsZero, 1 = BlackIsZero. */
  photometric: 0 | 1;
  data: Uint8Array;
}

type Entry = [tag: number, type: 3 | 4, value: number];
const SHORT = 3;
const LONG = 4;

export function bilevelTiff(image: BilevelTiff): Buffer {
  const entries: Entry[] = [
    [256, LONG, image.width],
    [257, LONG, image.height],
    [258, SHORT, 1],
    [259, SHORT, image.compression],
    [262, SHORT, image.photometric],
    [273, LONG, 0], // StripOffsets, set below once the header size is known
    [277, SHORT, 1],
    [278, LONG, image.height],
    [279, LONG, image.data.length],
  ];
  if (image.compression === TIFF_CCITT_G3) entries.push([292, LONG, image.t4Options ?? 0]);
  const headerSize = 8 + 2 + entries.length * 12 + 4;
  const out = Buffer.alloc(headerSize + image.data.length);
  out.write("II", 0, "latin1");
  out.writeUInt16LE(42, 2);
  out.writeUInt32LE(8, 4);
  out.writeUInt16LE(entries.length, 8);
  entries.forEach(([tag, type, value], index) => {
    const at = 10 + index * 12;
    out.writeUInt16LE(tag, at);
    out.writeUInt16LE(type, at + 2);
    out.writeUInt32LE(1, at + 4);
    if (type === SHORT) out.writeUInt16LE(value, at + 8);
    else out.writeUInt32LE(tag === 273 ? headerSize : value, at + 8);
  });
  out.set(image.data, headerSize);
  return out;
}
