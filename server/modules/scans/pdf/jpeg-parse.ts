// Reads a greyscale baseline JPEG down to its coded blocks without decoding the pixels: where each
// block's bits are, its DC value and its three lowest AC coefficients. That is enough to cut the
// JPEG into halves without re-encoding (jpeg-split.ts) and to draw a quarter-size preview for the
// thumbnail, both faster than libjpeg's decode on these scans. Undefined for any other kind of
// JPEG (colour, progressive, arithmetic, restart markers, damaged): callers then use sharp.

export interface HuffmanTable {
  /** 16-bit code prefix → (code length << 8) | symbol; 0 for an invalid prefix. */
  lookup: Uint16Array;
  /** symbol → code and length (0 when the table has no such symbol). */
  codes: Uint16Array;
  lengths: Uint8Array;
}

/** Per block, in coding order. Bit offsets are into `data`. */
export interface Blocks {
  dc: Int32Array;
  acStart: Uint32Array;
  end: Uint32Array;
  /** Quantised AC coefficients 1, 2 and 4 in zigzag order: horizontal, vertical and diagonal. */
  low: Int16Array;
}

export interface GreyJpeg {
  jpeg: Buffer;
  width: number;
  height: number;
  blocksPerRow: number;
  rows: number;
  /** Offset of the frame header's width field. */
  widthAt: number;
  /** Offset of the first entropy-coded byte (the headers end there). */
  dataStart: number;
  dcTable: HuffmanTable;
  /** Entropy-coded bytes without their 0xFF00 stuffing, then 4 zero bytes for peeking. */
  data: Uint8Array;
  blocks: Blocks;
  /** Quantisation steps of coefficients 0, 1, 2 and 4 (zigzag order). */
  steps: [number, number, number, number];
}

interface Headers {
  width: number;
  height: number;
  widthAt: number;
  dataStart: number;
  dcTable: HuffmanTable;
  acTable: HuffmanTable;
  steps: [number, number, number, number];
}

export function parseGreyJpeg(jpeg: Buffer): GreyJpeg | undefined {
  const headers = readHeaders(jpeg);
  if (!headers) return undefined;
  const blocksPerRow = Math.ceil(headers.width / 8);
  const rows = Math.ceil(headers.height / 8);
  const data = unstuff(jpeg, headers.dataStart);
  const blocks = parseBlocks(data, headers, blocksPerRow * rows);
  return blocks && { ...headers, jpeg, blocksPerRow, rows, data, blocks };
}

/**
 * A quarter-size greyscale image (one pixel per 4 × 4): each block's quadrant means from its DC
 * and lowest AC coefficients, as libjpeg's reduced-size decode does with a few more terms.
 */
export function quarterImage(parsed: GreyJpeg): { pixels: Buffer; width: number; height: number } {
  const { blocks, blocksPerRow, rows, steps } = parsed;
  // Mean over half a block of the first cosine basis function, with the IDCT's normalisations.
  const half = 0.640729;
  const [dcStep, horizontalStep, verticalStep, diagonalStep] = [
    steps[0] / 8,
    (steps[1] * half) / (4 * Math.SQRT2),
    (steps[2] * half) / (4 * Math.SQRT2),
    (steps[3] * half * half) / 4,
  ];
  const stride = blocksPerRow * 2;
  const out = new Uint8ClampedArray(stride * rows * 2); // clamps and rounds
  for (let row = 0, b = 0; row < rows; row += 1) {
    for (let column = 0; column < blocksPerRow; column += 1, b += 1) {
      const mean = 128 + blocks.dc[b]! * dcStep;
      const h = blocks.low[b * 3]! * horizontalStep;
      const v = blocks.low[b * 3 + 1]! * verticalStep;
      const d = blocks.low[b * 3 + 2]! * diagonalStep;
      const at = row * 2 * stride + column * 2;
      out[at] = mean + h + v + d;
      out[at + 1] = mean - h + v - d;
      out[at + stride] = mean + h - v - d;
      out[at + stride + 1] = mean - h - v + d;
    }
  }
  // Blocks overhang the image's right and bottom edges; keep the image's own quarter.
  const width = Math.ceil(parsed.width / 4);
  const height = Math.ceil(parsed.height / 4);
  const pixels = Buffer.allocUnsafe(width * height);
  for (let y = 0; y < height; y += 1) pixels.set(out.subarray(y * stride, y * stride + width), y * width);
  return { pixels, width, height };
}

// Zigzag positions of the coefficients kept in Blocks.low, and their index there.
const LOW_SLOT = [-1, 0, 1, -1, 2];

function readHeaders(jpeg: Buffer): Headers | undefined {
  const huffman = new Map<number, HuffmanTable>(); // (class << 4) | id
  const quantisation = new Map<number, number[]>(); // id → steps in zigzag order
  let frame: { width: number; height: number; widthAt: number; table: number } | undefined;
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    const length = jpeg.readUInt16BE(at + 2);
    const body = jpeg.subarray(at + 4, at + 2 + length);
    if (marker === 0xc4) {
      if (!readHuffmanTables(body, huffman)) return undefined;
    } else if (marker === 0xdb) {
      if (!readQuantisationTables(body, quantisation)) return undefined;
    } else if (marker === 0xc0 || marker === 0xc1) {
      // 8-bit samples, one component (its quantisation table is the component's last byte).
      if (body[0] !== 8 || body[5] !== 1 || body.length < 9) return undefined;
      frame = { height: body.readUInt16BE(1), width: body.readUInt16BE(3), widthAt: at + 4 + 3, table: body[8]! };
    } else if ((marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xdc) {
      return undefined; // progressive, lossless, arithmetic, hierarchical, DNL
    } else if (marker === 0xdd) {
      if (body.readUInt16BE(0) !== 0) return undefined; // restart intervals: left to sharp
    } else if (marker === 0xda) {
      // One component, full spectral range, no successive approximation: sequential baseline.
      if (!frame || !frame.width || !frame.height || body[0] !== 1 || body[3] !== 0 || body[4] !== 63 || body[5] !== 0) return undefined;
      const dcTable = huffman.get(body[2]! >> 4);
      const acTable = huffman.get(0x10 | (body[2]! & 15));
      const q = quantisation.get(frame.table);
      if (!dcTable || !acTable || !q) return undefined;
      const steps: [number, number, number, number] = [q[0]!, q[1]!, q[2]!, q[4]!];
      return { width: frame.width, height: frame.height, widthAt: frame.widthAt, dataStart: at + 2 + length, dcTable, acTable, steps };
    }
    at += 2 + length;
  }
  return undefined;
}

function readHuffmanTables(body: Buffer, tables: Map<number, HuffmanTable>): boolean {
  let at = 0;
  while (at + 17 <= body.length) {
    const counts = body.subarray(at + 1, at + 17);
    const total = counts.reduce((sum, n) => sum + n, 0);
    const symbols = body.subarray(at + 17, at + 17 + total);
    if (symbols.length !== total) return false;
    tables.set(body[at]!, huffmanTable(counts, symbols));
    at += 17 + total;
  }
  return at === body.length;
}

function readQuantisationTables(body: Buffer, tables: Map<number, number[]>): boolean {
  let at = 0;
  while (at < body.length) {
    const wide = body[at]! >> 4 === 1; // 16-bit steps
    const size = wide ? 128 : 64;
    if (at + 1 + size > body.length) return false;
    const steps = Array.from({ length: 64 }, (_, k) => (wide ? body.readUInt16BE(at + 1 + k * 2) : body[at + 1 + k]!));
    tables.set(body[at]! & 15, steps);
    at += 1 + size;
  }
  return true;
}

// Canonical Huffman codes (JPEG Annex C): codes of each length follow those of the previous one.
function huffmanTable(counts: Uint8Array, symbols: Uint8Array): HuffmanTable {
  const lookup = new Uint16Array(65536);
  const codes = new Uint16Array(256);
  const lengths = new Uint8Array(256);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length += 1) {
    for (let i = 0; i < counts[length - 1]!; i += 1) {
      const symbol = symbols[k++]!;
      const shift = 16 - length;
      lookup.fill((length << 8) | symbol, code << shift, (code + 1) << shift);
      codes[symbol] = code;
      lengths[symbol] = length;
      code += 1;
    }
    code <<= 1;
  }
  return { lookup, codes, lengths };
}

function unstuff(jpeg: Buffer, start: number): Uint8Array {
  const out = new Uint8Array(jpeg.length - start + 4);
  let n = 0;
  for (let i = start; i < jpeg.length; i += 1) {
    const byte = jpeg[i]!;
    if (byte === 0xff) {
      if (jpeg[i + 1] !== 0) break; // a marker: the end of the scan
      i += 1;
    }
    out[n++] = byte;
  }
  return out.subarray(0, n + 4);
}

function parseBlocks(data: Uint8Array, headers: Headers, count: number): Blocks | undefined {
  const blocks: Blocks = {
    dc: new Int32Array(count),
    acStart: new Uint32Array(count),
    end: new Uint32Array(count),
    low: new Int16Array(count * 3),
  };
  const dcLookup = headers.dcTable.lookup;
  const acLookup = headers.acTable.lookup;
  const limit = (data.length - 4) * 8;
  let bit = 0;
  let dc = 0;
  for (let b = 0; b < count; b += 1) {
    let entry = dcLookup[peek16(data, bit)]!;
    if (entry === 0) return undefined;
    bit += entry >>> 8;
    const size = entry & 0xff;
    if (size !== 0) {
      dc += extend(peek16(data, bit) >>> (16 - size), size);
      bit += size;
    }
    blocks.dc[b] = dc;
    blocks.acStart[b] = bit;
    for (let k = 1; k < 64; ) {
      entry = acLookup[peek16(data, bit)]!;
      if (entry === 0) return undefined;
      bit += entry >>> 8;
      const runSize = entry & 0xff;
      const size = runSize & 15;
      if (size === 0) {
        if (runSize !== 0xf0) break; // end of block
        k += 16; // sixteen zeros
        continue;
      }
      k += runSize >>> 4;
      if (k <= 4 && LOW_SLOT[k]! >= 0) blocks.low[b * 3 + LOW_SLOT[k]!] = extend(peek16(data, bit) >>> (16 - size), size);
      bit += size;
      k += 1;
    }
    if (bit > limit) return undefined; // truncated data
    blocks.end[b] = bit;
  }
  return blocks;
}

/** JPEG's EXTEND: `size` bits with a leading 0 are a negative value. */
function extend(value: number, size: number): number {
  return value < 1 << (size - 1) ? value - (1 << size) + 1 : value;
}

export function peek16(data: Uint8Array, bit: number): number {
  const at = bit >>> 3;
  return (((data[at]! << 16) | (data[at + 1]! << 8) | data[at + 2]!) >>> (8 - (bit & 7))) & 0xffff;
}
