// Reads what matters about an embedded JPEG from its markers, without decoding it.

export interface JpegInfo {
  width: number;
  height: number;
  components: number;
  precision: number;
  /** Baseline, extended or progressive Huffman: what every browser displays. */
  browserSafe: boolean;
  /** An Exif block may carry an orientation that browsers apply and PDF readers ignore. */
  exif: boolean;
}

// SOF markers: C0–CF except DHT (C4), JPG (C8) and DAC (CC).
const SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

export function readJpegInfo(data: Uint8Array): JpegInfo | undefined {
  if (data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let exif = false;
  let i = 2;
  while (i + 4 <= data.length) {
    if (data[i] !== 0xff) return undefined;
    const marker = data[i + 1]!;
    if (marker === 0xff) {
      i += 1; // fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      i += 2; // standalone markers
      continue;
    }
    const length = (data[i + 2]! << 8) | data[i + 3]!;
    const segment = data.subarray(i + 4, i + 2 + length);
    if (marker === 0xe1 && Buffer.from(segment.subarray(0, 4)).toString("latin1") === "Exif") exif = true;
    if (SOF.has(marker) && segment.length >= 6) {
      return {
        precision: segment[0]!,
        height: (segment[1]! << 8) | segment[2]!,
        width: (segment[3]! << 8) | segment[4]!,
        components: segment[5]!,
        browserSafe: marker <= 0xc2,
        exif,
      };
    }
    if (marker === 0xda || marker === 0xd9) return undefined; // scan or end before any frame header
    i += 2 + length;
  }
  return undefined;
}
