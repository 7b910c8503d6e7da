// Page images are never public: each request is checked, then the file is either streamed
// (development) or handed to nginx with X-Accel-Redirect so Node never streams big files.
// Objects in S3-compatible storage are streamed through the API (nginx cannot reach a private
// bucket, and a public URL would outlive the check): MEDIA_X_ACCEL has no effect there.
import path from "node:path";
import { pipeline } from "node:stream/promises";
import type { Response } from "express";
import { z } from "zod";
import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { staffOf } from "../../lib/auth/principal.js";
import { checkKey, LocalFileStore } from "../../lib/storage.js";
import { pageImagePath, type PageImageKind } from "./service.js";

const Params = z.object({ id: z.uuid() });
const CACHE_CONTROL = "private, max-age=300";
const ACCEL_PREFIX = "/_protected/";

export interface SendOptions {
  /** A student's graded copy, for one, must stay in no cache at all. */
  cacheControl?: string;
  /** Set only once the file is found: an error answer keeps the API's own (its framing rule, say). */
  headers?: Record<string, string>;
}

/** Sends a stored file the caller was checked for (through nginx when configured). */
export async function sendStoredFile(ctx: AppContext, res: Response, key: string, options: SendOptions = {}): Promise<void> {
  const { files } = ctx;
  const headers = { "Cache-Control": options.cacheControl ?? CACHE_CONTROL, ...options.headers };
  if (!(files instanceof LocalFileStore)) return streamStoredFile(ctx, res, key, headers);
  if (ctx.config.MEDIA_X_ACCEL) {
    const target = ACCEL_PREFIX + checkKey(key).split("/").map(encodeURIComponent).join("/");
    res.set({ ...headers, "X-Accel-Redirect": target }).type(path.extname(key)).end();
    return;
  }
  await new Promise<void>((resolve, reject) =>
    res.sendFile(files.pathOf(key), { cacheControl: false, headers }, (err) => (err ? reject(err) : resolve())),
  );
}

/** The object's bytes through the API, with the headers sendFile gives (a browser's cached copy is revalidated by ETag). */
async function streamStoredFile(ctx: AppContext, res: Response, key: string, headers: Record<string, string>): Promise<void> {
  const file = await ctx.files.stream(key);
  res.set(headers);
  if (file.etag) res.setHeader("ETag", file.etag);
  if (file.lastModified) res.setHeader("Last-Modified", file.lastModified.toUTCString());
  if (res.req.fresh) {
    file.body.destroy();
    res.status(304).end();
    return;
  }
  res.type(path.extname(key)).setHeader("Content-Length", file.size);
  // Once bytes are sent, a failure (the browser went away) can only cut the response short.
  await pipeline(file.body, res).catch((error: Error) => res.req.log.warn({ err: error.message, key }, "stored file download interrupted"));
}

export function mediaRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();

  for (const kind of ["image", "thumb"] as PageImageKind[]) {
    routes.get(`/:id/${kind}`, allow("ADMIN", "TEACHER"), async (req, res) => {
      const { id } = parse(Params, req.params);
      await sendStoredFile(ctx, res, await pageImagePath(ctx.db, staffOf(req), id, kind));
    });
  }
  return routes;
}
