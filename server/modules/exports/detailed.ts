// The detailed file: every question's score on each copy, its total and mark, then the
// statistics of each column (same computations as the statistics page). Same lines as the
// Pronote file, unidentified copies after the students (no name, their anonymous code).
import { decimalComma, type CsvValue } from "../../lib/csv.js";
import { scoreOn, summarize, type QuestionInfo, type GradedResult } from "../statistics/service.js";
import type { Summary } from "../statistics/schemas.js";
import { ABSENT, type RosterLine } from "./pronote.js";

const STATISTIC_ROWS: [label: string, key: Exclude<keyof Summary, "count">][] = [
  ["Moyenne", "mean"],
  ["Médiane", "median"],
  ["Écart-type", "stdDev"],
  ["Min", "min"],
  ["Max", "max"],
];

const IDENTITY_COLUMNS = 5; // Nom, Prénom, Classe, INE, Code anonyme

export function detailedRows(questions: readonly QuestionInfo[], lines: readonly RosterLine[], unidentified: readonly GradedResult[]): CsvValue[][] {
  const marks = (copy: GradedResult): CsvValue[] => [...questions.map((q) => scoreOn(copy.scores, q.id)), copy.totalScore, copy.mark];
  const nothing = () => Array<null>(IDENTITY_COLUMNS - 1).fill(null);
  const header = ["Nom", "Prénom", "Classe", "INE", "Code anonyme", ...questions.map((q) => `${q.label} (/${decimalComma(q.maxPoints)})`), "Total", "Note"];
  const students = lines.map(({ student, result }) => [
    student.lastName,
    student.firstName,
    student.className,
    student.ine,
    ...(result ? [result.anonymousCode, ...marks(result)] : [null, ...questions.map(() => null), null, ABSENT]),
  ]);
  const copies = unidentified.map((copy) => [...nothing(), copy.anonymousCode, ...marks(copy)]);
  const graded = [...lines.flatMap((l) => (l.result ? [l.result] : [])), ...unidentified];
  const columns = [...questions.map((q) => graded.map((c) => scoreOn(c.scores, q.id))), graded.map((c) => c.totalScore), graded.map((c) => c.mark)].map(summarize);
  const statistics = STATISTIC_ROWS.map(([label, key]) => [label, ...nothing(), ...columns.map((column) => column[key])]);
  return [header, ...students, ...copies, [], ...statistics];
}
