// Which file a page image request may read: only pages of the caller's school, once rendered.
import type { Db } from "../../lib/db.js";
import { NotFoundError } from "../../lib/errors.js";

export type PageImageKind = "image" | "thumb";

export async function pageImagePath(db: Db, schoolId: string, pageId: string, kind: PageImageKind): Promise<string> {
  const page = await db.page.findFirst({ where: { id: pageId, schoolId }, select: { imagePath: true, thumbPath: true, status: true } });
  const file = kind === "image" ? page?.imagePath : page?.thumbPath;
  if (!page || !file) throw new NotFoundError(page ? "Cette page n'est pas encore convertie." : "Page introuvable.");
  return file;
}
