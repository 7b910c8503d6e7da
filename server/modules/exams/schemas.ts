import { z } from "zod";

const isoDate = z.iso.date();

/** A rectangle on the first page, in page-relative coordinates (0–1). */
export const NameBox = z
  .object({
    x: z.number().min(0).max(1),
    y: z.number().min(0).max(1),
    width: z.number().gt(0).max(1),
    height: z.number().gt(0).max(1),
  })
  .refine((b) => b.x + b.width <= 1.0001 && b.y + b.height <= 1.0001, "Le cadre du nom doit rester dans la page.");
export type NameBox = z.infer<typeof NameBox>;

// The top of the first page, across its width: where school answer sheets carry their header
// (a free name box or the boxed CMEN header); the reader finds the frame inside it.
export const DEFAULT_NAME_BOX: NameBox = { x: 0.02, y: 0.01, width: 0.96, height: 0.22 };

/** The longest class name ("2nde A", "Tle spé maths 3"): the same for an exam's classes and a roster's. */
export const CLASS_NAME_MAX = 50;

const ExamFields = z.object({
  title: z.string().trim().min(1).max(200),
  subject: z.string().trim().min(1).max(100),
  date: isoDate,
  classNames: z.array(z.string().trim().min(1).max(CLASS_NAME_MAX)).min(1).max(20),
  pagesPerCopy: z.number().int().min(1).max(64),
  layout: z.enum(["A4_BATCH", "A3_DOUBLE", "INDIVIDUAL_FILES"]),
  nameBox: NameBox,
  /** What the name box holds: a free box with lines, or the boxed CMEN header. */
  headerKind: z.enum(["FREE_BOX", "CMEN"]),
  /** Graders see anonymous codes instead of names. */
  anonymousGrading: z.boolean(),
});

export const ExamInput = ExamFields.extend({
  layout: ExamFields.shape.layout.default("A3_DOUBLE"),
  nameBox: NameBox.default(DEFAULT_NAME_BOX),
  // Copies doubles carry the boxed CMEN header; other layouts default to a free name box.
  headerKind: ExamFields.shape.headerKind.optional(),
  anonymousGrading: ExamFields.shape.anonymousGrading.default(true),
}).transform((exam) => ({ ...exam, headerKind: exam.headerKind ?? (exam.layout === "A3_DOUBLE" ? "CMEN" : "FREE_BOX") }));
export type ExamInput = z.infer<typeof ExamInput>;

/** Only the fields sent are changed (no defaults here: a missing field is left as it is). */
export const ExamPatch = ExamFields.partial();

export const MarkingSchemeInput = z.object({
  questions: z
    .array(
      z.object({
        label: z.string().trim().min(1).max(200),
        maxPoints: z.number().positive().max(1000).multipleOf(0.25),
        /** Smallest increment of a score. */
        step: z.union([z.literal(0.25), z.literal(0.5), z.literal(1)]).default(0.5),
      })
      .refine((q) => Number.isInteger(q.maxPoints / q.step), { message: "Le maximum d'une question doit être un multiple de son pas.", path: ["maxPoints"] }),
    )
    .min(1)
    .max(100),
  reportScale: z.number().positive().max(1000).default(20),
});
export type MarkingSchemeInput = z.infer<typeof MarkingSchemeInput>;

export const ExamParams = z.object({ id: z.uuid() });
