// Page images are never public: each request is checked, then the file is either streamed
// (development) or handed to nginx with X-Accel-Redirect so Node never streams big files.
import path from "node:path";
import type { Response } from "express";
import { z } from "zod";
import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { staffOf } from "../../lib/auth/principal.js";
import { Storage } from "../../lib/storage.js";
import { pageImagePath, type PageImageKind } from "./service.js";

const Params = z.object({ id: z.uuid() });
const CACHE_CONTROL = "private, max-age=300";
const ACCEL_PREFIX = "/_protected/";

/**
 * Sends a file of DATA_DIR the caller was checked for (through nginx when configured).
 * `cacheControl`: a student's graded copy, for one, must stay in no cache at all.
 */
export async function sendStoredFile(ctx: AppContext, res: Response, relative: string, cacheControl = CACHE_CONTROL): Promise<void> {
  if (ctx.config.MEDIA_X_ACCEL) {
    res.setHeader("Cache-Control", cacheControl);
    res.setHeader("X-Accel-Redirect", ACCEL_PREFIX + relative.split(path.sep).map(encodeURIComponent).join("/"));
    res.type(path.extname(relative)).end();
    return;
  }
  const storage = new Storage(ctx.config.DATA_DIR);
  await new Promise<void>((resolve, reject) =>
    res.sendFile(storage.abs(relative), { cacheControl: false, headers: { "Cache-Control": cacheControl } }, (err) => (err ? reject(err) : resolve())),
  );
}

export function mediaRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();

  for (const kind of ["image", "thumb"] as PageImageKind[]) {
    routes.get(`/:id/${kind}`, allow("ADMIN", "TEACHER"), async (req, res) => {
      const { id } = parse(Params, req.params);
      await sendStoredFile(ctx, res, await pageImagePath(ctx.db, staffOf(req).schoolId, id, kind));
    });
  }
  return routes;
}
