// The student portal: the copies a student may see (portal/visibility.ts decides which) with
// their marks, per-question scores and review requests, and the download of their latest
// graded PDF, audited.
import type { AppContext } from "../../lib/context.js";
import type { Db } from "../../lib/db.js";
import type { RequestMeta } from "../../lib/audit.js";
import type { StudentPrincipal } from "../../lib/auth/principal.js";
import { studentReviewDto } from "../reviews/service.js";
import { gradedScores } from "../grading/drafts.js";
import { maxTotalOf, scaledMark } from "../grading/scoring.js";
import { NotFoundError } from "../../lib/errors.js";
import { preparedStatement } from "../../lib/sql.js";
import { UNSAFE_IN_FILE_NAMES } from "../../lib/file-names.js";
import { VISIBLE_PDF_SQL, visibleCopies, type VisibleCopy } from "./visibility.js";

type Reviews = Parameters<typeof studentReviewDto>[0][];

/**
 * What the student sees of one copy, as of its latest graded PDF: a reopened copy keeps its
 * mark until it is graded again. `scores` are those of the draft that PDF was drawn from.
 */
function portalCopyDto(copy: VisibleCopy, scores: Record<string, number | null> | undefined, reviews: Reviews, now: Date) {
  const { exam, latestPdf } = copy;
  const maxTotal = maxTotalOf(exam.questions);
  const totalScore = latestPdf.totalScore.toNumber();
  const reportScale = exam.reportScale.toNumber();
  const deadline = exam.reviewDeadline;
  return {
    copyId: copy.id,
    examId: exam.id,
    title: exam.title,
    subject: exam.subject,
    date: exam.date.toISOString().slice(0, 10),
    mark: scaledMark(totalScore, maxTotal, reportScale),
    reportScale,
    totalScore,
    maxTotal,
    underReview: copy.status !== "GRADED",
    gradedAt: latestPdf.createdAt.toISOString(),
    questions: exam.questions.map((q) => ({ id: q.id, label: q.label, maxPoints: q.maxPoints.toNumber(), score: scores?.[q.id] ?? null })),
    reviewDeadline: deadline?.toISOString() ?? null,
    canRequestReview: deadline !== null && deadline > now,
    reviews: reviews.map(studentReviewDto),
  };
}
export type PortalCopyDto = ReturnType<typeof portalCopyDto>;

export async function myCopies(db: Db, student: StudentPrincipal): Promise<PortalCopyDto[]> {
  const copies = await visibleCopies(db, student);
  if (copies.length === 0) return [];
  const reviews = await db.reviewRequest.findMany({ where: { copyId: { in: copies.map((c) => c.id) }, studentId: student.id }, orderBy: { createdAt: "asc" } });
  const scoresOf = await gradedScores(db, copies.map((c) => ({ copyId: c.id, draftVersion: c.latestPdf.draftVersion })));
  const now = new Date();
  return copies.map((c) => portalCopyDto(c, scoresOf.get(c.id), reviews.filter((r) => r.copyId === c.id), now));
}

/** Characters a file system or a browser's save dialog would refuse in a file name. */
const fileSafe = (name: string) => name.replace(UNSAFE_IN_FILE_NAMES, "_").trim();

const downloadGradedPdf = preparedStatement<{ storagePath: string; title: string; subject: string }>("graded-pdf-download",
  `WITH pdf AS (${VISIBLE_PDF_SQL}),
   logged AS (
     INSERT INTO "AuditLog" ("schoolId", "actorType", "actorId", "action", "targetType", "targetId", "ip", "requestId", "data", "createdAt")
     SELECT $2::uuid, 'student', $3::uuid, 'copy.downloaded', 'copy', $1::text, $5, $6, jsonb_build_object('gradedPdfId', pdf."id", 'draftVersion', pdf."draftVersion"), $7::timestamp
     FROM pdf
   )
   SELECT "storagePath", "title", "subject" FROM pdf`);

/**
 * The copy's latest graded PDF and its download audited, in one statement on the pg pool (this
 * is what 300 students ask for at once after publication: through Prisma, its reads and the
 * audit row cost several milliseconds of CPU each); 404 when the student may not see the copy.
 */
export async function myGradedPdf(ctx: AppContext, student: StudentPrincipal, copyId: string, meta: RequestMeta) {
  const [pdf] = await downloadGradedPdf(ctx.pool, [
    // Timestamps are stored in UTC without a zone, as Prisma writes them.
    copyId, student.schoolId, student.id, student.className, meta.ip ?? null, meta.requestId ?? null, new Date().toISOString(),
  ]);
  if (!pdf) throw new NotFoundError("Copie introuvable.");
  return { storagePath: pdf.storagePath, name: fileSafe(`${pdf.title} - ${pdf.subject}.pdf`) };
}
