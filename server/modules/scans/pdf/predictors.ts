// Undoing the FlateDecode predictors (PDF 32000-1 §7.4.4.4): PNG filters chosen per row
// (Predictor ≥ 10) and TIFF Predictor 2 for 8-bit samples.

/**
 * PNG predictors: each row is one filter-type byte then `rowBytes` filtered bytes; `bpp` is the
 * number of bytes per pixel (at least 1). Undefined when the data is short or a filter is unknown.
 */
export function undoPngPredictor(data: Uint8Array, rows: number, rowBytes: number, bpp: number): Buffer | undefined {
  if (data.length < rows * (rowBytes + 1)) return undefined;
  const out = Buffer.allocUnsafe(rows * rowBytes);
  const zero = new Uint8Array(rowBytes);
  for (let y = 0; y < rows; y += 1) {
    const filter = data[y * (rowBytes + 1)];
    const src = data.subarray(y * (rowBytes + 1) + 1, (y + 1) * (rowBytes + 1));
    const row = out.subarray(y * rowBytes, (y + 1) * rowBytes);
    const up = y === 0 ? zero : out.subarray((y - 1) * rowBytes, y * rowBytes);
    if (!unfilterRow(filter ?? -1, src, row, up, bpp)) return undefined;
  }
  return out;
}

function unfilterRow(filter: number, src: Uint8Array, row: Uint8Array, up: Uint8Array, bpp: number): boolean {
  const n = row.length;
  switch (filter) {
    case 0:
      row.set(src);
      return true;
    case 1:
      for (let i = 0; i < n; i += 1) row[i] = (src[i]! + (i >= bpp ? row[i - bpp]! : 0)) & 0xff;
      return true;
    case 2:
      for (let i = 0; i < n; i += 1) row[i] = (src[i]! + up[i]!) & 0xff;
      return true;
    case 3:
      for (let i = 0; i < n; i += 1) row[i] = (src[i]! + (((i >= bpp ? row[i - bpp]! : 0) + up[i]!) >> 1)) & 0xff;
      return true;
    case 4:
      for (let i = 0; i < n; i += 1) {
        const a = i >= bpp ? row[i - bpp]! : 0;
        const c = i >= bpp ? up[i - bpp]! : 0;
        row[i] = (src[i]! + paeth(a, up[i]!, c)) & 0xff;
      }
      return true;
    default:
      return false;
  }
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  return pb <= pc ? b : c;
}

/** TIFF Predictor 2 on 8-bit samples: each sample is stored as the difference from its left neighbour. */
export function undoTiffPredictor(data: Buffer, rows: number, rowBytes: number, colors: number): Buffer {
  for (let y = 0; y < rows; y += 1) {
    const start = y * rowBytes;
    for (let i = start + colors; i < start + rowBytes; i += 1) data[i] = (data[i]! + data[i - colors]!) & 0xff;
  }
  return data;
}
