// Cuts a greyscale baseline JPEG into its left and right halves without decoding it, the way
// `jpegtran -crop` does: the halves keep the scanner's own DCT coefficients (no generation loss)
// and cost a Huffman parse instead of a decode and two encodes. Only the DC coefficient of the
// first block of each row of a half changes (it is coded as a difference from the block before);
// every other bit is copied. Undefined when the JPEG is not of that simple kind: the caller then
// decodes it with sharp.

interface HuffmanTable {
  /** 16-bit code prefix → (code length << 8) | symbol; 0 for an invalid prefix. */
  lookup: Uint16Array;
  /** symbol → code and length (0 when the table has no such symbol). */
  codes: Uint16Array;
  lengths: Uint8Array;
}

interface Layout {
  width: number;
  height: number;
  /** Offset of the SOF segment's width field in the file. */
  widthAt: number;
  dcTable: HuffmanTable;
  acTable: HuffmanTable;
  /** First byte of entropy-coded data. */
  dataStart: number;
}

export function splitJpegHalves(jpeg: Buffer): [Buffer, Buffer] | undefined {
  const layout = readLayout(jpeg);
  if (!layout) return undefined;
  const half = Math.floor(layout.width / 2);
  // The right half must start on a block boundary; the left half's last block may overhang
  // (decoders crop a block column to the width in the frame header).
  if (half % 8 !== 0 || half === 0) return undefined;
  const data = unstuff(jpeg, layout.dataStart);
  const blocksPerRow = Math.ceil(layout.width / 8);
  const rows = Math.ceil(layout.height / 8);
  const blocks = parseBlocks(data, layout, blocksPerRow * rows);
  if (!blocks) return undefined;
  const halfBlocks = half / 8;
  const left = writeHalf(jpeg, layout, half, data, blocks, { first: 0, count: halfBlocks, blocksPerRow, rows });
  const right = writeHalf(jpeg, layout, half, data, blocks, { first: halfBlocks, count: halfBlocks, blocksPerRow, rows });
  return left && right ? [left, right] : undefined;
}

/** Frame and table information of a single-component baseline JPEG without restart markers. */
function readLayout(jpeg: Buffer): Layout | undefined {
  const tables = new Map<number, HuffmanTable>(); // (class << 4) | id
  let width = 0;
  let height = 0;
  let widthAt = 0;
  let at = 2;
  if (jpeg[0] !== 0xff || jpeg[1] !== 0xd8) return undefined;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte before a marker
      continue;
    }
    const length = jpeg.readUInt16BE(at + 2);
    const body = jpeg.subarray(at + 4, at + 2 + length);
    if (marker === 0xc4) {
      if (!readHuffmanTables(body, tables)) return undefined;
    } else if (marker === 0xc0 || marker === 0xc1) {
      // 8-bit precision, one component
      if (body[0] !== 8 || body[5] !== 1) return undefined;
      height = body.readUInt16BE(1);
      width = body.readUInt16BE(3);
      widthAt = at + 4 + 3;
    } else if ((marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xdc) {
      return undefined; // progressive, lossless, arithmetic, hierarchical, DNL
    } else if (marker === 0xdd) {
      if (body.readUInt16BE(0) !== 0) return undefined; // restart intervals: left to sharp
    } else if (marker === 0xda) {
      // One component, full spectral range, no successive approximation: sequential baseline.
      if (body[0] !== 1 || body[3] !== 0 || body[4] !== 63 || body[5] !== 0 || !width || !height) return undefined;
      const dcTable = tables.get(body[2]! >> 4);
      const acTable = tables.get(0x10 | (body[2]! & 15));
      if (!dcTable || !acTable) return undefined;
      return { width, height, widthAt, dcTable, acTable, dataStart: at + 2 + length };
    }
    at += 2 + length;
  }
  return undefined;
}

function readHuffmanTables(body: Buffer, tables: Map<number, HuffmanTable>): boolean {
  let at = 0;
  while (at + 17 <= body.length) {
    const classAndId = body[at]!;
    const counts = body.subarray(at + 1, at + 17);
    const total = counts.reduce((sum, n) => sum + n, 0);
    const symbols = body.subarray(at + 17, at + 17 + total);
    if (symbols.length !== total) return false;
    tables.set(classAndId, huffmanTable(counts, symbols));
    at += 17 + total;
  }
  return at === body.length;
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

/** Entropy-coded bytes with the 0xFF00 stuffing removed, followed by zero padding for peeking. */
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

/** Per block: its DC value, where its AC coefficients start and where it ends (bit offsets). */
interface Blocks {
  dc: Int32Array;
  acStart: Uint32Array;
  end: Uint32Array;
}

function parseBlocks(data: Uint8Array, layout: Layout, count: number): Blocks | undefined {
  const blocks: Blocks = { dc: new Int32Array(count), acStart: new Uint32Array(count), end: new Uint32Array(count) };
  const dcLookup = layout.dcTable.lookup;
  const acLookup = layout.acTable.lookup;
  const limit = (data.length - 4) * 8;
  let bit = 0;
  let dc = 0;
  for (let b = 0; b < count; b += 1) {
    let entry = dcLookup[peek16(data, bit)]!;
    if (entry === 0) return undefined;
    bit += entry >>> 8;
    const size = entry & 0xff;
    if (size !== 0) {
      const value = peek16(data, bit) >>> (16 - size);
      dc += value < 1 << (size - 1) ? value - (1 << size) + 1 : value; // JPEG's EXTEND
      bit += size;
    }
    blocks.dc[b] = dc;
    blocks.acStart[b] = bit;
    for (let k = 1; k < 64; ) {
      entry = acLookup[peek16(data, bit)]!;
      if (entry === 0) return undefined;
      const runSize = entry & 0xff;
      bit += (entry >>> 8) + (runSize & 15);
      if ((runSize & 15) !== 0) k += (runSize >>> 4) + 1;
      else if (runSize === 0xf0) k += 16; // sixteen zeros
      else break; // end of block
    }
    if (bit > limit) return undefined; // truncated data
    blocks.end[b] = bit;
  }
  return blocks;
}

function peek16(data: Uint8Array, bit: number): number {
  const at = bit >>> 3;
  return (((data[at]! << 16) | (data[at + 1]! << 8) | data[at + 2]!) >>> (8 - (bit & 7))) & 0xffff;
}

interface Columns {
  first: number;
  count: number;
  blocksPerRow: number;
  rows: number;
}

function writeHalf(jpeg: Buffer, layout: Layout, width: number, data: Uint8Array, blocks: Blocks, columns: Columns): Buffer | undefined {
  const out = new BitWriter(data.length);
  let previousDc = 0;
  for (let row = 0; row < columns.rows; row += 1) {
    const first = row * columns.blocksPerRow + columns.first;
    const last = first + columns.count - 1;
    // The row's first block follows a different block than in the source: its DC difference
    // is coded anew; the rest of the row is copied bit for bit.
    if (!out.writeDc(blocks.dc[first]! - previousDc, layout.dcTable)) return undefined;
    out.copyBits(data, blocks.acStart[first]!, blocks.end[last]!);
    previousDc = blocks.dc[last]!;
  }
  const header = Buffer.from(jpeg.subarray(0, layout.dataStart));
  header.writeUInt16BE(width, layout.widthAt);
  return Buffer.concat([withoutOtherSegments(header), out.stuffed(), Buffer.from([0xff, 0xd9])]);
}

/** The header up to the scan, keeping only what decoding needs (no Exif, comments, thumbnails). */
function withoutOtherSegments(header: Buffer): Buffer {
  const kept: Buffer[] = [header.subarray(0, 2)];
  let at = 2;
  while (at + 4 <= header.length) {
    const marker = header[at + 1]!;
    const end = at + 2 + header.readUInt16BE(at + 2);
    const application = (marker >= 0xe0 && marker <= 0xef) || marker === 0xfe;
    if (!application) kept.push(header.subarray(at, end));
    at = end;
  }
  return Buffer.concat(kept);
}

class BitWriter {
  private bytes: Uint8Array;
  private length = 0;
  private accumulator = 0;
  private bits = 0;

  constructor(capacity: number) {
    this.bytes = new Uint8Array(capacity + 1024);
  }

  writeDc(difference: number, table: HuffmanTable): boolean {
    const magnitude = Math.abs(difference);
    const size = magnitude === 0 ? 0 : 32 - Math.clz32(magnitude);
    if (table.lengths[size] === 0) return false; // the scanner's table has no code for it
    this.write(table.codes[size]!, table.lengths[size]!);
    // Negative differences are stored as difference - 1 in `size` bits (JPEG F.1.2.1).
    if (size > 0) this.write((difference < 0 ? difference - 1 : difference) & ((1 << size) - 1), size);
    return true;
  }

  /** Appends bits [from, to) of `data`: whole bytes at once once the output is byte-aligned. */
  copyBits(data: Uint8Array, from: number, to: number): void {
    let bit = from;
    const head = Math.min((8 - this.bits) & 7, to - bit);
    if (head > 0) {
      this.write(peek16(data, bit) >>> (16 - head), head);
      bit += head;
    }
    const whole = (to - bit) >>> 3;
    if (whole > 0) {
      this.reserve(whole);
      const shift = bit & 7;
      let at = bit >>> 3;
      if (shift === 0) this.bytes.set(data.subarray(at, at + whole), this.length);
      else {
        for (let i = this.length; i < this.length + whole; i += 1, at += 1) {
          this.bytes[i] = ((data[at]! << shift) | (data[at + 1]! >>> (8 - shift))) & 0xff;
        }
      }
      this.length += whole;
      bit += whole * 8;
    }
    if (to > bit) this.write(peek16(data, bit) >>> (16 - (to - bit)), to - bit);
  }

  private write(value: number, count: number): void {
    this.accumulator = ((this.accumulator << count) | value) >>> 0;
    this.bits += count;
    while (this.bits >= 8) {
      this.bits -= 8;
      this.push((this.accumulator >>> this.bits) & 0xff);
    }
    this.accumulator &= (1 << this.bits) - 1;
  }

  private push(byte: number): void {
    this.reserve(1);
    this.bytes[this.length++] = byte;
  }

  private reserve(count: number): void {
    if (this.length + count <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + count));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** The entropy-coded segment: padded with 1 bits, every 0xFF followed by 0x00. */
  stuffed(): Buffer {
    if (this.bits > 0) this.write((1 << (8 - this.bits)) - 1, 8 - this.bits);
    let ff = 0;
    for (let i = 0; i < this.length; i += 1) if (this.bytes[i] === 0xff) ff += 1;
    const out = Buffer.allocUnsafe(this.length + ff);
    let n = 0;
    for (let i = 0; i < this.length; i += 1) {
      out[n++] = this.bytes[i]!;
      if (this.bytes[i] === 0xff) out[n++] = 0;
    }
    return out;
  }
}
