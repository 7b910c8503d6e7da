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

export const ReassignInput = z.object({ userId: z.uuid() });
