// The exam form's values, the request body made from them, and server errors put on fields.
import type { ErrorDetail, Exam, ExamInput, ExamLayout, HeaderKind } from "../api/types";
import { today } from "../format";

export const LAYOUTS: readonly ExamLayout[] = ["A3_DOUBLE", "A4_BATCH", "INDIVIDUAL_FILES"];
export const HEADER_KINDS: readonly HeaderKind[] = ["FREE_BOX", "CMEN"];

/** As the server chooses it when none is given: copies doubles carry the boxed CMEN header. */
export function defaultHeaderKind(layout: ExamLayout): HeaderKind {
  return layout === "A3_DOUBLE" ? "CMEN" : "FREE_BOX";
}

/**
 * The header kind once the layout changes: it follows the layout while it is the previous
 * layout's default, and stays as it is when it was chosen otherwise.
 */
export function headerKindAfterLayout(current: HeaderKind, previous: ExamLayout, next: ExamLayout): HeaderKind {
  return current === defaultHeaderKind(previous) ? defaultHeaderKind(next) : current;
}

export interface ExamFormValues {
  title: string;
  subject: string;
  date: string;
  /** Comma-separated class names, as typed. */
  classes: string;
  /** What the number input holds: a number, or "" while empty. */
  pagesPerCopy: number | string;
  layout: ExamLayout;
  headerKind: HeaderKind;
}

export function emptyExamForm(now = new Date()): ExamFormValues {
  return { title: "", subject: "", date: today(now), classes: "", pagesPerCopy: 4, layout: "A3_DOUBLE", headerKind: defaultHeaderKind("A3_DOUBLE") };
}

export function formFromExam(exam: Exam): ExamFormValues {
  return {
    title: exam.title,
    subject: exam.subject,
    date: exam.date,
    classes: exam.classNames.join(", "),
    pagesPerCopy: exam.pagesPerCopy,
    layout: exam.layout,
    headerKind: exam.headerKind,
  };
}

/** "2nde 3, 2nde 4;;" → ["2nde 3", "2nde 4"]: trimmed, no empties, no repeats. */
export function parseClasses(text: string): string[] {
  return [...new Set(text.split(/[,;]/).map((c) => c.trim()).filter((c) => c !== ""))];
}

export function inputFromForm(values: ExamFormValues): ExamInput {
  const pages = typeof values.pagesPerCopy === "number" ? values.pagesPerCopy : Number(values.pagesPerCopy.trim());
  return {
    title: values.title.trim(),
    subject: values.subject.trim(),
    date: values.date,
    classNames: parseClasses(values.classes),
    pagesPerCopy: Number.isFinite(pages) ? pages : 0,
    layout: values.layout,
    headerKind: values.headerKind,
  };
}

/** Only what differs from the exam, so the server checks (and logs) only real changes. */
export function changedFields(exam: Exam, input: ExamInput): Partial<ExamInput> {
  const patch: Partial<ExamInput> = {};
  if (input.title !== exam.title) patch.title = input.title;
  if (input.subject !== exam.subject) patch.subject = input.subject;
  if (input.date !== exam.date) patch.date = input.date;
  if (input.classNames.join("\n") !== exam.classNames.join("\n")) patch.classNames = input.classNames;
  if (input.pagesPerCopy !== exam.pagesPerCopy) patch.pagesPerCopy = input.pagesPerCopy;
  if (input.layout !== undefined && input.layout !== exam.layout) patch.layout = input.layout;
  if (input.headerKind !== undefined && input.headerKind !== exam.headerKind) patch.headerKind = input.headerKind;
  return patch;
}

/** Ids (and test ids) of the form's inputs, by the request field they fill. */
export const FIELD_IDS = {
  title: "exam-title",
  subject: "exam-subject",
  date: "exam-date",
  classNames: "exam-classes",
  pagesPerCopy: "exam-pages",
  layout: "exam-layout",
  headerKind: "exam-header-kind",
} as const;

export type ExamFieldId = (typeof FIELD_IDS)[keyof typeof FIELD_IDS];

/** The 400 details that name a field of the form ("classNames.1" → exam-classes), first message each. */
export function fieldErrors(details: readonly ErrorDetail[]): Partial<Record<ExamFieldId, string>> {
  const errors: Partial<Record<ExamFieldId, string>> = {};
  for (const detail of details) {
    const root = detail.path.split(".")[0] ?? "";
    const id = Object.hasOwn(FIELD_IDS, root) ? FIELD_IDS[root as keyof typeof FIELD_IDS] : undefined;
    if (id && !errors[id]) errors[id] = detail.message;
  }
  return errors;
}
