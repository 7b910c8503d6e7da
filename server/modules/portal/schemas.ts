import { z } from "zod";

export const CopyParams = z.object({ id: z.uuid() });
