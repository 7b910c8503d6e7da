import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { studentOf } from "../../lib/auth/principal.js";
import { contentDisposition } from "../documents/routes.js";
import { sendStoredFile } from "../media/routes.js";
import { CopyParams } from "./schemas.js";
import { myCopies, myGradedPdf } from "./service.js";

export function portalRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();

  routes.get("/me/copies", allow("STUDENT"), async (req, res) => {
    res.json({ copies: await myCopies(ctx.db, studentOf(req)) });
  });

  // A student's graded copy must stay in no cache, the browser's included.
  routes.get("/me/copies/:id/pdf", allow("STUDENT"), async (req, res) => {
    const pdf = await myGradedPdf(ctx, studentOf(req), parse(CopyParams, req.params).id, requestMeta(req));
    res.setHeader("Content-Disposition", contentDisposition("attachment", pdf.name));
    await sendStoredFile(ctx, res, pdf.storagePath, { cacheControl: "private, no-store" });
  });

  return routes;
}
