// Receives uploaded files as a stream straight to disk (never whole in memory), hashing
// them on the way; anything over the limits is refused and nothing is left behind.
import { createHash, randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import path from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import busboy from "busboy";
import type { Request } from "express";
import { InvalidError, PayloadTooLargeError, UnsupportedMediaError } from "../../lib/errors.js";

export interface ReceivedFile {
  path: string;
  name: string;
  size: number;
  sha256: string;
}

export interface UploadLimits {
  maxBytes: number;
  maxFiles: number;
}

/** Room in a request for the multipart boundaries and part headers around the files (nginx/render.ts allows the same). */
export const MULTIPART_ALLOWANCE_BYTES = 1024 * 1024;

const megabytes = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} Mo`;
const tooLarge = (limits: UploadLimits) => new PayloadTooLargeError(`Le fichier dépasse la taille maximale acceptée (${megabytes(limits.maxBytes)}).`, "FILE_TOO_LARGE");

/** Streams every file part of a multipart request into `dir` (which the caller removes). */
export function receiveFiles(req: Request, dir: string, limits: UploadLimits): Promise<ReceivedFile[]> {
  if (!req.is("multipart/form-data")) {
    return Promise.reject(new UnsupportedMediaError("Envoyez le fichier en multipart/form-data (champ « file »).", "MULTIPART_EXPECTED"));
  }
  if (Number(req.headers["content-length"] ?? 0) > limits.maxBytes + MULTIPART_ALLOWANCE_BYTES) return Promise.reject(tooLarge(limits));

  return new Promise((resolve, reject) => {
    const files: Promise<ReceivedFile>[] = [];
    let total = 0;
    let failure: Error | undefined;
    const fail = (error: Error) => (failure ??= error);
    const parser = busboy({ headers: req.headers, limits: { fileSize: limits.maxBytes, files: limits.maxFiles, fields: 20 } });
    let abandoned = false;
    /** Stops parsing, drops the rest of the body, and answers once every file has settled. */
    const abandon = (error: Error) => {
      fail(error);
      if (abandoned) return;
      abandoned = true;
      req.unpipe(parser);
      req.resume();
      void Promise.allSettled(files).then(() => reject(failure!));
    };

    parser.on("file", (_field, stream, info) => {
      const target = path.join(dir, randomUUID());
      const hash = createHash("sha256");
      let size = 0;
      // Past the limit the rest is read and dropped: the request must be consumed to the end
      // for the parser to finish and the refusal to reach the client.
      const meter = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          total += chunk.length;
          if (total > limits.maxBytes) {
            fail(tooLarge(limits));
            return done();
          }
          hash.update(chunk);
          done(null, chunk);
        },
      });
      stream.on("limit", () => fail(tooLarge(limits)));
      const name = path.basename(Buffer.from(info.filename ?? "scan.pdf", "latin1").toString("utf8")) || "scan.pdf";
      const written = pipeline(stream, meter, createWriteStream(target)).then(() => ({ path: target, name, size, sha256: hash.digest("hex") }));
      files.push(written);
      // A write that fails (the disk full) destroys the part's stream, and busboy then waits for
      // ever for it to be read: the request hung. Give up at once instead.
      written.catch(abandon);
    });
    parser.on("filesLimit", () => fail(new PayloadTooLargeError(`Trop de fichiers dans un même envoi (au plus ${limits.maxFiles}).`, "TOO_MANY_FILES")));
    // A malformed part stops the parser without a "close": drop the rest of the body and answer.
    parser.on("error", (error: Error) => abandon(new InvalidError(`Envoi illisible : ${error.message}`, undefined, "MALFORMED_UPLOAD")));
    parser.on("close", () => {
      Promise.allSettled(files).then((results) => {
        const rejected = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
        const error = failure ?? (rejected?.reason as Error | undefined);
        if (error) return reject(error);
        const received = results.map((r) => (r as PromiseFulfilledResult<ReceivedFile>).value);
        if (received.length === 0) return reject(new InvalidError("Aucun fichier reçu : choisissez le PDF à envoyer.", undefined, "NO_FILE"));
        resolve(received);
      });
    });
    // A client that disconnects mid-upload never lets the parser close: give up at once.
    req.on("close", () => {
      if (!req.complete) reject(new InvalidError("L'envoi a été interrompu.", undefined, "UPLOAD_ABORTED"));
    });
    req.pipe(parser);
  });
}
