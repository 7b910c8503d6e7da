// Turns API errors into French messages, and tells which ones the global notice reports.
import { ApiError, NETWORK_ERROR, UNEXPECTED_RESPONSE } from "./api/client";
import type { ErrorDetail } from "./api/types";
import { i18n } from "./i18n";

const { t } = i18n.global;

/** Errors reported application-wide by the notice area rather than next to a form. */
export function isGlobalError(error: ApiError): boolean {
  return error.code === "UNAUTHENTICATED" || error.code === NETWORK_ERROR || error.status === 403 || error.status === 429;
}

export function tooManyAttemptsMessage(retryAfterSeconds: number | undefined): string {
  if (retryAfterSeconds === undefined) return t("errors.tooManyLater");
  if (retryAfterSeconds < 60) return t("errors.tooManySeconds", Math.max(1, Math.ceil(retryAfterSeconds)));
  return t("errors.tooManyMinutes", Math.ceil(retryAfterSeconds / 60));
}

export function errorMessage(error: unknown): string {
  if (!(error instanceof ApiError)) return t("errors.unexpected");
  if (error.code === NETWORK_ERROR) return t("errors.network");
  if (error.code === "UNAUTHENTICATED") return t("errors.sessionExpired");
  if (error.status === 429) return tooManyAttemptsMessage(error.retryAfterSeconds);
  if (error.status === 403) return t("errors.forbidden");
  // nginx answers an over-size upload itself, with an HTML page.
  if (error.code === UNEXPECTED_RESPONSE && error.status === 413) return t("errors.tooLarge");
  if (error.code === UNEXPECTED_RESPONSE) return t("errors.unexpected");
  return error.message;
}

/** Message for an error area inside a page, or null when the global notice already reports it. */
export function inlineErrorMessage(error: unknown): string | null {
  return error instanceof ApiError && isGlobalError(error) ? null : errorMessage(error);
}

/** Message for a list that failed to load: the generic one when the global notice already explains. */
export function loadErrorMessage(error: unknown): string {
  return inlineErrorMessage(error) ?? t("app.loadFailed");
}

/** The per-field problems of a 400 response (VALIDATION_FAILED details), if any. */
export function errorDetails(error: unknown): ErrorDetail[] {
  if (!(error instanceof ApiError) || !Array.isArray(error.details)) return [];
  return error.details.filter(
    (d): d is ErrorDetail => typeof d === "object" && d !== null && typeof (d as ErrorDetail).path === "string" && typeof (d as ErrorDetail).message === "string",
  );
}
