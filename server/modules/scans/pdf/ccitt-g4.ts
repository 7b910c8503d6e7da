// A CCITT Group 4 (T.6) decoder for PDF CCITTFaxDecode streams (K < 0, no byte alignment), as
// copiers write bilevel scans. Rather than a bitmap it yields, per line, the changing elements
// (the positions where the colour changes), and adds the black runs straight into n × n cells, so
// a page comes out as a grey image reduced n times without the full-resolution pixels ever being
// stored. Anything that is not clean G4 for the declared size gives undefined, and the caller
// falls back to libvips, which is slower but tolerant of damaged data.

export interface G4Params {
  width: number;
  height: number;
  /** PDF BlackIs1: when true, 1 bits/runs of "black" mean white in the output: see below */
  blackIs1: boolean;
}

const MAX_SIDE = 20000;

/**
 * Decodes G4 data into a grey image reduced n times (n >= 1, integer), or undefined when the data
 * is not clean G4 for these dimensions (then the caller falls back to libvips). Never throws on
 * bad data; never loops forever; bounded work (stop when more than `height` lines decoded or the
 * data is exhausted early).
 *
 * The fax coding's black runs are black (0) in the output unless blackIs1 is true: then the
 * filter emits 1 for them, which DeviceGray with Decode [0 1] shows as white, so the image is
 * inverted. Each output pixel is the average of the (up to) n × n pixels it covers.
 */
export function decodeG4Reduced(
  data: Uint8Array,
  params: G4Params,
  n: number,
): { pixels: Buffer; width: number; height: number } | undefined {
  const { width, height, blackIs1 } = params;
  if (!validSide(width) || !validSide(height) || !Number.isInteger(n) || n < 1) return undefined;
  const decoder = new G4Decoder(data, width);
  const reducer = new BoxReducer(width, height, n, blackIs1);
  for (let y = 0; y < height; y += 1) {
    const count = decoder.decodeLine();
    if (count < 0) return undefined;
    reducer.addLine(decoder.line, count);
  }
  // The last codes may have been read from the zero bits supplied past the end of the data.
  if (decoder.overran()) return undefined;
  return reducer.result();
}

function validSide(size: number): boolean {
  return Number.isInteger(size) && size > 0 && size <= MAX_SIDE;
}

// ---------------------------------------------------------------------------------------------
// Code tables (ITU-T T.4 tables 1–3 and T.6 table 1), as bit strings, built once into lookup
// tables indexed by the next bits of the stream.

/** White terminating codes, for runs 0–63. */
const WHITE_TERMINATING =
  "00110101 000111 0111 1000 1011 1100 1110 1111 10011 10100 00111 01000 001000 000011 110100 110101 " +
  "101010 101011 0100111 0001100 0001000 0010111 0000011 0000100 0101000 0101011 0010011 0100100 0011000 " +
  "00000010 00000011 00011010 00011011 00010010 00010011 00010100 00010101 00010110 00010111 00101000 " +
  "00101001 00101010 00101011 00101100 00101101 00000100 00000101 00001010 00001011 01010010 01010011 " +
  "01010100 01010101 00100100 00100101 01011000 01011001 01011010 01011011 01001010 01001011 00110010 " +
  "00110011 00110100";
/** White make-up codes, for runs 64, 128, … 1728. */
const WHITE_MAKEUP =
  "11011 10010 010111 0110111 00110110 00110111 01100100 01100101 01101000 01100111 011001100 011001101 " +
  "011010010 011010011 011010100 011010101 011010110 011010111 011011000 011011001 011011010 011011011 " +
  "010011000 010011001 010011010 011000 010011011";
/** Black terminating codes, for runs 0–63. */
const BLACK_TERMINATING =
  "0000110111 010 11 10 011 0011 0010 00011 000101 000100 0000100 0000101 0000111 00000100 00000111 " +
  "000011000 0000010111 0000011000 0000001000 00001100111 00001101000 00001101100 00000110111 00000101000 " +
  "00000010111 00000011000 000011001010 000011001011 000011001100 000011001101 000001101000 000001101001 " +
  "000001101010 000001101011 000011010010 000011010011 000011010100 000011010101 000011010110 000011010111 " +
  "000001101100 000001101101 000011011010 000011011011 000001010100 000001010101 000001010110 000001010111 " +
  "000001100100 000001100101 000001010010 000001010011 000000100100 000000110111 000000111000 000000100111 " +
  "000000101000 000001011000 000001011001 000000101011 000000101100 000001011010 000001100110 000001100111";
/** Black make-up codes, for runs 64, 128, … 1728. */
const BLACK_MAKEUP =
  "0000001111 000011001000 000011001001 000001011011 000000110011 000000110100 000000110101 0000001101100 " +
  "0000001101101 0000001001010 0000001001011 0000001001100 0000001001101 0000001110010 0000001110011 " +
  "0000001110100 0000001110101 0000001110110 0000001110111 0000001010010 0000001010011 0000001010100 " +
  "0000001010101 0000001011010 0000001011011 0000001100100 0000001100101";
/** Extended make-up codes, the same for both colours, for runs 1792, 1856, … 2560. */
const EXTENDED_MAKEUP =
  "00000001000 00000001100 00000001101 000000010010 000000010011 000000010100 000000010101 000000010110 " +
  "000000010111 000000011100 000000011101 000000011110 000000011111";

// Two-dimensional modes. A vertical mode's kind is V0 plus its offset (VL3 = V0 - 3 … VR3 = V0 + 3).
const PASS = 1;
const HORIZONTAL = 2;
const V0 = 6;
const MODE_CODES: [string, number][] = [
  ["0001", PASS],
  ["001", HORIZONTAL],
  ["1", V0],
  ["011", V0 + 1],
  ["000011", V0 + 2],
  ["0000011", V0 + 3],
  ["010", V0 - 1],
  ["000010", V0 - 2],
  ["0000010", V0 - 3],
];

// Lookup tables are indexed by the next `bits` bits. An entry is (value << 4) | code length, or 0
// where no code starts with those bits (the 0 bits past the end of the data land there too).
const MODE_BITS = 7;
const WHITE_BITS = 12;
const BLACK_BITS = 13;

const MODES = lookupTable(MODE_BITS, MODE_CODES);
const WHITE_RUNS = lookupTable(WHITE_BITS, runCodes(WHITE_TERMINATING, WHITE_MAKEUP));
const BLACK_RUNS = lookupTable(BLACK_BITS, runCodes(BLACK_TERMINATING, BLACK_MAKEUP));

/** Pairs each code with its run length: terminating codes 0–63, then make-up codes by 64. */
function runCodes(terminating: string, makeup: string): [string, number][] {
  return [
    ...terminating.split(" ").map((code, run): [string, number] => [code, run]),
    ...makeup.split(" ").map((code, i): [string, number] => [code, 64 * (i + 1)]),
    ...EXTENDED_MAKEUP.split(" ").map((code, i): [string, number] => [code, 1792 + 64 * i]),
  ];
}

function lookupTable(bits: number, codes: [string, number][]): Uint16Array {
  const table = new Uint16Array(1 << bits);
  for (const [code, value] of codes) {
    const spare = bits - code.length;
    const first = parseInt(code, 2) << spare;
    for (let i = first; i < first + (1 << spare); i += 1) {
      // A typo in the code lists would make two codes overlap: fail at load, not on some page.
      if (table[i] !== 0) throw new Error(`CCITT code ${code} overlaps another code`);
      table[i] = (value << 4) | code.length;
    }
  }
  return table;
}

// ---------------------------------------------------------------------------------------------
// Decoding.

/**
 * Decodes one line at a time into `line`: line[i] is where run i ends, even runs white and odd
 * runs black, the first (white) run possibly empty; the last entry is the width. The previous
 * line, kept the same way, is the reference line of two-dimensional coding.
 */
class G4Decoder {
  /** The line just decoded. */
  line: Int32Array;
  private reference: Int32Array;
  /** Index of the last run of the line being decoded. */
  private last = 0;
  // Bit reader: the next bits of the stream, left-aligned in a 32-bit word.
  private word = 0;
  private available = 0;
  private nextByte = 0;

  constructor(
    private readonly data: Uint8Array,
    private readonly width: number,
  ) {
    // At most width + 1 runs, then the two end markers.
    this.line = new Int32Array(width + 3);
    this.reference = new Int32Array(width + 3);
    // The first line's reference is an imaginary white line: one white run to the end.
    this.line[0] = width;
    this.endLine(0);
  }

  /** True when decoding used bits past the end of the data. */
  overran(): boolean {
    return this.nextByte * 8 - this.available > this.data.length * 8;
  }

  /** Decodes the next line; returns the index of its last run, or -1 on invalid data. */
  decodeLine(): number {
    const previous = this.line;
    this.line = this.reference;
    this.reference = previous;
    const ref = this.reference;
    const width = this.width;
    // b1 is ref[r]: the first changing element right of a0 whose colour is the opposite of a0's.
    // Run ends alternate colours, so r has the parity of the current colour and only moves
    // forward (except one step back after a VL code, whose a1 lies before b1).
    let r = 0;
    let colour = 0;
    // a0 is where the line has been decoded up to. At the start it is the imaginary pixel before
    // the line (so b1 may be 0), counted as 0 for run lengths.
    this.line[0] = 0;
    this.last = 0;
    while (this.line[this.last]! < width) {
      const mode = this.readMode();
      if (mode >= V0 - 3) {
        // Vertical, the most common mode: a1 is b1 shifted by at most 3; the colour changes there.
        if (!this.paint(ref[r]! + mode - V0, colour)) return -1;
        colour ^= 1;
        r = mode < V0 && r > 0 ? r - 1 : r + 1;
        r = this.nextB1(r);
      } else if (mode === PASS) {
        // The current colour extends to b2, below which a0 moves; b1 becomes the next pair's.
        if (!this.paint(ref[r + 1]!, colour)) return -1;
        r += 2;
      } else if (mode === HORIZONTAL) {
        // Two runs coded as lengths: a0a1 in the current colour, then a1a2 in the other one.
        const first = this.readRun(colour);
        const second = this.readRun(colour ^ 1);
        if (first < 0 || second < 0) return -1;
        const a1 = this.line[this.last]! + first;
        if (!this.paint(a1, colour) || !this.paint(a1 + second, colour ^ 1)) return -1;
        r = this.nextB1(r);
      } else {
        // Not a mode code: bad data, an extension (uncompressed mode) or an early EOFB.
        return -1;
      }
    }
    return this.endLine(this.last);
  }

  /**
   * Paints the line up to x (exclusive) in `colour`: the current run grows when it has that
   * colour, otherwise a new run starts. An empty run changes nothing (the runs either side
   * merge), as libtiff and pdf.js also decode it. Going back or past the width is invalid.
   */
  private paint(x: number, colour: number): boolean {
    const line = this.line;
    const a0 = line[this.last]!;
    if (x > a0) {
      if (x > this.width) return false;
      if ((this.last & 1) !== colour) this.last += 1;
      line[this.last] = x;
      return true;
    }
    return x === a0;
  }

  /** Moves r forward to the first run end of the same parity beyond a0 (or to the line's end). */
  private nextB1(r: number): number {
    const ref = this.reference;
    const a0 = this.line[this.last]!;
    const width = this.width;
    while (ref[r]! <= a0 && ref[r]! < width) r += 2;
    return r;
  }

  /**
   * Adds two end markers after the line's last run (which ends at the width), so that as a
   * reference line it always has a b1 and a b2: at the width once no changing element is left.
   */
  private endLine(last: number): number {
    const line = this.line;
    line[last + 1] = this.width;
    line[last + 2] = this.width;
    return last;
  }

  /** The next mode code's kind (0 when the bits are no mode code). */
  private readMode(): number {
    if (this.available < MODE_BITS) this.refill();
    const entry = MODES[this.word >>> (32 - MODE_BITS)]!;
    this.skip(entry & 15);
    return entry >> 4;
  }

  /** A run length: make-up codes (64 or more) followed by a terminating code; -1 if invalid. */
  private readRun(colour: number): number {
    const table = colour === 0 ? WHITE_RUNS : BLACK_RUNS;
    const bits = colour === 0 ? WHITE_BITS : BLACK_BITS;
    let run = 0;
    for (;;) {
      if (this.available < BLACK_BITS) this.refill();
      const entry = table[this.word >>> (32 - bits)]!;
      if (entry === 0) return -1;
      this.skip(entry & 15);
      const length = entry >> 4;
      run += length;
      if (length < 64) return run;
      // Longer than a line: invalid, and stops a stream of make-up codes early.
      if (run > this.width) return -1;
    }
  }

  /** Tops the word up to at least 25 bits; past the end of the data, with 0 bits. */
  private refill(): void {
    const data = this.data;
    while (this.available <= 24) {
      const byte = this.nextByte < data.length ? data[this.nextByte]! : 0;
      this.word |= byte << (24 - this.available);
      this.nextByte += 1;
      this.available += 8;
    }
  }

  private skip(bits: number): void {
    this.word <<= bits;
    this.available -= bits;
  }
}

// ---------------------------------------------------------------------------------------------
// Reduction.

/**
 * Counts the black pixels of each n × n cell from the lines' black runs, and turns each band of n
 * lines into an output row. Cells on the right and bottom edges may cover fewer pixels: their
 * average is over the pixels they cover. Only the cells that some black run touched are computed;
 * the rest of the output is already white.
 */
class BoxReducer {
  private readonly pixels: Buffer;
  private readonly outWidth: number;
  private readonly black: Uint32Array;
  // Cells touched since the last output row (lowest > highest: none).
  private lowest: number;
  private highest = -1;
  private linesInBand = 0;
  private row = 0;
  private readonly levels: Uint8Array | undefined;
  /** The cell of each x. */
  private readonly cellOf: Int32Array;

  constructor(
    private readonly width: number,
    private readonly height: number,
    private readonly n: number,
    private readonly blackIs1: boolean,
  ) {
    this.outWidth = Math.ceil(width / n);
    this.pixels = Buffer.alloc(this.outWidth * Math.ceil(height / n), blackIs1 ? 0 : 255);
    this.black = new Uint32Array(this.outWidth);
    this.lowest = this.outWidth;
    this.cellOf = Int32Array.from({ length: width }, (_, x) => Math.floor(x / n));
    // A table of levels for whole cells, unless cells are so large that it would cost more than
    // it saves.
    if (n <= 64) this.levels = Uint8Array.from({ length: n * n + 1 }, (_, count) => greyLevel(count, n * n, blackIs1));
  }

  /** Adds a line's black runs (the odd runs of `line`, up to run `last`). */
  addLine(line: Int32Array, last: number): void {
    if (last > 0) {
      const n = this.n;
      const black = this.black;
      const cellOf = this.cellOf;
      for (let i = 1; i <= last; i += 2) {
        const start = line[i - 1]!;
        const end = line[i]!;
        const first = cellOf[start]!;
        const final = cellOf[end - 1]!;
        if (first === final) {
          black[first]! += end - start;
        } else {
          // Partial first cell, whole cells, partial last cell.
          black[first]! += (first + 1) * n - start;
          for (let cell = first + 1; cell < final; cell += 1) black[cell]! += n;
          black[final]! += end - final * n;
        }
      }
      // Runs come in order: the first black run starts the touched span, the last one ends it.
      this.lowest = Math.min(this.lowest, cellOf[line[0]!]!);
      this.highest = Math.max(this.highest, cellOf[line[last - ((last & 1) ^ 1)]! - 1]!);
    }
    this.linesInBand += 1;
    if (this.linesInBand === this.n || this.row * this.n + this.linesInBand === this.height) this.emitRow();
  }

  result(): { pixels: Buffer; width: number; height: number } {
    return { pixels: this.pixels, width: this.outWidth, height: Math.ceil(this.height / this.n) };
  }

  private emitRow(): void {
    if (this.lowest <= this.highest) {
      const n = this.n;
      const rows = this.linesInBand;
      const at = this.row * this.outWidth;
      const pixels = this.pixels;
      const black = this.black;
      // The last cell is narrower when n does not divide the width: it is done on its own.
      const edgeWidth = this.width - (this.outWidth - 1) * n;
      const end = edgeWidth < n ? Math.min(this.highest, this.outWidth - 2) : this.highest;
      // Every band but perhaps the last is n lines high: then the levels come from a table.
      const table = rows === n ? this.levels : undefined;
      if (table) {
        for (let cell = this.lowest; cell <= end; cell += 1) {
          pixels[at + cell] = table[black[cell]!]!;
          black[cell] = 0;
        }
      } else {
        for (let cell = this.lowest; cell <= end; cell += 1) {
          pixels[at + cell] = greyLevel(black[cell]!, n * rows, this.blackIs1);
          black[cell] = 0;
        }
      }
      if (end < this.highest) {
        const cell = this.outWidth - 1;
        pixels[at + cell] = greyLevel(black[cell]!, edgeWidth * rows, this.blackIs1);
        black[cell] = 0;
      }
    }
    this.lowest = this.outWidth;
    this.highest = -1;
    this.linesInBand = 0;
    this.row += 1;
  }
}

/** round(255 × the white share of a cell of `area` pixels), halves up, in integers (inverted with blackIs1). */
function greyLevel(black: number, area: number, blackIs1: boolean): number {
  const share = blackIs1 ? black : area - black;
  return Math.floor((510 * share + area) / (2 * area));
}
