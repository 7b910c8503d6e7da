// The Pronote import file: one line per student of the exam's classes, "Abs" for a student
// without a graded copy. Copies nobody was identified for cannot go to a student's line; they
// follow in a section of their own, after an empty line, so the admin sees them and the
// import (which matches students by name or INE) skips them:
//
//   Nom;Prénom;Classe;INE;Note
//   DURAND;Léa;2nde A;123456789AB;14,5
//   MARTIN;Hugo;2nde A;;Abs
//
//   Copies non identifiées;;;;
//   ;;;<anonymous code in the INE column>;9,5
import type { CsvValue } from "../../lib/csv.js";
import type { GradedResult, GradedStudent } from "../statistics/service.js";

export const ABSENT = "Abs";
export const UNIDENTIFIED_SECTION = "Copies non identifiées";

/** A student of the export and their graded copy (null: absent, or not graded yet). */
export interface RosterLine {
  student: GradedStudent;
  result: GradedResult | null;
}

export function pronoteRows(lines: readonly RosterLine[], unidentified: readonly GradedResult[]): CsvValue[][] {
  const rows: CsvValue[][] = [
    ["Nom", "Prénom", "Classe", "INE", "Note"],
    ...lines.map(({ student, result }) => [student.lastName, student.firstName, student.className, student.ine, result ? result.mark : ABSENT]),
  ];
  if (unidentified.length > 0) {
    rows.push([], [UNIDENTIFIED_SECTION, null, null, null, null], ...unidentified.map((copy) => [null, null, null, copy.anonymousCode, copy.mark]));
  }
  return rows;
}
