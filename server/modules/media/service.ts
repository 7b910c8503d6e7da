// Which file a page image request may read: only pages of the caller's school, once rendered;
// for a teacher, only pages of exams they grade (as the copies themselves).
import type { Db } from "../../lib/db.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { NotFoundError } from "../../lib/errors.js";

export type PageImageKind = "image" | "thumb";

export async function pageImagePath(db: Db, actor: StaffPrincipal, pageId: string, kind: PageImageKind): Promise<string> {
  const graded = actor.role === "ADMIN" ? {} : { batch: { exam: { graders: { some: { userId: actor.id } } } } };
  const page = await db.page.findFirst({ where: { id: pageId, schoolId: actor.schoolId, ...graded }, select: { imagePath: true, thumbPath: true, status: true } });
  const file = kind === "image" ? page?.imagePath : page?.thumbPath;
  if (!page || !file) throw new NotFoundError(page ? "Cette page n'est pas encore convertie." : "Page introuvable.");
  return file;
}
