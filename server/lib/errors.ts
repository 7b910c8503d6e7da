// Domain errors. One middleware (server/lib/http/error-handler.ts) maps them to HTTP;
// messages are French because they are shown to the people using Korrigo.

export abstract class DomainError extends Error {
  abstract readonly status: number;
  /** For a refusal that passes by itself (429, 503): when to try again, sent as Retry-After. */
  readonly retryAfterSeconds?: number;
  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidError extends DomainError {
  readonly status = 400;
  constructor(message = "La requête est invalide.", details?: unknown, code = "VALIDATION_FAILED") {
    super(code, message, details);
  }
}

/**
 * Text PostgreSQL cannot store, in any field: U+0000 (JSON, URLs and CSV files can all carry it)
 * or half of a UTF-16 surrogate pair. Refused before it is written, or by the database itself.
 */
export class UnstorableTextError extends InvalidError {
  constructor() {
    super("Le texte envoyé contient un caractère nul (U+0000) ou un caractère Unicode incomplet (demi-paire de substitution), qu'aucun champ n'accepte : retirez-le puis réessayez.", undefined, "UNSTORABLE_TEXT");
  }
}

export class UnauthenticatedError extends DomainError {
  readonly status = 401;
  constructor(message = "Vous devez être connecté.", code = "UNAUTHENTICATED") {
    super(code, message);
  }
}

export class ForbiddenError extends DomainError {
  readonly status = 403;
  constructor(message = "Accès refusé.", code = "FORBIDDEN") {
    super(code, message);
  }
}

export class NotFoundError extends DomainError {
  readonly status = 404;
  constructor(message = "Ressource introuvable.", code = "NOT_FOUND") {
    super(code, message);
  }
}

export class ConflictError extends DomainError {
  readonly status = 409;
  constructor(message: string, code = "CONFLICT", details?: unknown) {
    super(code, message, details);
  }
}

export class PayloadTooLargeError extends DomainError {
  readonly status = 413;
  constructor(message: string, code = "PAYLOAD_TOO_LARGE") {
    super(code, message);
  }
}

export class UnsupportedMediaError extends DomainError {
  readonly status = 415;
  constructor(message: string, code = "UNSUPPORTED_MEDIA_TYPE") {
    super(code, message);
  }
}

/** The client wrote from an outdated version (If-Match): `details` carries the current one. */
export class PreconditionFailedError extends DomainError {
  readonly status = 412;
  constructor(message: string, code = "STALE_VERSION", details?: unknown) {
    super(code, message, details);
  }
}

/** A conditional write sent without its condition (If-Match). */
export class PreconditionRequiredError extends DomainError {
  readonly status = 428;
  constructor(message: string, code = "PRECONDITION_REQUIRED") {
    super(code, message);
  }
}

/** Well-formed request whose content cannot be used (a broken or hostile file, say). */
export class UnprocessableError extends DomainError {
  readonly status = 422;
  constructor(message: string, code = "UNPROCESSABLE", details?: unknown) {
    super(code, message, details);
  }
}

/** Something that existed and is gone for good (codes kept only for a while, say). */
export class GoneError extends DomainError {
  readonly status = 410;
  constructor(message: string, code = "GONE") {
    super(code, message);
  }
}

export class TooManyRequestsError extends DomainError {
  readonly status = 429;
  constructor(
    message: string,
    override readonly retryAfterSeconds: number,
    code = "TOO_MANY_ATTEMPTS",
  ) {
    super(code, message);
  }
}

export class UnavailableError extends DomainError {
  readonly status = 503;
  constructor(message: string, code = "UNAVAILABLE", details?: unknown) {
    super(code, message, details);
  }
}

/**
 * The disk (DATA_DIR) has no room left for what the request brings: nothing of it is kept. 507
 * rather than 503: it does not pass by itself in a few seconds, someone must make room.
 */
export class StorageFullError extends DomainError {
  readonly status = 507;
  constructor() {
    super("STORAGE_FULL", "Le serveur n'a plus assez d'espace disque pour enregistrer ce fichier : rien n'a été enregistré. Prévenez l'administrateur.");
  }
}

/**
 * Redis (job queues, login counters) cannot be reached: what needs it is refused for now, with
 * a hint to try again; nothing was written. Redis back, the same request passes.
 */
export class RedisUnavailableError extends UnavailableError {
  override readonly retryAfterSeconds = 10;
  constructor(message: string, code: string) {
    super(message, code);
  }
}

/**
 * PostgreSQL could not answer in time: a row locked by someone else for too long, a statement
 * past its timeout, a pool with no free connection (busy), or the server down or restarting
 * (unavailable). Nothing is wrong with the request: the same one a few seconds later may pass.
 */
export class DatabaseUnavailableError extends UnavailableError {
  override readonly retryAfterSeconds = 5;
  constructor(
    busy: boolean,
    /** What the driver reported (SQLSTATE, socket error, Prisma code), for the log only. */
    readonly reason: string,
  ) {
    super(
      busy ? "La base de données est momentanément occupée, réessayez dans quelques secondes." : "La base de données est momentanément indisponible, réessayez dans quelques secondes.",
      busy ? "DATABASE_BUSY" : "DATABASE_UNAVAILABLE",
    );
  }
}
