import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { ExamInput, ExamParams, ExamPatch, MarkingSchemeInput } from "./schemas.js";
import { archiveExam, createExam, deleteExam, getExam, listExams, setMarkingScheme, updateExam } from "./service.js";

export function examRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  const { db } = ctx;

  routes.get("/", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.json({ exams: await listExams(db, staffOf(req).schoolId) });
  });

  routes.post("/", allow("ADMIN"), async (req, res) => {
    res.status(201).json({ exam: await createExam(db, staffOf(req), parse(ExamInput, req.body), requestMeta(req)) });
  });

  routes.get("/:id", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.json({ exam: await getExam(db, staffOf(req).schoolId, parse(ExamParams, req.params).id) });
  });

  routes.patch("/:id", allow("ADMIN"), async (req, res) => {
    const { id } = parse(ExamParams, req.params);
    res.json({ exam: await updateExam(db, staffOf(req), id, parse(ExamPatch, req.body), requestMeta(req)) });
  });

  routes.put("/:id/marking-scheme", allow("ADMIN"), async (req, res) => {
    const { id } = parse(ExamParams, req.params);
    res.json({ exam: await setMarkingScheme(db, staffOf(req), id, parse(MarkingSchemeInput, req.body), requestMeta(req)) });
  });

  routes.post("/:id/archive", allow("ADMIN"), async (req, res) => {
    res.json({ exam: await archiveExam(db, staffOf(req), parse(ExamParams, req.params).id, requestMeta(req)) });
  });

  routes.delete("/:id", allow("ADMIN"), async (req, res) => {
    await deleteExam(db, staffOf(req), parse(ExamParams, req.params).id, requestMeta(req));
    res.status(204).end();
  });

  return routes;
}
