// From stored readings to decisions: suggestions for every unconfirmed booklet, continuation
// sheets (Copie n° 2 / 2) merged into the sheet before them, and automatic identification
// where it is certain (a cover sheet) or clear enough (the configured threshold and margin).
// Runs after a batch's headers are read and again on "re-run identification"; it reads
// nothing but the database, so running it twice decides the same.
import type { AppContext } from "../../lib/context.js";
import { Prisma } from "../../lib/db.js";
import { audit } from "../../lib/audit.js";
import { existingCopyOf, identifyBooklet, lockExam } from "./copies.js";
import { autoIdentify, matchReading, prepareRoster, type PreparedRoster, type Suggestion } from "./match.js";
import { asReading, fileNameText, type StoredReading } from "./reading.js";
import { examRoster } from "./roster.js";
import { appendPages, type EditableBooklet } from "./pages.js";

type Tx = Prisma.TransactionClient;

export interface DecideScope {
  examId: string;
  /** Only the booklets of this batch (after reading it); all of the exam when absent. */
  batchId?: string;
}

interface Candidate extends EditableBooklet {
  reading: StoredReading | null;
  suggestions: Suggestion[];
  warnings: string[];
}

/** The best students for a reading: a cover sheet is certain; OCR and file name are merged. */
function suggest(reading: StoredReading | null, roster: PreparedRoster, covers: Map<string, string>): Suggestion[] {
  if (!reading) return [];
  const covered = reading.coverToken ? covers.get(reading.coverToken) : undefined;
  if (covered) return [{ studentId: covered, confidence: 1 }];
  const lists = [
    reading.header ? matchReading(reading.header, roster) : [],
    reading.sourceName ? matchReading({ lastName: null, firstName: null, birthDate: null, text: fileNameText(reading.sourceName) }, roster) : [],
  ];
  const best = new Map<string, number>();
  for (const s of lists.flat()) best.set(s.studentId, Math.max(best.get(s.studentId) ?? 0, s.confidence));
  return [...best].map(([studentId, confidence]) => ({ studentId, confidence })).sort((a, b) => b.confidence - a.confidence).slice(0, 3);
}

const sheetOf = (b: Candidate) => b.reading?.header?.sheet ?? null;

export async function decide(ctx: AppContext, scope: DecideScope): Promise<{ decided: number; identified: number; merged: number }> {
  const rule = { threshold: ctx.config.IDENTIFY_THRESHOLD, margin: ctx.config.IDENTIFY_MARGIN };
  return ctx.db.$transaction(async (tx) => {
    await lockExam(tx, scope.examId);
    const exam = await tx.exam.findUniqueOrThrow({ where: { id: scope.examId }, select: { schoolId: true, date: true, classNames: true } });
    const roster = prepareRoster(await examRoster(tx, exam));
    const covers = new Map((await tx.coverSheet.findMany({ where: { examId: scope.examId }, select: { token: true, studentId: true } })).map((c) => [c.token, c.studentId]));
    const rows = await tx.booklet.findMany({
      where: { examId: scope.examId, ...(scope.batchId ? { batchId: scope.batchId } : {}), status: { in: ["READING", "PENDING"] }, NOT: { reading: { equals: Prisma.DbNull } } },
      orderBy: [{ batch: { createdAt: "asc" } }, { index: "asc" }],
    });
    const booklets: Candidate[] = rows.map((b) => ({ ...b, reading: asReading(b.reading), suggestions: [] }));
    for (const b of booklets) {
      b.suggestions = suggest(b.reading, roster, covers);
      if (b.reading?.coverToken && !covers.has(b.reading.coverToken)) b.warnings = [...b.warnings, "Page de garde d'un autre examen : vérifiez la liasse."];
    }
    const merged = await mergeContinuations(tx, booklets);
    // A continuation sheet that found no sheet to follow is for a person to place.
    const automatic = booklets.filter((b) => !merged.has(b.id) && (sheetOf(b)?.k ?? 1) <= 1);
    let identified = 0;
    for (const b of chooseAutomatic(automatic, rule)) {
      const student = b.suggestions[0]!.studentId;
      if (await existingCopyOf(tx, b.examId, student, b.copyId)) continue;
      const method = b.reading?.coverToken ? "QR" : "OCR";
      await identifyBooklet(tx, b, student, method, null);
      await audit(tx, { schoolId: b.schoolId, actorType: "system", action: "identification.booklet_identified_automatically", targetType: "booklet", targetId: b.id, data: { studentId: student, method, confidence: b.suggestions[0]!.confidence } });
      b.status = "IDENTIFIED";
      identified++;
    }
    for (const b of booklets.filter((b) => !merged.has(b.id))) {
      await tx.booklet.update({
        where: { id: b.id },
        data: { suggestions: b.suggestions as unknown as Prisma.InputJsonValue, warnings: b.warnings, ...(b.status === "READING" ? { status: "PENDING" } : {}) },
      });
    }
    return { decided: booklets.length, identified, merged: merged.size };
  }, { timeout: 120_000 });
}

/**
 * Booklets to identify without a click: a known cover sheet, or a clear OCR match. A student
 * claimed by two booklets is left to a person for both.
 */
function chooseAutomatic(booklets: Candidate[], rule: { threshold: number; margin: number }): Candidate[] {
  const picks = booklets
    .filter((b) => b.status !== "IDENTIFIED")
    .map((b) => ({ b, student: b.reading?.coverToken && b.suggestions[0]?.confidence === 1 ? b.suggestions[0].studentId : autoIdentify(b.suggestions, rule) }))
    .filter((p): p is { b: Candidate; student: string } => p.student !== null);
  const claims = new Map<string, number>();
  for (const p of picks) claims.set(p.student, (claims.get(p.student) ?? 0) + 1);
  return picks.filter((p) => claims.get(p.student) === 1).map((p) => p.b);
}

/**
 * A sheet that says "Copie n° k / n" with k > 1 joins the sheet just before it in the same
 * batch when both point to the same student and that sheet is k − 1; otherwise it stays on the
 * desk with a warning, since attaching it to the wrong copy would mix two students' work.
 */
async function mergeContinuations(tx: Tx, booklets: Candidate[]): Promise<Set<string>> {
  const merged = new Set<string>();
  // The last sheet number of each chain so far: the next sheet must follow it.
  const lastSheet = new Map<string, number>();
  const byPosition = new Map(booklets.map((b) => [`${b.batchId}:${b.index}`, b]));
  for (const b of booklets) {
    const sheet = sheetOf(b);
    if (!sheet || sheet.k <= 1) continue;
    const previous = byPosition.get(`${b.batchId}:${b.index - 1}`) ?? (await identifiedNeighbour(tx, b));
    const target = previous && !merged.has(previous.id) ? previous : undefined;
    const sameStudent = target && target.suggestions[0] && b.suggestions[0] && target.suggestions[0].studentId === b.suggestions[0].studentId;
    const previousSheet = target ? (lastSheet.get(target.id) ?? sheetOf(target)?.k) : undefined;
    if (target && sameStudent && (previousSheet === undefined || previousSheet === sheet.k - 1)) {
      await appendPages(tx, b.id, target.id);
      await tx.booklet.update({ where: { id: b.id }, data: { status: "MERGED", mergedIntoId: target.id, suggestions: b.suggestions as unknown as Prisma.InputJsonValue } });
      merged.add(b.id);
      lastSheet.set(target.id, sheet.k);
      byPosition.set(`${b.batchId}:${b.index}`, target);
    } else {
      b.warnings = [...new Set([...b.warnings, `Feuille ${sheet.k} / ${sheet.n} : rattachez-la à la copie de son élève.`])];
    }
  }
  return merged;
}

/** The booklet before `b` when it was identified earlier (e.g. by an admin), as a candidate. */
async function identifiedNeighbour(tx: Tx, b: Candidate): Promise<Candidate | undefined> {
  // Only while nobody grades it: pages never change under a teacher.
  const row = await tx.booklet.findFirst({ where: { batchId: b.batchId, index: b.index - 1, status: "IDENTIFIED", copy: { status: "READY" } }, include: { copy: { select: { studentId: true } } } });
  if (!row?.copy?.studentId) return undefined;
  return { ...row, reading: asReading(row.reading), suggestions: [{ studentId: row.copy.studentId, confidence: 1 }] };
}
