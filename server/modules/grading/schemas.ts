import { z } from "zod";

export const IdParams = z.object({ id: z.uuid() });

export const LockInput = z.object({
  /** The same teacher in another tab or device takes the lock over, explicitly. */
  takeOver: z.boolean().default(false),
});

export const LockTokenInput = z.object({ token: z.string().min(20).max(100) });

export const GradersInput = z.object({ userIds: z.array(z.uuid()).max(100) });

export const DispatchInput = z.object({
  /** even: copies shared out at random in equal numbers; class: whole classes to each grader. */
  mode: z.enum(["even", "class"]),
  /** Also redistribute copies already dispatched (those not being graded). */
  redistribute: z.boolean().default(false),
});

export const CopyListQuery = z.object({ mine: z.enum(["0", "1"]).default("0").transform((v) => v === "1") });

export const GradedPdfQuery = z.object({ version: z.coerce.number().int().min(1).optional() });

export const ReassignInput = z.object({ userId: z.uuid() });

/** Page-relative coordinates: annotations render the same at any zoom and in the PDF. */
const unit = z.number().min(0).max(1);
const colour = z.string().regex(/^#[0-9a-f]{6}$/i, "Couleur au format #rrggbb.");
const base = { id: z.string().min(1).max(64), page: z.number().int().min(1).max(500) };
const stroke = { ...base, color: colour, width: z.number().positive().max(0.05) };

type Point = [x: number, y: number, pressure: number];
const inUnit = (v: unknown) => typeof v === "number" && v >= 0 && v <= 1;
const isPoint = (p: unknown) => Array.isArray(p) && p.length === 3 && inUnit(p[0]) && inUnit(p[1]) && inUnit(p[2]);
/**
 * A stroke's points, checked in one loop: a draft carries thousands of them on every autosave,
 * and zod's tuple schema took 2 of the 3 ms its whole validation cost (100 annotations).
 */
const strokePoints = z.custom<Point[]>((v) => Array.isArray(v) && v.length >= 1 && v.length <= 5000 && v.every(isPoint), "Un trait doit avoir de 1 à 5000 points [x, y, pression], chacun entre 0 et 1.");

export const Annotation = z.discriminatedUnion("type", [
  z.object({ ...stroke, type: z.enum(["pen", "highlighter"]), points: strokePoints }),
  z.object({ ...stroke, type: z.enum(["line", "arrow"]), from: z.tuple([unit, unit]), to: z.tuple([unit, unit]) }),
  z.object({ ...base, type: z.literal("text"), color: colour, x: unit, y: unit, w: unit, h: unit, size: z.number().positive().max(0.1), text: z.string().max(2000) }),
  z.object({ ...base, type: z.enum(["tick", "cross"]), color: colour, x: unit, y: unit, size: z.number().positive().max(0.2) }),
  z.object({ ...base, type: z.literal("comment"), color: colour, x: unit, y: unit, text: z.string().min(1).max(2000) }),
  z.object({ ...base, type: z.literal("score"), questionId: z.uuid(), x: unit, y: unit }),
  z.object({ ...base, type: z.literal("rubric"), itemId: z.uuid(), x: unit, y: unit }),
]);
export type Annotation = z.infer<typeof Annotation>;

export const DraftInput = z.object({
  lockToken: z.string().min(20).max(100),
  annotations: z.array(Annotation).max(2000),
  /** Question id → points; null = left blank on purpose; a question not listed is not scored yet. */
  scores: z.record(z.uuid(), z.number().min(0).max(1000).nullable()),
  comment: z.string().max(5000).default(""),
  /** Question id → the rubric items applied to it on this copy. */
  rubric: z.record(z.uuid(), z.array(z.uuid()).max(100)).default({}),
  /** Questions whose score the teacher typed over what their rubric items give. */
  overrides: z.array(z.uuid()).max(100).default([]),
});
export type DraftInput = z.infer<typeof DraftInput>;

export const FinalizeInput = z.object({ lockToken: z.string().min(20).max(100), version: z.number().int().min(1) });

/** Points of a rubric item: a positive number of quarter points. */
const points = z.number().min(0).max(1000).multipleOf(0.25);
const shortcut = z.string().regex(/^[0-9]$/, "Le raccourci est un chiffre de 0 à 9.").nullable();

export const RubricItemInput = z.object({
  questionId: z.uuid(),
  label: z.string().trim().min(1).max(200),
  points,
  shortcut: shortcut.default(null),
});

export const RubricItemPatch = z.object({ label: z.string().trim().min(1).max(200), points, shortcut }).partial();

export const CommentTemplateInput = z.object({ text: z.string().trim().min(1, "Écrivez le commentaire.").max(500) });

export const RubricModeInput = z.object({ mode: z.enum(["ADD", "SUBTRACT"]) });

export const IfMatch = z.string().regex(/^(W\/)?"?\d+"?$/, "If-Match doit porter la version du brouillon (un nombre).").transform((v) => Number(v.replace(/\D/g, "")));
