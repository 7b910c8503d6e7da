import type { Request } from "express";
import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { dispatchCopies, listGraders, reassignCopy, setGraders } from "./assignment.js";
import { acquireLock, breakLock, releaseLock, renewLock } from "./locks.js";
import { getDraft, saveDraft } from "./drafts.js";
import { copyHistory, listCopies, myExams, nextCopy } from "./copies.js";
import { CopyListQuery, DispatchInput, DraftInput, GradersInput, IdParams, IfMatch, LockInput, LockTokenInput, ReassignInput } from "./schemas.js";
import { PreconditionRequiredError } from "../../lib/errors.js";

export function gradingRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  const id = (req: Request) => parse(IdParams, req.params).id;

  routes.get("/exams/:id/graders", allow("ADMIN"), async (req, res) => {
    res.json({ graders: await listGraders(ctx, staffOf(req).schoolId, id(req)) });
  });
  routes.put("/exams/:id/graders", allow("ADMIN"), async (req, res) => {
    res.json({ graders: await setGraders(ctx, staffOf(req), id(req), parse(GradersInput, req.body).userIds, requestMeta(req)) });
  });
  routes.post("/exams/:id/dispatch", allow("ADMIN"), async (req, res) => {
    res.json({ graders: await dispatchCopies(ctx, staffOf(req), id(req), parse(DispatchInput, req.body), requestMeta(req)) });
  });
  routes.put("/copies/:id/grader", allow("ADMIN"), async (req, res) => {
    res.json(await reassignCopy(ctx, staffOf(req), id(req), parse(ReassignInput, req.body).userId, requestMeta(req)));
  });

  routes.get("/grading/exams", allow("TEACHER"), async (req, res) => {
    res.json({ exams: await myExams(ctx, staffOf(req)) });
  });
  routes.get("/exams/:id/copies", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ copies: await listCopies(ctx, staffOf(req), id(req), parse(CopyListQuery, req.query)) });
  });
  routes.get("/exams/:id/copies/next", allow("TEACHER"), async (req, res) => {
    res.json(await nextCopy(ctx, staffOf(req), id(req)));
  });

  routes.get("/copies/:id/history", allow("ADMIN"), async (req, res) => {
    res.json({ events: await copyHistory(ctx, staffOf(req), id(req)) });
  });

  routes.post("/copies/:id/lock", allow("TEACHER"), async (req, res) => {
    res.json({ lock: await acquireLock(ctx, staffOf(req), id(req), parse(LockInput, req.body ?? {}).takeOver, requestMeta(req)) });
  });
  routes.post("/copies/:id/lock/heartbeat", allow("TEACHER"), async (req, res) => {
    res.json({ lock: await renewLock(ctx, staffOf(req), id(req), parse(LockTokenInput, req.body).token) });
  });
  routes.delete("/copies/:id/lock", allow("TEACHER"), async (req, res) => {
    await releaseLock(ctx, staffOf(req), id(req), parse(LockTokenInput, req.body).token, requestMeta(req));
    res.status(204).end();
  });
  routes.post("/copies/:id/lock/break", allow("ADMIN"), async (req, res) => {
    await breakLock(ctx, staffOf(req), id(req), requestMeta(req));
    res.status(204).end();
  });
  routes.get("/copies/:id/draft", allow("ADMIN", "TEACHER"), async (req, res) => {
    const draft = await getDraft(ctx, staffOf(req), id(req));
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("ETag", `"${draft.version}"`);
    res.json({ draft });
  });
  routes.put("/copies/:id/draft", allow("TEACHER"), async (req, res) => {
    const ifMatch = req.get("If-Match");
    if (!ifMatch) throw new PreconditionRequiredError("Envoyez la version du brouillon sur laquelle vous avez travaillé (en-tête If-Match).");
    const draft = await saveDraft(ctx, staffOf(req), id(req), parse(IfMatch, ifMatch), parse(DraftInput, req.body));
    res.setHeader("ETag", `"${draft.version}"`);
    res.json({ draft });
  });
  return routes;
}
