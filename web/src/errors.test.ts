import { describe, expect, it } from "vitest";
import { ApiError } from "./api/client";
import { errorDetails, errorMessage, inlineErrorMessage, tooManyAttemptsMessage } from "./errors";

function apiError(status: number, code: string, retryAfterSeconds?: number): ApiError {
  return new ApiError({ status, code, message: "Message du serveur", requestId: "r", retryAfterSeconds });
}

describe("error messages", () => {
  it("words the rate-limit wait from Retry-After", () => {
    expect(tooManyAttemptsMessage(900)).toBe("Trop de tentatives. Réessayez dans 15 minutes.");
    expect(tooManyAttemptsMessage(61)).toBe("Trop de tentatives. Réessayez dans 2 minutes.");
    expect(tooManyAttemptsMessage(1)).toBe("Trop de tentatives. Réessayez dans 1 seconde.");
    expect(tooManyAttemptsMessage(30)).toBe("Trop de tentatives. Réessayez dans 30 secondes.");
    expect(tooManyAttemptsMessage(undefined)).toBe("Trop de tentatives. Réessayez plus tard.");
  });

  it("uses the server message except for errors the application words itself", () => {
    expect(errorMessage(apiError(401, "INVALID_CREDENTIALS"))).toBe("Message du serveur");
    expect(errorMessage(apiError(403, "FORBIDDEN"))).toBe("Accès refusé");
    expect(errorMessage(apiError(0, "NETWORK_ERROR"))).toMatch(/^Impossible de joindre le serveur/);
    expect(errorMessage(new Error("boom"))).toMatch(/^Une erreur inattendue/);
  });

  it("leaves errors reported by the global notice out of inline messages", () => {
    expect(inlineErrorMessage(apiError(401, "UNAUTHENTICATED"))).toBeNull();
    expect(inlineErrorMessage(apiError(429, "TOO_MANY_ATTEMPTS", 60))).toBeNull();
    expect(inlineErrorMessage(apiError(400, "WEAK_PASSWORD"))).toBe("Message du serveur");
  });

  it("words nginx's own 413 page, and reads the field details of a 400", () => {
    expect(errorMessage(apiError(413, "UNEXPECTED_RESPONSE"))).toBe("Le fichier est trop volumineux pour être envoyé.");
    expect(errorMessage(apiError(413, "FILE_TOO_LARGE"))).toBe("Message du serveur");
    const invalid = new ApiError({ status: 400, code: "VALIDATION_FAILED", message: "m", requestId: "r", details: [{ path: "title", message: "Trop court" }, { bad: 1 }] });
    expect(errorDetails(invalid)).toEqual([{ path: "title", message: "Trop court" }]);
    expect(errorDetails(new Error("x"))).toEqual([]);
  });
});
