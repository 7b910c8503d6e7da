// The one place errors become HTTP responses, all in one shape:
// { "error": { "code", "message", "requestId", "details"? } }.
import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { DatabaseUnavailableError, DomainError, NotFoundError, TooManyRequestsError } from "../errors.js";
import { databaseUnavailable } from "../db.js";
import { reportError } from "../sentry.js";

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
}

const KNOWN_HTTP_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  EBADCSRFTOKEN: {
    status: 403,
    code: "CSRF_INVALID",
    message: "Jeton de sécurité absent ou invalide : rechargez la page et réessayez.",
  },
  "entity.too.large": { status: 413, code: "PAYLOAD_TOO_LARGE", message: "La requête est trop volumineuse." },
  "entity.parse.failed": { status: 400, code: "INVALID_JSON", message: "Le corps de la requête n'est pas du JSON valide." },
};

export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  const requestId = String(res.req.id ?? "");
  res.status(status).json({ error: { code, message, requestId, ...(details === undefined ? {} : { details }) } });
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError("Cette adresse d'API n'existe pas."));
};

export const errorHandler: ErrorRequestHandler = (thrown: unknown, req, res, _next) => {
  const err = thrown instanceof DomainError ? thrown : (databaseUnavailable(thrown) ?? thrown);
  // The driver's code only: the error's message may quote the statement and its parameters.
  if (err instanceof DatabaseUnavailableError) req.log.warn({ code: err.code, reason: err.reason }, "the database could not answer in time");
  if (err instanceof TooManyRequestsError || err instanceof DatabaseUnavailableError) res.setHeader("Retry-After", String(err.retryAfterSeconds));
  if (err instanceof DomainError) return sendError(res, err.status, err.code, err.message, err.details);
  const httpError = err as HttpLikeError;
  const known = KNOWN_HTTP_ERRORS[httpError.code ?? ""] ?? KNOWN_HTTP_ERRORS[httpError.type ?? ""];
  if (known) return sendError(res, known.status, known.code, known.message);
  req.log.error({ err }, "unhandled error");
  reportError(err, { requestId: String(req.id) });
  sendError(res, 500, "INTERNAL", "Erreur interne du serveur. L'incident a été enregistré.");
};
