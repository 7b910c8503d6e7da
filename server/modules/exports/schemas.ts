import { z } from "zod";

export const ExamParams = z.object({ id: z.uuid() });

export const EXPORT_KINDS = ["pronote.csv", "detailed.csv", "graded-pdfs.zip"] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];
