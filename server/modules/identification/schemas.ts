import { z } from "zod";

export const IdParams = z.object({ id: z.uuid() });

export const IdentifyInput = z.object({
  studentId: z.uuid(),
  /** Set to replace the student of a booklet already identified; without it that is a 409. */
  change: z.boolean().default(false),
});

export const SetAsideInput = z.object({ reason: z.enum(["ABSENT", "UNREADABLE"]) });
export const MergeInput = z.object({ bookletId: z.uuid() });
export const SplitInput = z.object({ position: z.number().int().min(2).max(500) });
export const MovePageInput = z.object({ bookletId: z.uuid(), position: z.number().int().min(1).max(500) });
export const RotatePageInput = z.object({ rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]) });
export const RestorePageInput = z.object({ bookletId: z.uuid().optional(), position: z.number().int().min(1).max(500).optional() });

export const AcceptInput = z.object({
  minConfidence: z.number().min(0.5, "Le seuil doit être d'au moins 50 %.").max(1),
  dryRun: z.boolean().default(true),
});

export const CoverSheetsQuery = z.object({
  classes: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",").map((c) => c.trim()).filter(Boolean) : undefined)),
});

export const LatePagesQuery = z.object({ position: z.coerce.number().int().min(1).max(500) });
