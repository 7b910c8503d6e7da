import type { Request, Response } from "express";
import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { contentDisposition } from "../documents/routes.js";
import { ClassParams, IssueInput, IssueParams, StudentParams } from "./schemas.js";
import { accessCodeClasses, accessCodeStudents, issueClassCodes, issueDownload, reissueStudentCode } from "./service.js";
import { slipsCsv, slipsPdf } from "./slips.js";

/** Mounted at /api: it serves /access-codes/… and /students/:id/access-code. */
export function accessCodeRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  const loginUrl = `${ctx.config.PUBLIC_URL.replace(/\/+$/, "")}/eleve/connexion`;

  routes.get("/access-codes/classes", allow("ADMIN"), async (req, res) => {
    res.json({ classes: await accessCodeClasses(ctx, staffOf(req).schoolId) });
  });
  routes.get("/access-codes/classes/:className/students", allow("ADMIN"), async (req, res) => {
    res.json({ students: await accessCodeStudents(ctx, staffOf(req).schoolId, parse(ClassParams, req.params).className) });
  });
  routes.post("/access-codes", allow("ADMIN"), async (req, res) => {
    res.status(201).json({ issue: await issueClassCodes(ctx, staffOf(req), parse(IssueInput, req.body), requestMeta(req)) });
  });
  routes.post("/students/:id/access-code", allow("ADMIN"), async (req, res) => {
    res.status(201).json({ issue: await reissueStudentCode(ctx, staffOf(req), parse(StudentParams, req.params).id, requestMeta(req)) });
  });

  routes.get("/access-codes/issues/:issueId/slips.pdf", allow("ADMIN"), async (req, res) => {
    const issue = await download(req, "pdf");
    send(res, "application/pdf", `${issue.fileName}.pdf`, Buffer.from(await slipsPdf({ schoolName: issue.schoolName, loginUrl, slips: issue.slips })));
  });
  routes.get("/access-codes/issues/:issueId/codes.csv", allow("ADMIN"), async (req, res) => {
    const issue = await download(req, "csv");
    send(res, "text/csv; charset=utf-8", `${issue.fileName}.csv`, slipsCsv(issue.slips));
  });

  const download = (req: Request, format: "pdf" | "csv") =>
    issueDownload(ctx, staffOf(req), parse(IssueParams, req.params).issueId, format, requestMeta(req));

  return routes;
}

/** Codes in clear: kept by no cache, saved as a file. */
function send(res: Response, type: string, fileName: string, body: Buffer): void {
  res.setHeader("Cache-Control", "private, no-store");
  res.setHeader("Content-Disposition", contentDisposition("attachment", fileName));
  res.type(type).send(body);
}
