import { z } from "zod";

export const ExamParams = z.object({ id: z.uuid() });

/** Classes to act on; absent means every class of the exam. */
const classNames = z.array(z.string().trim().min(1).max(50)).min(1).max(50).optional();

export const PublishInput = z.object({
  classNames,
  /** Publish even though copies are not graded or booklets not identified. */
  confirm: z.boolean().default(false),
});

export const UnpublishInput = z.object({ classNames });

export const ReviewDeadlineInput = z.object({
  reviewDeadline: z.iso.datetime({ offset: true }).nullable(),
});
