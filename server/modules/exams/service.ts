// Exams of a school. Creation and editing arrive with scan ingestion; this lists them.
import type { Db } from "../../lib/db.js";

export async function listExams(db: Db, schoolId: string) {
  const exams = await db.exam.findMany({
    where: { schoolId },
    orderBy: [{ date: "desc" }, { title: "asc" }],
    include: { questions: { select: { maxPoints: true } } },
  });
  return exams.map((exam) => ({
    id: exam.id,
    title: exam.title,
    subject: exam.subject,
    date: exam.date.toISOString().slice(0, 10),
    classNames: exam.classNames,
    status: exam.status,
    questionCount: exam.questions.length,
    totalPoints: exam.questions.reduce((sum, q) => sum + q.maxPoints.toNumber(), 0),
    reportScale: exam.reportScale.toNumber(),
  }));
}
