import { describe, expect, it } from "vitest";
import type { Batch, Exam } from "../api/types";
import { canRetry, copyCountTags, gradingStarted, progressPercent, progressText, samplePage } from "./batches";
import { changedFields, defaultHeaderKind, emptyExamForm, fieldErrors, headerKindAfterLayout, inputFromForm, parseClasses } from "./examForm";
import { moved, newQuestion, schemeInput, totalOf } from "./markingScheme";
import { boxFromCorners, boxFromPercents, isUsableBox, relativePoint } from "./nameBox";

const counts = { STAGING: 0, READY: 0, LOCKED: 0, FINALIZING: 0, GRADED: 0, FAILED: 0 };

const exam: Exam = {
  id: "e1",
  title: "Bac blanc",
  subject: "Mathématiques",
  date: "2026-03-12",
  classNames: ["TG1", "TG2"],
  pagesPerCopy: 4,
  layout: "A4_BATCH",
  nameBox: { x: 0.05, y: 0.03, width: 0.6, height: 0.12 },
  headerKind: "FREE_BOX",
  status: "DRAFT",
  reportScale: 20,
  questions: [],
  questionCount: 0,
  totalPoints: 0,
  copyCounts: counts,
};

function batch(over: Partial<Batch>): Batch {
  return {
    id: "b1",
    examId: "e1",
    status: "PROCESSING",
    stage: "pages",
    layout: "A4_BATCH",
    originalName: "scan.pdf",
    sizeBytes: 1000,
    scanPageCount: 40,
    pagesTotal: 40,
    pagesDone: 12,
    pagesFailed: 0,
    error: null,
    warnings: [],
    createdAt: "2026-03-12T10:00:00.000Z",
    booklets: [],
    ...over,
  };
}

const page = (id: string, status: "PENDING" | "DONE" | "FAILED") => ({
  id,
  position: 1,
  status,
  nearBlank: false,
  cover: false,
  error: null,
  width: 100,
  height: 141,
  imageUrl: `/api/pages/${id}/image`,
  thumbUrl: `/api/pages/${id}/thumb`,
});

describe("batches", () => {
  it("words the progress as pages done out of all, rounded down", () => {
    expect(progressPercent(batch({}))).toBe(30);
    expect(progressText(batch({}))).toBe("12 / 40 pages (30 %)");
    expect(progressPercent(batch({ pagesDone: 39 }))).toBe(97);
    expect(progressPercent(batch({ pagesDone: 40, status: "DONE" }))).toBe(100);
    expect(progressPercent(batch({ pagesTotal: 0, pagesDone: 0, status: "UPLOADED" }))).toBe(0);
    expect(progressText(batch({ pagesTotal: 0, pagesDone: 0, status: "UPLOADED" }))).toBe("Découpage en attente…");
  });

  it("offers a retry for failed batches and failed pages only", () => {
    expect(canRetry(batch({}))).toBe(false);
    expect(canRetry(batch({ status: "FAILED", pagesFailed: 0 }))).toBe(true);
    expect(canRetry(batch({ status: "DONE", pagesFailed: 2 }))).toBe(true);
  });

  it("takes the sample page from the first booklet of the newest batch that has one", () => {
    const newest = batch({ id: "new", booklets: [] });
    const older = batch({
      id: "old",
      booklets: [
        { id: "k1", index: 1, sourceName: null, status: "PENDING" as const, warnings: [], pages: [page("p1", "FAILED"), page("p2", "DONE")] },
        { id: "k2", index: 2, sourceName: null, status: "PENDING" as const, warnings: [], pages: [page("p3", "DONE")] },
      ],
    });
    expect(samplePage([newest, older])?.id).toBe("p2");
    expect(samplePage([newest])).toBeNull();
    // A cover sheet comes first in its booklet: the copy's first page is the sample.
    const covered = batch({ booklets: [{ id: "k3", index: 1, sourceName: null, status: "PENDING" as const, warnings: [], pages: [{ ...page("c", "DONE"), position: 0, cover: true }, page("p4", "DONE")] }] });
    expect(samplePage([covered])?.id).toBe("p4");
  });

  it("lists the non-zero copy counts with French labels", () => {
    expect(copyCountTags({ copyCounts: { ...counts, STAGING: 3, GRADED: 12 } })).toEqual(["À identifier : 3", "Corrigées : 12"]);
    expect(copyCountTags(exam)).toEqual([]);
    expect(gradingStarted({ copyCounts: { ...counts, READY: 5 } })).toBe(false);
    expect(gradingStarted({ copyCounts: { ...counts, LOCKED: 1 } })).toBe(true);
  });
});

describe("exam form", () => {
  it("splits the classes and builds the request body", () => {
    expect(parseClasses(" 2nde 3, 2nde 4,, 2nde 3 ; TG1 ")).toEqual(["2nde 3", "2nde 4", "TG1"]);
    const values = { ...emptyExamForm(new Date(2026, 2, 12)), title: " Bac blanc ", subject: "Maths", classes: "TG1", pagesPerCopy: "8" };
    expect(values.date).toBe("2026-03-12");
    expect(inputFromForm(values)).toEqual({
      title: "Bac blanc",
      subject: "Maths",
      date: "2026-03-12",
      classNames: ["TG1"],
      pagesPerCopy: 8,
      layout: "A3_DOUBLE",
      headerKind: "CMEN",
    });
  });

  it("sends only the fields that changed", () => {
    const input = { title: "Bac blanc", subject: "Mathématiques", date: "2026-03-12", classNames: ["TG1", "TG2"], pagesPerCopy: 4, layout: "A4_BATCH" as const, headerKind: "FREE_BOX" as const };
    expect(changedFields(exam, input)).toEqual({});
    expect(changedFields(exam, { ...input, classNames: ["TG1"], pagesPerCopy: 8 })).toEqual({ classNames: ["TG1"], pagesPerCopy: 8 });
    expect(changedFields(exam, { ...input, headerKind: "CMEN" })).toEqual({ headerKind: "CMEN" });
  });

  it("defaults the header kind from the layout as the server does, until another is chosen", () => {
    expect(defaultHeaderKind("A3_DOUBLE")).toBe("CMEN");
    expect(defaultHeaderKind("A4_BATCH")).toBe("FREE_BOX");
    expect(defaultHeaderKind("INDIVIDUAL_FILES")).toBe("FREE_BOX");
    // Still the default: it follows the layout.
    expect(headerKindAfterLayout("CMEN", "A3_DOUBLE", "A4_BATCH")).toBe("FREE_BOX");
    expect(headerKindAfterLayout("FREE_BOX", "A4_BATCH", "A3_DOUBLE")).toBe("CMEN");
    expect(headerKindAfterLayout("FREE_BOX", "A4_BATCH", "INDIVIDUAL_FILES")).toBe("FREE_BOX");
    // Chosen otherwise: it stays.
    expect(headerKindAfterLayout("FREE_BOX", "A3_DOUBLE", "A4_BATCH")).toBe("FREE_BOX");
    expect(headerKindAfterLayout("CMEN", "A4_BATCH", "INDIVIDUAL_FILES")).toBe("CMEN");
  });

  it("puts server details on the fields they name", () => {
    expect(
      fieldErrors([
        { path: "classNames.1", message: "Trop court" },
        { path: "pagesPerCopy", message: "Trop grand" },
        { path: "constructor", message: "?" },
        { path: "", message: "Global" },
      ]),
    ).toEqual({ "exam-classes": "Trop court", "exam-pages": "Trop grand" });
  });
});

describe("marking scheme", () => {
  it("totals the points and checks them before sending", () => {
    const rows = [newQuestion("Exercice 1", 4.5), newQuestion("Exercice 2", "0,75", 0.25)];
    expect(totalOf(rows)).toBe(5.25);
    expect(schemeInput(rows, 20)).toEqual({
      input: {
        questions: [
          { label: "Exercice 1", maxPoints: 4.5, step: 0.5 },
          { label: "Exercice 2", maxPoints: 0.75, step: 0.25 },
        ],
        reportScale: 20,
      },
    });
    expect(schemeInput([newQuestion("A", 0.3)], 20)).toHaveProperty("error");
    expect(schemeInput([newQuestion("A", 2.5, 1)], 20)).toEqual({ error: expect.stringContaining("multiple de son pas") });
    expect(schemeInput([newQuestion(" ", 1)], 20)).toHaveProperty("error");
    expect(schemeInput([newQuestion("A", 1)], "")).toHaveProperty("error");
    expect(schemeInput([], 20)).toHaveProperty("error");
  });

  it("moves rows up and down within bounds", () => {
    expect(moved(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(moved(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(moved(["a", "b", "c"], 0, -1)).toEqual(["a", "b", "c"]);
  });
});

describe("name box", () => {
  const rect = { left: 100, top: 50, width: 200, height: 400 };

  it("turns a drag in any direction into a page-relative box kept in the page", () => {
    const a = relativePoint(rect, 300, 250);
    const b = relativePoint(rect, 120, 90);
    expect(boxFromCorners(a, b)).toEqual({ x: 0.1, y: 0.1, width: 0.9, height: 0.4 });
    expect(relativePoint(rect, 0, 1000)).toEqual({ x: 0, y: 1 });
    expect(isUsableBox(boxFromCorners(a, a))).toBe(false);
  });

  it("reads typed percentages, trimming the box to the page", () => {
    expect(boxFromPercents({ x: 10, y: 5, width: 50, height: 10 })).toEqual({ x: 0.1, y: 0.05, width: 0.5, height: 0.1 });
    expect(boxFromPercents({ x: 80, y: 0, width: 50, height: 10 })).toEqual({ x: 0.8, y: 0, width: 0.2, height: 0.1 });
  });
});
