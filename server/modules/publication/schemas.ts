import { z } from "zod";
import { CLASS_NAME_MAX } from "../exams/schemas.js";

export const ExamParams = z.object({ id: z.uuid() });

/** Classes to act on; absent means every class of the exam. */
const classNames = z.array(z.string().trim().min(1).max(CLASS_NAME_MAX)).min(1).max(50).optional();

export const PublishInput = z.object({
  classNames,
  /** Publish even though copies are not graded or booklets not identified. */
  confirm: z.boolean().default(false),
});

export const UnpublishInput = z.object({ classNames });

export const ReviewDeadlineInput = z.object({
  reviewDeadline: z.iso.datetime({ offset: true }).nullable(),
});
