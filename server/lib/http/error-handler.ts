// The one place errors become HTTP responses, all in one shape:
// { "error": { "code", "message", "requestId", "details"? } }.
import type { ErrorRequestHandler, RequestHandler, Response } from "express";
import { DatabaseUnavailableError, DomainError, NotFoundError, StorageFullError } from "../errors.js";
import { databaseUnavailable, unstorableText } from "../db.js";
import { reportError } from "../sentry.js";

interface HttpLikeError {
  status?: number;
  statusCode?: number;
  type?: string;
  code?: string;
  expose?: boolean;
  syscall?: string;
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

/**
 * Other errors made for the client by http-errors (expose: true): body-parser's (a compressed
 * body that does not inflate, a charset or Content-Encoding it does not know, a body cut short).
 * Their messages are English and may quote the input: one French message per status instead.
 * A file system error (send's ENOENT carries a syscall) is the server's own: it stays a 500.
 */
const CLIENT_ERRORS: Record<number, { code: string; message: string }> = {
  400: { code: "BAD_REQUEST", message: "Le corps de la requête est illisible (compression ou encodage invalide)." },
  415: { code: "UNSUPPORTED_MEDIA_TYPE", message: "Ce format ou cet encodage du corps de la requête n'est pas pris en charge : envoyez du JSON en UTF-8." },
};

function clientError(err: HttpLikeError): { status: number; code: string; message: string } | undefined {
  // The router's: a %-escape in the path that does not decode (it sets status 400, not expose).
  if (err instanceof URIError && err.status === 400) return { status: 400, code: "MALFORMED_URL", message: "L'adresse demandée contient un caractère encodé (%) invalide." };
  const status = err.status ?? err.statusCode ?? 0;
  const known = err.expose === true && err.syscall === undefined ? CLIENT_ERRORS[status] : undefined;
  return known && { status, ...known };
}

export function sendError(res: Response, status: number, code: string, message: string, details?: unknown): void {
  const requestId = String(res.req.id ?? "");
  // A download that failed before its first byte may have named its file and type already:
  // the error is JSON to be shown, not a "copie.pdf" to be saved.
  res.removeHeader("Content-Disposition");
  res.status(status).type("json").json({ error: { code, message, requestId, ...(details === undefined ? {} : { details }) } });
}

export const notFound: RequestHandler = (_req, _res, next) => {
  next(new NotFoundError("Cette adresse d'API n'existe pas."));
};

/** A write refused for want of room (the disk or the quota of DATA_DIR), wherever it happened. */
function storageFull(error: unknown): StorageFullError | null {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOSPC" || code === "EDQUOT" ? new StorageFullError() : null;
}

export const errorHandler: ErrorRequestHandler = (thrown: unknown, req, res, _next) => {
  const full = thrown instanceof DomainError ? null : storageFull(thrown);
  // Someone has to make room: worth an error in the log.
  if (full) req.log.error({ code: (thrown as { code: string }).code }, "no room left to store a request's file");
  const err = thrown instanceof DomainError ? thrown : (full ?? databaseUnavailable(thrown) ?? unstorableText(thrown) ?? thrown);
  // The driver's code only: the error's message may quote the statement and its parameters.
  if (err instanceof DatabaseUnavailableError) req.log.warn({ code: err.code, reason: err.reason }, "the database could not answer in time");
  if (err instanceof DomainError) {
    if (err.retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(err.retryAfterSeconds));
    return sendError(res, err.status, err.code, err.message, err.details);
  }
  const httpError = err as HttpLikeError;
  const known = KNOWN_HTTP_ERRORS[httpError.code ?? ""] ?? KNOWN_HTTP_ERRORS[httpError.type ?? ""] ?? clientError(httpError);
  if (known) return sendError(res, known.status, known.code, known.message);
  req.log.error({ err }, "unhandled error");
  reportError(err, { requestId: String(req.id) });
  sendError(res, 500, "INTERNAL", "Erreur interne du serveur. L'incident a été enregistré.");
};
