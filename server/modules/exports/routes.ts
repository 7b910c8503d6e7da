import type { Response } from "express";
import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { contentDisposition } from "../documents/routes.js";
import { ExamParams } from "./schemas.js";
import { detailedExport, gradedPdfsExport, pronoteExport } from "./service.js";

/** A download of marks and names: never kept by a browser or proxy cache. */
function attachment(res: Response, fileName: string, type: string): void {
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Disposition", contentDisposition("attachment", fileName));
  res.setHeader("Cache-Control", "private, no-store");
}

export function exportRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();

  for (const [file, build] of [["pronote.csv", pronoteExport], ["detailed.csv", detailedExport]] as const) {
    routes.get(`/exams/:id/exports/${file}`, allow("ADMIN"), async (req, res) => {
      const csv = await build(ctx, staffOf(req), parse(ExamParams, req.params).id, requestMeta(req));
      attachment(res, csv.fileName, "text/csv; charset=utf-8");
      res.send(csv.body);
    });
  }

  routes.get("/exams/:id/exports/graded-pdfs.zip", allow("ADMIN"), async (req, res) => {
    const zip = await gradedPdfsExport(ctx, staffOf(req), parse(ExamParams, req.params).id, requestMeta(req));
    attachment(res, zip.fileName, "application/zip");
    // Once bytes are sent an error can only cut the download short (the response is closed):
    // nothing to answer, only to log. The common causes were ruled out before the first byte.
    await zip.write(res).catch((error: Error) => req.log.warn({ err: error.message, files: zip.files }, "graded PDFs ZIP interrupted"));
  });

  return routes;
}
