// What the identification desk shows: an exam's booklets with what was read, the suggestions,
// their pages and copy, the exam's roster with who already has a copy, and discarded pages.
import type { Db, Prisma } from "../../lib/db.js";
import { findExam } from "../exams/service.js";
import { asReading, asSuggestions } from "./reading.js";
import { examRoster } from "./roster.js";

type Client = Db | Prisma.TransactionClient;

const bookletInclude = {
  batch: { select: { originalName: true, createdAt: true } },
  copy: { select: { id: true, anonymousCode: true, status: true, studentId: true } },
  pages: {
    orderBy: [{ position: "asc" }, { scanPageIndex: "asc" }],
    select: { id: true, position: true, status: true, rotation: true, nearBlank: true, coverToken: true, discardedAt: true, width: true, height: true },
  },
} satisfies Prisma.BookletInclude;

type BookletRow = Prisma.BookletGetPayload<{ include: typeof bookletInclude }>;

function toDesk(b: BookletRow) {
  const reading = asReading(b.reading);
  return {
    id: b.id,
    batchId: b.batchId,
    batchName: b.batch.originalName,
    index: b.index,
    status: b.status,
    method: b.method,
    setAsideReason: b.setAsideReason,
    readError: b.readError,
    header: reading?.header ?? null,
    coverSheet: Boolean(reading?.coverToken),
    sourceName: b.sourceName,
    suggestions: asSuggestions(b.suggestions),
    copy: b.copy ? { id: b.copy.id, anonymousCode: b.copy.anonymousCode, status: b.copy.status } : null,
    studentId: b.copy?.studentId ?? null,
    hasHeaderCrop: b.headerCropPath !== null,
    warnings: b.warnings,
    pages: b.pages
      .filter((p) => p.discardedAt === null)
      .map((p) => ({ id: p.id, position: p.position, status: p.status, rotation: p.rotation, nearBlank: p.nearBlank, cover: p.coverToken !== null, width: p.width, height: p.height })),
  };
}
export type DeskBooklet = ReturnType<typeof toDesk>;

export async function deskBooklets(db: Client, schoolId: string, where: Prisma.BookletWhereInput): Promise<DeskBooklet[]> {
  const rows = await db.booklet.findMany({ where: { ...where, schoolId }, include: bookletInclude, orderBy: [{ batch: { createdAt: "asc" } }, { index: "asc" }] });
  return rows.map(toDesk);
}

export async function deskView(db: Db, schoolId: string, examId: string) {
  const exam = await findExam(db, schoolId, examId);
  const [booklets, roster, copies, discarded, coverSheets] = await Promise.all([
    // A late sheet's own booklet is not for the desk while it waits to join its copy.
    deskBooklets(db, schoolId, { examId, status: { not: "MERGED" }, NOT: { status: "READING", batch: { attachToId: { not: null } } } }),
    examRoster(db, exam),
    db.copy.findMany({ where: { examId, studentId: { not: null } }, select: { id: true, studentId: true, anonymousCode: true } }),
    db.page.findMany({ where: { schoolId, discardedAt: { not: null }, booklet: { examId } }, select: { id: true, bookletId: true, discardedAt: true, rotation: true, width: true, height: true }, orderBy: { discardedAt: "desc" } }),
    db.coverSheet.count({ where: { examId } }),
  ]);
  const copyOf = new Map(copies.map((c) => [c.studentId!, c]));
  // Students identified from outside the exam's classes are listed too, so names always resolve.
  const outside = copies.filter((c) => !roster.some((s) => s.id === c.studentId)).map((c) => c.studentId!);
  const extra = outside.length
    ? await db.student.findMany({ where: { id: { in: outside }, schoolId }, select: { id: true, lastName: true, firstName: true, birthDate: true, className: true } })
    : [];
  const students = [...roster, ...extra.map((s) => ({ ...s, birthDate: s.birthDate?.toISOString().slice(0, 10) ?? null }))].map((s) => ({
    ...s,
    copyId: copyOf.get(s.id)?.id ?? null,
  }));
  const count = (status: string) => booklets.filter((b) => b.status === status).length;
  return {
    exam: { id: exam.id, title: exam.title, headerKind: exam.headerKind, classNames: exam.classNames, coverSheets },
    summary: { booklets: booklets.length, reading: count("READING"), pending: count("PENDING"), identified: count("IDENTIFIED"), setAside: count("SET_ASIDE") },
    booklets,
    students,
    discardedPages: discarded.map((p) => ({ ...p, discardedAt: p.discardedAt!.toISOString() })),
  };
}
