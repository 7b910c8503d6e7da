// Graded copies written straight into the database and DATA_DIR, without scans or the worker:
// exports and statistics only read GRADED copies, their latest GradedPdf and its draft's scores.
// Much faster than drawing real graded PDFs, so a test can have dozens of (large) copies.
import { createHash } from "node:crypto";
import { PDFDocument } from "pdf-lib";
import type { AppContext } from "../lib/context.js";
import { Scratch, storedPath } from "../lib/storage.js";

export interface FixtureStudent {
  lastName: string;
  firstName: string;
  className: string;
  ine?: string | null;
  disabled?: boolean;
}

/** One graded version of a copy: scores by question position (0-based). */
export type Version = (number | null)[];

export interface FixtureCopy {
  anonymousCode: string;
  /** Null: a copy nobody was identified for. */
  student: FixtureStudent | null;
  /** Every graded version, oldest first; the copy shows the last one. */
  versions: Version[];
  /** Reopened after its last version: READY again, its graded PDFs kept. */
  reopened?: boolean;
}

export interface MarksFixture {
  examId: string;
  questionIds: string[];
  /** Student id by "LASTNAME Firstname". */
  studentIds: Map<string, string>;
  /** Copy id by anonymous code. */
  copyIds: Map<string, string>;
  /** The stored latest graded PDF (relative to DATA_DIR) by anonymous code. */
  pdfPaths: Map<string, string>;
}

let counter = 0;
const uniqueLogin = () => `fixture-${process.pid}-${++counter}-${Math.random().toString(36).slice(2, 8)}`;

/** A small real PDF naming the copy, padded with a PDF comment to about `padBytes` (after %%EOF, which readers ignore). */
export async function fixturePdf(label: string, padBytes = 0): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText(`Copie ${label}`, { x: 50, y: 780, size: 18 });
  const pdf = Buffer.from(await doc.save());
  if (padBytes <= 0) return pdf;
  const pad = Buffer.alloc(padBytes, `% ${label} `);
  return Buffer.concat([pdf, Buffer.from("\n"), pad, Buffer.from("\n")]);
}

export async function createFixtureStudent(ctx: AppContext, schoolId: string, s: FixtureStudent): Promise<string> {
  const row = await ctx.db.student.create({
    data: { schoolId, login: uniqueLogin(), lastName: s.lastName, firstName: s.firstName, className: s.className, ine: s.ine ?? null, disabled: s.disabled ?? false },
  });
  return row.id;
}

/**
 * An exam with these questions (label, max points) and copies; students listed in `roster`
 * are created too (those without a copy: absent). `padBytes` pads each graded PDF.
 */
export async function makeMarksFixture(
  ctx: AppContext,
  opts: {
    schoolId: string;
    createdById: string;
    exam: { title: string; subject: string; classNames: string[]; reportScale?: number };
    questions: [label: string, maxPoints: number][];
    roster?: FixtureStudent[];
    copies: FixtureCopy[];
    padBytes?: number;
  },
): Promise<MarksFixture> {
  const { schoolId } = opts;
  const scratch = new Scratch(ctx.config.DATA_DIR, "marks-fixture");
  const exam = await ctx.db.exam.create({
    data: { schoolId, title: opts.exam.title, subject: opts.exam.subject, date: new Date("2026-11-20"), classNames: opts.exam.classNames, pagesPerCopy: 2, layout: "A4_BATCH", reportScale: opts.exam.reportScale ?? 20, status: "OPEN", createdById: opts.createdById },
  });
  const questionIds: string[] = [];
  for (const [position, [label, maxPoints]] of opts.questions.entries()) {
    questionIds.push((await ctx.db.question.create({ data: { examId: exam.id, position: position + 1, label, maxPoints } })).id);
  }
  const studentIds = new Map<string, string>();
  const addStudent = async (s: FixtureStudent) => {
    const id = await createFixtureStudent(ctx, schoolId, s);
    studentIds.set(`${s.lastName} ${s.firstName}`, id);
    return id;
  };
  for (const s of opts.roster ?? []) await addStudent(s);
  const copyIds = new Map<string, string>();
  const pdfPaths = new Map<string, string>();
  for (const c of opts.copies) {
    const studentId = c.student ? await addStudent(c.student) : null;
    const copy = await ctx.db.copy.create({ data: { schoolId, examId: exam.id, studentId, anonymousCode: c.anonymousCode, status: "READY" } });
    copyIds.set(c.anonymousCode, copy.id);
    let total = 0;
    let path = "";
    for (const [index, points] of c.versions.entries()) {
      const version = index + 1;
      const scores = Object.fromEntries(questionIds.map((id, i) => [id, points[i] ?? null]));
      total = points.reduce<number>((sum, p) => sum + (p ?? 0), 0);
      await ctx.db.draft.create({ data: { copyId: copy.id, version, content: { annotations: [], comment: "", rubric: {}, overrides: [] }, scores, authorId: opts.createdById } });
      const pdf = await fixturePdf(`${c.anonymousCode} v${version}`, opts.padBytes);
      path = storedPath.gradedPdf(schoolId, copy.id, version);
      await ctx.files.put(path, pdf, scratch);
      await ctx.db.gradedPdf.create({ data: { schoolId, copyId: copy.id, draftVersion: version, storagePath: path, sha256: createHash("sha256").update(pdf).digest("hex"), sizeBytes: pdf.byteLength, totalScore: total } });
    }
    pdfPaths.set(c.anonymousCode, path);
    const graded = c.versions.length > 0 && !c.reopened;
    await ctx.db.copy.update({
      where: { id: copy.id },
      data: graded ? { status: "GRADED", totalScore: total, gradedPdfPath: path, finalVersion: c.versions.length, finalizedAt: new Date() } : { finalVersion: c.versions.length || null },
    });
  }
  return { examId: exam.id, questionIds, studentIds, copyIds, pdfPaths };
}

/**
 * "DS 3 - Maths", classes 2nde A and 2nde B, /20 from 40 points (Exercice 1 /15, Exercice 2 /25):
 * - 2nde A: DURAND Léa 29 pts (14,5), "=SOMME(A1:A9)" Zoé 24 pts (12), MARTIN Hugo absent,
 *   ANCIEN Paul disabled (not exported);
 * - 2nde B: BERNARD Chloé graded 40 then reopened (not GRADED: Abs), PETIT Noé graded 20 then
 *   regraded 26,5 pts (13,25); LEROY Inès in 2nde C (not the exam's class);
 * - unidentified: X0001 19 pts (9,5), X0002 34 pts (17).
 * Marks 9,5 12 13,25 14,5 17: mean and median 13,25, population standard deviation 2,5.
 */
export function ds3Fixture(ctx: AppContext, schoolId: string, createdById: string, padBytes?: number): Promise<MarksFixture> {
  return makeMarksFixture(ctx, {
    schoolId,
    createdById,
    padBytes,
    exam: { title: "DS 3", subject: "Maths", classNames: ["2nde A", "2nde B"] },
    questions: [["Exercice 1", 15], ["Exercice 2", 25]],
    roster: [
      { lastName: "MARTIN", firstName: "Hugo", className: "2nde A", ine: "123456789AC" },
      { lastName: "ANCIEN", firstName: "Paul", className: "2nde A", ine: "123456789AF", disabled: true },
      { lastName: "LEROY", firstName: "Inès", className: "2nde C", ine: "123456789AG" },
    ],
    copies: [
      { anonymousCode: "A0001", student: { lastName: "DURAND", firstName: "Léa", className: "2nde A", ine: "123456789AA" }, versions: [[12, 17]] },
      { anonymousCode: "A0002", student: { lastName: "=SOMME(A1:A9)", firstName: "Zoé", className: "2nde A" }, versions: [[9, 15]] },
      { anonymousCode: "B0001", student: { lastName: "BERNARD", firstName: "Chloé", className: "2nde B", ine: "123456789AD" }, versions: [[15, 25]], reopened: true },
      { anonymousCode: "B0002", student: { lastName: "PETIT", firstName: "Noé", className: "2nde B", ine: "123456789AE" }, versions: [[8, 12], [10.5, 16]] },
      { anonymousCode: "X0001", student: null, versions: [[6, 13]] },
      { anonymousCode: "X0002", student: null, versions: [[15, 19]] },
    ],
  });
}
