// An exam's exports for the admin: the Pronote file, the detailed file, the ZIP of graded PDFs.
// Each is audited as exam.exported with its kind and counts (never names or marks).
import { audit, type RequestMeta } from "../../lib/audit.js";
import type { AppContext } from "../../lib/context.js";
import type { Db } from "../../lib/db.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { byName, frenchOrder } from "../../lib/collation.js";
import { csvDocument } from "../../lib/csv.js";
import { findExam } from "../exams/service.js";
import { examResults, type ExamResults, type GradedResult, type GradedStudent } from "../statistics/service.js";
import { detailedRows } from "./detailed.js";
import { pronoteRows, type RosterLine } from "./pronote.js";
import type { ExportKind } from "./schemas.js";
import { checkStored, writeZip, zipEntries } from "./zip.js";

interface Roster {
  exam: ExamResults["exam"];
  lines: RosterLine[];
  unidentified: GradedResult[];
}

const byClassAndName = (a: GradedStudent, b: GradedStudent) => frenchOrder(a.className, b.className) || byName(a, b) || a.id.localeCompare(b.id);

/**
 * Who the exports list: the active students of the exam's classes, plus any student with a
 * graded copy who is not among them any more (moved to another class, left): a mark is never
 * dropped. Sorted by class, last name, first name.
 */
async function roster(db: Db, actor: StaffPrincipal, examId: string): Promise<Roster> {
  const { exam, graded } = await examResults(db, await findExam(db, actor.schoolId, examId));
  const students = await db.student.findMany({
    where: { schoolId: actor.schoolId, disabled: false, className: { in: [...exam.classNames] } },
    select: { id: true, lastName: true, firstName: true, className: true, ine: true },
  });
  const listed = new Set(students.map((s) => s.id));
  const resultOf = new Map(graded.flatMap((r) => (r.student ? [[r.student.id, r] as const] : [])));
  const others = graded.flatMap((r) => (r.student && !listed.has(r.student.id) ? [r.student] : []));
  const lines = [...students, ...others].sort(byClassAndName).map((student) => ({ student, result: resultOf.get(student.id) ?? null }));
  return { exam, lines, unidentified: graded.filter((r) => !r.student) };
}

const exportName = (exam: Roster["exam"], what: string) => `${exam.title} - ${exam.subject} - ${what}`;

async function audited(db: Db, actor: StaffPrincipal, data: { examId: string; kind: ExportKind; students: number; gradedCopies: number }, meta: RequestMeta): Promise<void> {
  const { examId, ...counts } = data;
  await audit(db, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.exported", targetType: "exam", targetId: examId, data: counts }, meta);
}

const gradedCount = (r: Roster) => r.lines.filter((l) => l.result).length + r.unidentified.length;

export interface FileExport {
  fileName: string;
  body: Buffer;
}

export async function pronoteExport(ctx: AppContext, actor: StaffPrincipal, examId: string, meta: RequestMeta): Promise<FileExport> {
  const r = await roster(ctx.db, actor, examId);
  const body = csvDocument(pronoteRows(r.lines, r.unidentified));
  await audited(ctx.db, actor, { examId: r.exam.id, kind: "pronote.csv", students: r.lines.length, gradedCopies: gradedCount(r) }, meta);
  return { fileName: exportName(r.exam, "Pronote.csv"), body };
}

export async function detailedExport(ctx: AppContext, actor: StaffPrincipal, examId: string, meta: RequestMeta): Promise<FileExport> {
  const r = await roster(ctx.db, actor, examId);
  const body = csvDocument(detailedRows(r.exam.questions, r.lines, r.unidentified));
  await audited(ctx.db, actor, { examId: r.exam.id, kind: "detailed.csv", students: r.lines.length, gradedCopies: gradedCount(r) }, meta);
  return { fileName: exportName(r.exam, "Détail.csv"), body };
}

export interface ZipExport {
  fileName: string;
  files: number;
  /** Streams the archive into `destination` (the HTTP response) as it is produced. */
  write(destination: NodeJS.WritableStream): Promise<void>;
}

/** Checks every PDF is stored and audits before anything is sent; the archive is written by `write`. */
export async function gradedPdfsExport(ctx: AppContext, actor: StaffPrincipal, examId: string, meta: RequestMeta): Promise<ZipExport> {
  const r = await roster(ctx.db, actor, examId);
  const entries = zipEntries(r.lines, r.unidentified);
  await checkStored(ctx.files, entries);
  await audited(ctx.db, actor, { examId: r.exam.id, kind: "graded-pdfs.zip", students: r.lines.length, gradedCopies: entries.length }, meta);
  return { fileName: exportName(r.exam, "Copies corrigées.zip"), files: entries.length, write: (destination) => writeZip(ctx.files, entries, destination) };
}
