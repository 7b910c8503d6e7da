import { z } from "zod";

export const IdParams = z.object({ id: z.uuid() });

export const ReviewInput = z.object({
  questionId: z.uuid(),
  message: z.string().trim().min(1).max(1000),
});
export type ReviewInput = z.infer<typeof ReviewInput>;

export const ReviewListQuery = z.object({
  status: z.enum(["OPEN", "ANSWERED", "ALL"]).default("OPEN"),
  examId: z.uuid().optional(),
});
export type ReviewListQuery = z.infer<typeof ReviewListQuery>;

export const AnswerInput = z.object({
  answer: z.string().trim().min(1).max(2000),
  /** Take the copy back to grading (GRADED → READY) to change its mark. */
  reopen: z.boolean(),
});
export type AnswerInput = z.infer<typeof AnswerInput>;
