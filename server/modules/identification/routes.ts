import type { Request } from "express";
import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { NotFoundError } from "../../lib/errors.js";
import { sendStoredFile } from "../media/routes.js";
import { uploadScan } from "../scans/service.js";
import { deskView } from "./desk.js";
import { AcceptInput, CoverSheetsQuery, IdentifyInput, IdParams, LatePagesQuery, MergeInput, MovePageInput, RestorePageInput, RotatePageInput, SetAsideInput, SplitInput } from "./schemas.js";
import * as desk from "./service.js";

export function identificationRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  const admin = allow("ADMIN");
  const action = (req: Request) => ({ ctx, actor: staffOf(req), meta: requestMeta(req) });
  const id = (req: Request) => parse(IdParams, req.params).id;

  routes.get("/exams/:id/identification", admin, async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json(await deskView(ctx.db, staffOf(req).schoolId, id(req)));
  });
  routes.post("/exams/:id/identification/accept", admin, async (req, res) => {
    const input = parse(AcceptInput, req.body);
    res.json(await desk.acceptAbove(action(req), id(req), input.minConfidence, input.dryRun));
  });
  routes.post("/exams/:id/identification/rerun", admin, async (req, res) => {
    res.json(await desk.rerun(action(req), id(req)));
  });
  routes.get("/exams/:id/cover-sheets.pdf", admin, async (req, res) => {
    const pdf = await desk.coverSheets(action(req), id(req), parse(CoverSheetsQuery, req.query).classes);
    res.setHeader("Cache-Control", "private, no-store");
    res.setHeader("Content-Disposition", 'attachment; filename="pages-de-garde.pdf"');
    res.type("application/pdf").send(Buffer.from(pdf));
  });

  routes.post("/booklets/:id/identify", admin, async (req, res) => {
    res.json({ booklets: await desk.identify(action(req), id(req), parse(IdentifyInput, req.body)) });
  });
  routes.post("/booklets/:id/unidentify", admin, async (req, res) => {
    res.json({ booklets: await desk.unidentify(action(req), id(req)) });
  });
  routes.post("/booklets/:id/set-aside", admin, async (req, res) => {
    res.json({ booklets: await desk.setAside(action(req), id(req), parse(SetAsideInput, req.body).reason) });
  });
  routes.post("/booklets/:id/restore", admin, async (req, res) => {
    res.json({ booklets: await desk.restoreBooklet(action(req), id(req)) });
  });
  routes.post("/booklets/:id/merge", admin, async (req, res) => {
    res.json({ booklets: await desk.merge(action(req), id(req), parse(MergeInput, req.body).bookletId) });
  });
  routes.post("/booklets/:id/split", admin, async (req, res) => {
    res.json({ booklets: await desk.split(action(req), id(req), parse(SplitInput, req.body).position) });
  });
  routes.post("/booklets/:id/late-pages", admin, async (req, res) => {
    const bookletId = id(req);
    const { position } = parse(LatePagesQuery, req.query);
    const { examId } = await desk.lateSheetTarget(action(req), bookletId);
    const { batch, duplicate } = await uploadScan(ctx, staffOf(req), examId, req, requestMeta(req), { bookletId, position });
    res.status(duplicate ? 200 : 202).json({ batch, duplicate });
  });
  routes.get("/booklets/:id/header", allow("ADMIN"), async (req, res) => {
    const booklet = await ctx.db.booklet.findFirst({ where: { id: id(req), schoolId: staffOf(req).schoolId }, select: { headerCropPath: true } });
    if (!booklet?.headerCropPath) throw new NotFoundError("Pas d'image de l'en-tête pour cette liasse.");
    await sendStoredFile(ctx, res, booklet.headerCropPath);
  });

  routes.post("/desk/pages/:id/move", admin, async (req, res) => {
    res.json({ booklets: await desk.movePage(action(req), id(req), parse(MovePageInput, req.body)) });
  });
  routes.post("/desk/pages/:id/rotate", admin, async (req, res) => {
    res.json({ booklets: await desk.rotatePage(action(req), id(req), parse(RotatePageInput, req.body).rotation) });
  });
  routes.post("/desk/pages/:id/discard", admin, async (req, res) => {
    res.json({ booklets: await desk.discardPage(action(req), id(req)) });
  });
  routes.post("/desk/pages/:id/restore", admin, async (req, res) => {
    res.json({ booklets: await desk.restorePage(action(req), id(req), parse(RestorePageInput, req.body)) });
  });
  return routes;
}
