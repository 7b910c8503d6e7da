// Public shapes of the scan-page library (re-exported by page-images.ts) and the resolved options.
export type Half = "FULL" | "LEFT" | "RIGHT";

export interface WebImage {
  image: Buffer;
  imageFormat: "jpeg";
  thumb: Buffer;
  thumbFormat: "jpeg";
  width: number;
  height: number;
  nearBlank: boolean;
}

export type Rotation = 0 | 90 | 180 | 270;

export interface ScanPageResult {
  /** Which path produced the images. */
  source: "jpeg-passthrough" | "jpeg" | "ccitt" | "flate" | "render";
  /** Visible page size in points, after /Rotate. */
  widthPt: number;
  heightPt: number;
  /** The page's /Rotate, normalised; already applied to the images. */
  rotate: Rotation;
  /** FULL when split is "none"; LEFT and RIGHT when split is "halves". */
  images: Partial<Record<Half, WebImage>>;
}

export interface ScanPageOptions {
  /** "halves": cut the upright page into its left and right halves (an A3 sheet into two A4 pages). */
  split: "none" | "halves";
  /** Long side of each page image, downscale only. Default 2000. */
  maxLongSide?: number;
  /** Long side of each thumbnail. Default 300. */
  thumbLongSide?: number;
  /** Default 80. */
  jpegQuality?: number;
  /** Images declaring more pixels are refused (decompression bombs). Default 80e6. */
  maxPixels?: number;
  /** Bound on any inflated stream. Default 256 MiB. */
  maxInflatedBytes?: number;
}

export type ResolvedOptions = Required<ScanPageOptions>;
