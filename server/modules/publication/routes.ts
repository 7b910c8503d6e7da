import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { ExamParams, PublishInput, ReviewDeadlineInput, UnpublishInput } from "./schemas.js";
import { getPublication, publishExam, setReviewDeadline, unpublishExam } from "./service.js";

export function publicationRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  const { db } = ctx;

  routes.get("/exams/:id/publication", allow("ADMIN"), async (req, res) => {
    res.json({ publication: await getPublication(db, staffOf(req).schoolId, parse(ExamParams, req.params).id) });
  });

  routes.post("/exams/:id/publication", allow("ADMIN"), async (req, res) => {
    const { id } = parse(ExamParams, req.params);
    res.json({ publication: await publishExam(db, staffOf(req), id, parse(PublishInput, req.body ?? {}), requestMeta(req)) });
  });

  routes.post("/exams/:id/unpublish", allow("ADMIN"), async (req, res) => {
    const { id } = parse(ExamParams, req.params);
    res.json({ publication: await unpublishExam(db, staffOf(req), id, parse(UnpublishInput, req.body ?? {}), requestMeta(req)) });
  });

  routes.put("/exams/:id/review-deadline", allow("ADMIN"), async (req, res) => {
    const { id } = parse(ExamParams, req.params);
    const { reviewDeadline } = parse(ReviewDeadlineInput, req.body);
    res.json({ publication: await setReviewDeadline(db, staffOf(req), id, reviewDeadline, requestMeta(req)) });
  });

  return routes;
}
