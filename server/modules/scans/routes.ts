import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { BatchParams, ExamScanParams, PageRetryParams } from "./schemas.js";
import { batchDetail, batchProgress, listBatches, retryBatch, uploadScan } from "./service.js";

export function scanRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();

  routes.post("/exams/:id/scans", allow("ADMIN"), async (req, res) => {
    const { id } = parse(ExamScanParams, req.params);
    const { batch, duplicate } = await uploadScan(ctx, staffOf(req), id, req, requestMeta(req));
    res.status(duplicate ? 200 : 201).json({ batch, duplicate });
  });

  routes.get("/exams/:id/scans", allow("ADMIN"), async (req, res) => {
    res.json({ batches: await listBatches(ctx, staffOf(req).schoolId, parse(ExamScanParams, req.params).id) });
  });

  routes.get("/scans/:batchId", allow("ADMIN"), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ batch: await batchDetail(ctx, staffOf(req).schoolId, parse(BatchParams, req.params).batchId) });
  });

  routes.get("/scans/:batchId/progress", allow("ADMIN"), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ progress: await batchProgress(ctx, staffOf(req).schoolId, parse(BatchParams, req.params).batchId) });
  });

  routes.post("/scans/:batchId/retry", allow("ADMIN"), async (req, res) => {
    const { batchId } = parse(BatchParams, req.params);
    res.status(202).json({ batch: await retryBatch(ctx, staffOf(req), batchId, null, requestMeta(req)) });
  });

  routes.post("/scans/:batchId/pages/:pageId/retry", allow("ADMIN"), async (req, res) => {
    const { batchId, pageId } = parse(PageRetryParams, req.params);
    res.status(202).json({ batch: await retryBatch(ctx, staffOf(req), batchId, pageId, requestMeta(req)) });
  });

  return routes;
}
