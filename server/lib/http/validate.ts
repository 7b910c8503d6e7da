// Parse request input with zod; failures become a 400 listing each field's problem in French.
import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { z } from "zod";
import { InvalidError, UnstorableTextError } from "../errors.js";

z.config(z.locales.fr());

/**
 * Express leaves the body undefined when it was not JSON (text/plain, a form, multipart sent to
 * a JSON route) or was not sent at all: zod would only say "objet attendu, indéfini reçu".
 */
const JSON_BODY_EXPECTED = "Le corps de la requête doit être un objet JSON, envoyé avec l'en-tête Content-Type: application/json.";

export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  if (input === undefined) throw new InvalidError(JSON_BODY_EXPECTED, [{ path: "", message: JSON_BODY_EXPECTED }]);
  const details = result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  const summary = details.map((d) => (d.path ? `${d.path} : ${d.message}` : d.message)).join(" ; ");
  throw new InvalidError(`Requête invalide — ${summary}`, details);
}

const HAS_ESCAPES = Symbol("korrigo.jsonEscapes");
type MarkedRequest = IncomingMessage & { [HAS_ESCAPES]?: boolean };

/** express.json's `verify`: notes whether the raw body holds a \u escape at all. */
export function noteJsonEscapes(req: IncomingMessage, _res: unknown, raw: Buffer): void {
  (req as MarkedRequest)[HAS_ESCAPES] = raw.includes("\\u");
}

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units: no u flag). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const storable = (text: string) => !text.includes("\u0000") && !LONE_SURROGATE.test(text);

/** Every string of a JSON value storable? Iterative: a body nested 100,000 levels deep must not exhaust the stack. */
function storableJson(root: unknown): boolean {
  const pending = [root];
  while (pending.length > 0) {
    const value = pending.pop();
    if (typeof value === "string") {
      if (!storable(value)) return false;
    } else if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "string" || (typeof item === "object" && item !== null)) pending.push(item);
    } else if (typeof value === "object" && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (!storable(key)) return false;
        pending.push(item);
      }
    }
  }
  return true;
}

/**
 * Text PostgreSQL cannot store, in any field of a JSON body: U+0000, and half of a UTF-16
 * surrogate pair (on which Prisma's query encoding fails). Both made a 500 of a plain 400. Each
 * can only arrive as a \u escape (raw, a NUL byte is not JSON, and UTF-8 has no surrogates):
 * bodies without one, nearly all, are not walked.
 */
export const refuseUnstorableText: RequestHandler = (req, _res, next) => {
  if (!(req as MarkedRequest)[HAS_ESCAPES] || storableJson(req.body)) return next();
  next(new UnstorableTextError());
};
