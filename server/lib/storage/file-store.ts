// What every file store offers (local disk or S3-compatible object storage). Keys are the paths
// rows store ("scans/<school>/<batch>.pdf"): the same key names the same file whatever the driver.
import type { Readable } from "node:stream";
import type { Scratch } from "./scratch.js";

/** An object asked for is not there: one error, whatever the driver. */
export class StoredFileMissingError extends Error {
  constructor(readonly key: string) {
    super(`Stored file not found: ${key}`);
  }
}

export class InvalidKeyError extends Error {
  constructor(readonly key: string, reason = "not a storage key") {
    super(`Invalid storage key (${reason}): ${key}`);
  }
}

export interface StoredObject {
  key: string;
  size: number;
}

export interface StoredStream {
  body: Readable;
  size: number;
  /** The object's entity tag (S3): lets a browser revalidate its cached copy. */
  etag?: string;
  lastModified?: Date;
}

export interface FileStore {
  readonly driver: "local" | "s3";
  /**
   * Stores bytes, or a stream's content, under `key`: a reader sees the whole object or none,
   * and a stream that fails leaves nothing. The local driver writes first to `scratch`.
   */
  put(key: string, body: Uint8Array | Readable, scratch: Scratch): Promise<void>;
  /** Moves a finished local file (in a scratch folder) to `key`: renamed (local) or uploaded, then removed (S3). */
  putFile(key: string, file: string): Promise<void>;
  /** Throws StoredFileMissingError when there is no such object. */
  stream(key: string): Promise<StoredStream>;
  /** Throws StoredFileMissingError when there is no such object. */
  read(key: string): Promise<Buffer>;
  stat(key: string): Promise<{ size: number } | null>;
  exists(key: string): Promise<boolean>;
  /** Removes an object; one already gone is not an error. */
  remove(key: string): Promise<void>;
  /** Removes every object under the folder `prefix`. */
  removePrefix(prefix: string): Promise<void>;
  /** Moves every object under the folder `from` to the folder `to`, replacing what `to` held; nothing under `from`: nothing done. */
  movePrefix(from: string, to: string): Promise<void>;
  /** The objects under the folder `prefix` ("" for all), in key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /**
   * A local file a tool (qpdf, sharp, tesseract) can read: the stored file itself (local driver,
   * no copy), or a copy downloaded into `folder`, a scratch folder the caller removes (S3).
   * Throws StoredFileMissingError when there is no such object.
   */
  localPath(key: string, folder: string): Promise<string>;
}

const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_KEY_LENGTH = 512;

/**
 * Refuses anything but "folder/folder/name" made of plain names: no "..", no absolute path, no
 * empty or hidden segment, and nothing under tmp/, the local scratch space that is never stored.
 */
export function checkKey(key: string): string {
  if (!isKey(key)) throw new InvalidKeyError(key);
  return key;
}

export function isKey(key: string): boolean {
  const segments = key.split("/");
  return key.length <= MAX_KEY_LENGTH && segments.every((s) => SEGMENT.test(s)) && segments[0] !== "tmp";
}

/** A folder prefix: a key, or "" for the whole store. */
export function checkPrefix(prefix: string): string {
  return prefix === "" ? prefix : checkKey(prefix);
}
