// Cuts a greyscale baseline JPEG into its left and right halves without decoding it, the way
// `jpegtran -crop` does: the halves keep the scanner's own DCT coefficients (no generation loss)
// and cost a Huffman parse instead of a decode and two encodes. Only the DC coefficient of the
// first block of each row of a half changes (it is coded as a difference from the block before);
// every other bit is copied.
import { peek16, type GreyJpeg, type HuffmanTable } from "./jpeg-parse.js";

export interface JpegPart {
  jpeg: Buffer;
  width: number;
}

/**
 * The left and right parts of a parsed JPEG, cut on the block boundary nearest its middle (at
 * most 4 pixels off: half a millimetre at 200 dpi, well within where a sheet lies on the
 * scanner), or undefined when the JPEG's own tables cannot code the cut.
 */
export function splitJpegHalves(parsed: GreyJpeg): [JpegPart, JpegPart] | undefined {
  const cutBlocks = Math.round(parsed.width / 16);
  const cut = cutBlocks * 8;
  if (cutBlocks === 0 || cut >= parsed.width) return undefined;
  // Each part ends where the image or the cut does: decoders crop the last block column to
  // the width in the frame header.
  const shape = { blocksPerRow: parsed.blocksPerRow, rows: parsed.rows };
  const left = writeHalf(parsed, cut, { ...shape, first: 0, count: cutBlocks });
  const right = writeHalf(parsed, parsed.width - cut, { ...shape, first: cutBlocks, count: parsed.blocksPerRow - cutBlocks });
  return left && right ? [{ jpeg: left, width: cut }, { jpeg: right, width: parsed.width - cut }] : undefined;
}

interface Columns {
  first: number;
  count: number;
  blocksPerRow: number;
  rows: number;
}

function writeHalf(parsed: GreyJpeg, width: number, columns: Columns): Buffer | undefined {
  const { blocks, data } = parsed;
  const out = new BitWriter(data.length);
  let previousDc = 0;
  for (let row = 0; row < columns.rows; row += 1) {
    const first = row * columns.blocksPerRow + columns.first;
    const last = first + columns.count - 1;
    // The row's first block follows a different block than in the source: its DC difference
    // is coded anew; the rest of the row is copied bit for bit.
    if (!out.writeDc(blocks.dc[first]! - previousDc, parsed.dcTable)) return undefined;
    out.copyBits(data, blocks.acStart[first]!, blocks.end[last]!);
    previousDc = blocks.dc[last]!;
  }
  const header = Buffer.from(parsed.jpeg.subarray(0, parsed.dataStart));
  header.writeUInt16BE(width, parsed.widthAt);
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
