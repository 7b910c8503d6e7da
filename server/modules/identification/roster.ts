// Who may have written an exam's copies: the students of its classes in the exam's school
// year (their class that year, or their current class when the roster has no earlier year).
import type { Db, Prisma } from "../../lib/db.js";
import { currentSchoolYear } from "../students/service.js";

export interface ExamStudent {
  id: string;
  lastName: string;
  firstName: string;
  birthDate: string | null;
  className: string;
}

type Client = Db | Prisma.TransactionClient;

export async function examRoster(db: Client, exam: { schoolId: string; date: Date; classNames: string[] }): Promise<ExamStudent[]> {
  const schoolYear = currentSchoolYear(exam.date);
  const students = await db.student.findMany({
    where: {
      schoolId: exam.schoolId,
      disabled: false,
      OR: [{ enrollments: { some: { schoolYear, className: { in: exam.classNames } } } }, { className: { in: exam.classNames } }],
    },
    select: { id: true, lastName: true, firstName: true, birthDate: true, className: true, enrollments: { where: { schoolYear }, select: { className: true } } },
    orderBy: [{ lastName: "asc" }, { firstName: "asc" }],
  });
  return students.map((s) => ({
    id: s.id,
    lastName: s.lastName,
    firstName: s.firstName,
    birthDate: s.birthDate?.toISOString().slice(0, 10) ?? null,
    className: s.enrollments[0]?.className ?? s.className,
  }));
}
