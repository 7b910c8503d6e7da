// What a student may see of their copies: a copy of theirs, of an exam published to their
// class, that has a graded PDF. Anything else is "not found", never "forbidden": a student
// must not learn that a copy, an exam or another student's work exists.
import type { Db, Prisma } from "../../lib/db.js";
import { NotFoundError } from "../../lib/errors.js";
import type { StudentPrincipal } from "../../lib/auth/principal.js";

type Reader = Db | Prisma.TransactionClient;

/** The Prisma filter for the copies `student` may see (usable in findMany and findFirst). */
export function visibleCopiesOf(student: StudentPrincipal): Prisma.CopyWhereInput {
  return {
    schoolId: student.schoolId,
    studentId: student.id,
    exam: { publications: { some: { className: student.className } } },
    gradedPdfs: { some: {} },
  };
}

/** The copy if `student` may see it, with its exam and its latest graded PDF; 404 otherwise. */
export async function visibleCopy(db: Reader, student: StudentPrincipal, copyId: string) {
  const copy = await db.copy.findFirst({
    where: { id: copyId, ...visibleCopiesOf(student) },
    include: { exam: { include: { questions: { orderBy: { position: "asc" } } } }, gradedPdfs: { orderBy: { draftVersion: "desc" }, take: 1 } },
  });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  return { ...copy, latestPdf: copy.gradedPdfs[0]! };
}
