import { z } from "zod";

export const ExamScanParams = z.object({ id: z.uuid() });
export const BatchParams = z.object({ batchId: z.uuid() });
export const PageRetryParams = z.object({ batchId: z.uuid(), pageId: z.uuid() });
