// Objects in an S3-compatible bucket (MinIO, Garage, Ceph in an académie): what lets several API
// and worker machines share files. Objects are private; the API streams them to the browser.
// S3 makes every PUT atomic (an object is there whole or not at all), and a multipart upload
// that fails is aborted, so no reader ever sees half a file.
import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { rm } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  CopyObjectCommand, DeleteObjectCommand, DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { checkKey, checkPrefix, isKey, StoredFileMissingError, type FileStore, type StoredObject, type StoredStream } from "./file-store.js";

export interface S3Settings {
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
}

// A streamed upload holds at most PART_SIZE × PARTS_IN_FLIGHT bytes in memory, whatever the file's size.
const PART_SIZE = 8 * 1024 * 1024;
const PARTS_IN_FLIGHT = 4;
const COPIES_IN_FLIGHT = 8;

const notFound = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
const folderOf = (prefix: string) => (prefix === "" ? "" : `${prefix}/`);

export class S3FileStore implements FileStore {
  readonly driver = "s3";
  private readonly client: S3Client;
  private readonly bucket: string;

  constructor(settings: S3Settings) {
    this.bucket = settings.bucket;
    this.client = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      // Recent SDKs add CRC checksums to every request, which many S3-compatible servers refuse.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  async put(key: string, body: Uint8Array | Readable): Promise<void> {
    checkKey(key);
    if (body instanceof Readable) await this.upload(key, body);
    else await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body }));
  }

  async putFile(key: string, file: string): Promise<void> {
    checkKey(key);
    await this.upload(key, createReadStream(file));
    await rm(file, { force: true });
  }

  /** Parts are sent as the stream is read (multipart beyond one part); a failure aborts the upload. */
  private async upload(key: string, body: Readable): Promise<void> {
    try {
      await new Upload({ client: this.client, params: { Bucket: this.bucket, Key: key, Body: body }, partSize: PART_SIZE, queueSize: PARTS_IN_FLIGHT }).done();
    } finally {
      body.destroy();
    }
  }

  async stream(key: string): Promise<StoredStream> {
    const object = await this.get(key);
    return { body: object.body, size: object.size, etag: object.etag, lastModified: object.lastModified };
  }

  private async get(key: string) {
    const output = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: checkKey(key) })).catch((error: unknown) => {
      throw notFound(error) ? new StoredFileMissingError(key) : error;
    });
    if (!(output.Body instanceof Readable)) throw new Error(`S3 answered without a body stream for ${key}`);
    return { body: output.Body, size: output.ContentLength ?? 0, etag: output.ETag, lastModified: output.LastModified };
  }

  async read(key: string): Promise<Buffer> {
    const { body } = await this.get(key);
    const chunks: Buffer[] = [];
    for await (const chunk of body) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  async stat(key: string): Promise<{ size: number } | null> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }));
      return { size: head.ContentLength ?? 0 };
    } catch (error) {
      if (notFound(error)) return null;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: checkKey(key) }));
  }

  async removePrefix(prefix: string): Promise<void> {
    checkKey(prefix);
    for await (const page of this.pages(prefix)) await this.removeKeys(page.map((o) => o.key));
  }

  private async removeKeys(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    const result = await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
    const failed = result.Errors ?? [];
    if (failed.length > 0) throw new Error(`S3 could not delete ${failed.length} object(s), the first ${failed[0]!.Key ?? "?"}: ${failed[0]!.Code ?? "?"}`);
  }

  /** A copy of each object on the server side, then the originals removed: no byte goes through this process. */
  async movePrefix(from: string, to: string): Promise<void> {
    checkKey(to);
    const keys: string[] = [];
    for await (const object of this.list(from)) keys.push(object.key);
    if (keys.length === 0) return;
    await this.removePrefix(to);
    for (let i = 0; i < keys.length; i += COPIES_IN_FLIGHT) {
      await Promise.all(keys.slice(i, i + COPIES_IN_FLIGHT).map((key) => this.client.send(new CopyObjectCommand({
        Bucket: this.bucket, Key: `${to}${key.slice(from.length)}`, CopySource: `${this.bucket}/${key.split("/").map(encodeURIComponent).join("/")}`,
      }))));
    }
    for (let i = 0; i < keys.length; i += 1000) await this.removeKeys(keys.slice(i, i + 1000));
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    for await (const page of this.pages(checkPrefix(prefix))) yield* page.filter((o) => isKey(o.key));
  }

  /** The objects under a folder, one listing page (up to 1,000) at a time. */
  private async *pages(prefix: string): AsyncIterable<StoredObject[]> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folderOf(prefix), ContinuationToken: token }));
      yield (page.Contents ?? []).flatMap((o) => (o.Key ? [{ key: o.Key, size: o.Size ?? 0 }] : []));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async localPath(key: string, folder: string): Promise<string> {
    const { body } = await this.get(key);
    const file = path.join(folder, `${randomUUID()}${path.extname(key)}`);
    await pipeline(body, createWriteStream(file));
    return file;
  }
}
