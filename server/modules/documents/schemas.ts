import { z } from "zod";

export const DOCUMENT_KINDS = ["SUBJECT", "ANSWER_KEY", "MARKING_SCHEME"] as const;

export const ExamParams = z.object({ id: z.uuid() });
export const DocumentParams = z.object({ id: z.uuid() });

export const UploadQuery = z.object({
  kind: z.enum(DOCUMENT_KINDS, { error: "Type de document inconnu : SUBJECT (sujet), ANSWER_KEY (corrigé) ou MARKING_SCHEME (barème)." }),
});
export type DocumentKind = z.infer<typeof UploadQuery>["kind"];
