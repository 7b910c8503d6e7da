// Parse request input with zod; failures become a 400 listing each field's problem in French.
import { z } from "zod";
import { InvalidError } from "../errors.js";

z.config(z.locales.fr());

export function parse<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message }));
  const summary = details.map((d) => (d.path ? `${d.path} : ${d.message}` : d.message)).join(" ; ");
  throw new InvalidError(`Requête invalide — ${summary}`, details);
}
