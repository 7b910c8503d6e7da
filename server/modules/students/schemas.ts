import { z } from "zod";
import { ROSTER_FIELDS } from "./roster.js";

/** "2026-2027": two consecutive years. */
export const SchoolYear = z
  .string()
  .regex(/^\d{4}-\d{4}$/, "L'année scolaire s'écrit AAAA-AAAA (par exemple 2026-2027).")
  .refine((year) => Number(year.slice(5)) === Number(year.slice(0, 4)) + 1, "L'année scolaire doit couvrir deux années qui se suivent.");

export const RosterImportInput = z.object({
  /** The CSV file's bytes in base64: its text encoding is sniffed from them. */
  content: z.base64().min(1, "Le fichier est vide.").max(1_000_000, "Le fichier est trop gros pour une liste d'élèves."),
  /** Header (as written in the file) → field, or null to ignore the column. */
  mapping: z.record(z.string().max(200), z.enum(ROSTER_FIELDS).nullable()).default({}),
  schoolYear: SchoolYear.optional(),
  /** false: preview only, nothing written. */
  commit: z.boolean().default(false),
});
export type RosterImportInput = z.infer<typeof RosterImportInput>;
