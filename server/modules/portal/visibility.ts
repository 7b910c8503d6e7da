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

/**
 * The same rule in SQL, for the download: the latest graded PDF ("id", "draftVersion",
 * "storagePath") of copy $1 with its exam's "title" and "subject", if the student $3 of school $2
 * in class $4 may see it; no row otherwise.
 */
export const VISIBLE_PDF_SQL = `
  SELECT g."id", g."draftVersion", g."storagePath", e."title", e."subject"
  FROM "Copy" c JOIN "Exam" e ON e."id" = c."examId"
  JOIN LATERAL (SELECT "id", "draftVersion", "storagePath" FROM "GradedPdf" WHERE "copyId" = c."id" ORDER BY "draftVersion" DESC LIMIT 1) g ON true
  WHERE c."id" = $1::uuid AND c."schoolId" = $2::uuid AND c."studentId" = $3::uuid
    AND EXISTS (SELECT 1 FROM "Publication" p WHERE p."examId" = e."id" AND p."className" = $4)`;

// A reopened copy keeps showing its latest graded PDF until the next one is drawn.
const visibleInclude = {
  exam: { include: { questions: { orderBy: { position: "asc" } } } },
  gradedPdfs: { orderBy: { draftVersion: "desc" }, take: 1 },
} satisfies Prisma.CopyInclude;
type VisibleRow = Prisma.CopyGetPayload<{ include: typeof visibleInclude }>;

const withLatestPdf = (copy: VisibleRow) => ({ ...copy, latestPdf: copy.gradedPdfs[0]! });
export type VisibleCopy = ReturnType<typeof withLatestPdf>;

/** The copy if `student` may see it, with its exam and its latest graded PDF; 404 otherwise. */
export async function visibleCopy(db: Reader, student: StudentPrincipal, copyId: string): Promise<VisibleCopy> {
  const copy = await db.copy.findFirst({ where: { id: copyId, ...visibleCopiesOf(student) }, include: visibleInclude });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  return withLatestPdf(copy);
}

/** Every copy `student` may see, newest exam first, each with its exam and latest graded PDF. */
export async function visibleCopies(db: Reader, student: StudentPrincipal): Promise<VisibleCopy[]> {
  const copies = await db.copy.findMany({ where: visibleCopiesOf(student), include: visibleInclude, orderBy: [{ exam: { date: "desc" } }, { exam: { createdAt: "desc" } }] });
  return copies.map(withLatestPdf);
}
