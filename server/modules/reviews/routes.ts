import type { Request } from "express";
import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf, studentOf } from "../../lib/auth/principal.js";
import { answerReview, listReviews, requestReview } from "./service.js";
import { AnswerInput, IdParams, ReviewInput, ReviewListQuery } from "./schemas.js";

export function reviewRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  const id = (req: Request) => parse(IdParams, req.params).id;

  routes.post("/me/copies/:id/reviews", allow("STUDENT"), async (req, res) => {
    res.status(201).json({ review: await requestReview(ctx, studentOf(req), id(req), parse(ReviewInput, req.body), requestMeta(req)) });
  });
  routes.get("/reviews", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    res.json({ reviews: await listReviews(ctx, staffOf(req), parse(ReviewListQuery, req.query)) });
  });
  routes.post("/reviews/:id/answer", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.json({ review: await answerReview(ctx, staffOf(req), id(req), parse(AnswerInput, req.body), requestMeta(req)) });
  });
  return routes;
}
