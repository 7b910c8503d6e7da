import type { Request } from "express";
import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { dispatchCopies, listGraders, reassignCopy, setGraders } from "./assignment.js";
import { acquireLock, breakLock, releaseLock, renewLock } from "./locks.js";
import { getDraft, saveDraft } from "./drafts.js";
import { copyHistory, copyWorkspace, gradedPdfOf, listCopies, myExams, nextCopy } from "./copies.js";
import { finalizeCopy, reopenCopy, retryFinalize } from "./finalize.js";
import { addCommentTemplate, archiveCommentTemplate, listCommentTemplates } from "./comments.js";
import { archiveRubricItem, createRubricItem, listRubric, setRubricMode, updateRubricItem } from "./rubric.js";
import { CommentTemplateInput, CopyListQuery, GradedPdfQuery, DispatchInput, DraftInput, FinalizeInput, GradersInput, IdParams, IfMatch, LockInput, LockTokenInput, ReassignInput, RubricItemInput, RubricItemPatch, RubricModeInput } from "./schemas.js";
import { PreconditionRequiredError } from "../../lib/errors.js";
import { sendStoredFile } from "../media/routes.js";

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
  gradingFlowRoutes(ctx, routes, id);
  rubricRoutes(ctx, routes, id);
  commentRoutes(ctx, routes, id);
  return routes;
}

/** The copy as the editor opens it, finalizing, retrying, reopening, the graded PDF. */
function gradingFlowRoutes(ctx: AppContext, routes: SecureRouter, id: (req: Request) => string): void {
  routes.get("/copies/:id", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json(await copyWorkspace(ctx, staffOf(req), id(req)));
  });
  routes.post("/copies/:id/finalize", allow("TEACHER"), async (req, res) => {
    await finalizeCopy(ctx, staffOf(req), id(req), parse(FinalizeInput, req.body), requestMeta(req));
    res.status(202).json(await copyWorkspace(ctx, staffOf(req), id(req)));
  });
  routes.post("/copies/:id/retry", allow("ADMIN", "TEACHER"), async (req, res) => {
    await retryFinalize(ctx, staffOf(req), id(req), requestMeta(req));
    res.status(202).json(await copyWorkspace(ctx, staffOf(req), id(req)));
  });
  routes.post("/copies/:id/reopen", allow("ADMIN"), async (req, res) => {
    await reopenCopy(ctx, staffOf(req), id(req), requestMeta(req));
    res.json(await copyWorkspace(ctx, staffOf(req), id(req)));
  });
  routes.get("/copies/:id/graded.pdf", allow("ADMIN", "TEACHER"), async (req, res) => {
    const pdf = await gradedPdfOf(ctx, staffOf(req), id(req), parse(GradedPdfQuery, req.query).version);
    res.attachment(pdf.name);
    await sendStoredFile(ctx, res, pdf.path);
  });
}

function rubricRoutes(ctx: AppContext, routes: SecureRouter, id: (req: Request) => string): void {
  routes.get("/exams/:id/rubric", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ questions: await listRubric(ctx, staffOf(req), id(req)) });
  });
  routes.post("/exams/:id/rubric/items", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.status(201).json({ item: await createRubricItem(ctx, staffOf(req), id(req), parse(RubricItemInput, req.body), requestMeta(req)) });
  });
  routes.patch("/rubric-items/:id", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.json(await updateRubricItem(ctx, staffOf(req), id(req), parse(RubricItemPatch, req.body), requestMeta(req)));
  });
  routes.delete("/rubric-items/:id", allow("ADMIN", "TEACHER"), async (req, res) => {
    await archiveRubricItem(ctx, staffOf(req), id(req), requestMeta(req));
    res.status(204).end();
  });
  routes.put("/questions/:id/rubric-mode", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.json({ rescored: await setRubricMode(ctx, staffOf(req), id(req), parse(RubricModeInput, req.body).mode, requestMeta(req)) });
  });
}

/** The exam's library of reusable comments. */
function commentRoutes(ctx: AppContext, routes: SecureRouter, id: (req: Request) => string): void {
  routes.get("/exams/:id/comments", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ comments: await listCommentTemplates(ctx, staffOf(req), id(req)) });
  });
  routes.post("/exams/:id/comments", allow("ADMIN", "TEACHER"), async (req, res) => {
    const { comment, created } = await addCommentTemplate(ctx, staffOf(req), id(req), parse(CommentTemplateInput, req.body).text, requestMeta(req));
    res.status(created ? 201 : 200).json({ comment });
  });
  routes.delete("/comments/:id", allow("ADMIN", "TEACHER"), async (req, res) => {
    await archiveCommentTemplate(ctx, staffOf(req), id(req), requestMeta(req));
    res.status(204).end();
  });
}
