import { describe, expect, it } from "vitest";
import type { CopyHistoryEvent, CopySummary, ExamDocument, ExamGrader, StaffUser } from "../../api/types";
import { ALL, copyActions, emptyFilter, filterCopies, graderOptions, lockLabel, NONE, scoreLabel, studentLabel } from "./copies";
import { DOCUMENT_MAX_BYTES, documentGroups, formatSize, refusedDocument, versionLine } from "./documents";
import { dispatchQuestion, dispatchSummary, graderChoices, sameIds } from "./graders";
import { eventDetail, historyRows } from "./history";

function copy(over: Partial<CopySummary>): CopySummary {
  return { id: "c1", anonymousCode: "A00001", status: "READY", grader: null, lock: null, totalScore: null, student: null, ...over };
}

function doc(over: Partial<ExamDocument>): ExamDocument {
  return { id: "d1", kind: "SUBJECT", version: 1, originalName: "sujet.pdf", sizeBytes: 1572864, createdAt: "2026-12-03T13:05:00Z", uploadedBy: "Marie Curie", url: "/api/documents/d1/file", ...over };
}

function user(over: Partial<StaffUser>): StaffUser {
  return { id: "u1", email: "u1@lycee.fr", displayName: "Marie Curie", role: "TEACHER", disabled: false, lastLoginAt: null, ...over };
}

const curie: ExamGrader = { id: "u1", displayName: "Marie Curie", email: "u1@lycee.fr", copies: 12 };
const langevin: ExamGrader = { id: "u2", displayName: "Paul Langevin", email: "u2@lycee.fr", copies: 1 };

describe("exam documents", () => {
  it("groups every kind in a fixed order, the highest version current and the others newest first", () => {
    const groups = documentGroups([doc({ id: "s1", version: 1 }), doc({ id: "k1", kind: "ANSWER_KEY" }), doc({ id: "s3", version: 3 }), doc({ id: "s2", version: 2 })]);
    expect(groups.map((g) => g.kind)).toEqual(["SUBJECT", "ANSWER_KEY", "MARKING_SCHEME"]);
    expect(groups[0]!.current?.id).toBe("s3");
    expect(groups[0]!.earlier.map((d) => d.id)).toEqual(["s2", "s1"]);
    expect(groups[1]).toMatchObject({ current: { id: "k1" }, earlier: [] });
    expect(groups[2]).toEqual({ kind: "MARKING_SCHEME", current: null, earlier: [] });
  });

  it("refuses before sending what the server would refuse", () => {
    expect(refusedDocument({ name: "sujet.PDF", size: 1000, type: "" })).toBeNull();
    expect(refusedDocument({ name: "scan", size: 1000, type: "application/pdf" })).toBeNull();
    expect(refusedDocument({ name: "sujet.docx", size: 1000, type: "application/msword" })).toBe("« sujet.docx » n’est pas un fichier PDF : enregistrez le document au format PDF puis déposez-le.");
    expect(refusedDocument({ name: "vide.pdf", size: 0, type: "application/pdf" })).toBe("« vide.pdf » est vide.");
    expect(refusedDocument({ name: "gros.pdf", size: DOCUMENT_MAX_BYTES + 1, type: "application/pdf" })).toBe("« gros.pdf » dépasse la taille maximale acceptée (50 Mo).");
  });

  it("says which version, how large, by whom and when", () => {
    expect(versionLine(doc({ version: 2 }))).toMatch(/^Version 2 · 1,5 Mo · déposée par Marie Curie le 3 déc\. 2026/);
    expect(formatSize(245_000)).toBe("239 ko");
    expect(formatSize(100)).toBe("1 ko");
  });
});

describe("graders", () => {
  it("offers the active teachers by name, and a disabled one only while still grading", () => {
    const users = [
      user({ id: "u2", displayName: "Paul Langevin" }),
      user({ id: "a", displayName: "Admin", role: "ADMIN" }),
      user({ id: "u1", displayName: "Marie Curie" }),
      user({ id: "old", displayName: "Ancien", disabled: true }),
      user({ id: "gone", displayName: "Émile Borel", disabled: true }),
    ];
    const choices = graderChoices(users, [curie, { ...langevin, id: "gone", displayName: "Émile Borel" }]);
    expect(choices.map((c) => [c.displayName, c.copies, c.disabled])).toEqual([
      ["Émile Borel", 1, true],
      ["Marie Curie", 12, false],
      ["Paul Langevin", 0, false],
    ]);
  });

  it("compares selections whatever their order", () => {
    expect(sameIds(["a", "b"], ["b", "a"])).toBe(true);
    expect(sameIds(["a"], ["a", "b"])).toBe(false);
    expect(sameIds(["a", "c"], ["a", "b"])).toBe(false);
    expect(sameIds([], [])).toBe(true);
  });

  it("asks which copies go to whom before a dispatch, and says what it did", () => {
    expect(dispatchQuestion("even", false, [curie, langevin])).toBe("Répartir les copies non attribuées au hasard, en nombres égaux, entre Marie Curie et Paul Langevin ?");
    expect(dispatchQuestion("class", true, [curie])).toBe("Confier toutes les copies à corriger (une copie déjà attribuée peut changer de correcteur) à Marie Curie ?");
    expect(dispatchSummary([curie, langevin, { ...langevin, id: "u3", displayName: "Irène", copies: 0 }])).toBe("Marie Curie : 12 copies · Paul Langevin : 1 copie · Irène : aucune copie");
  });
});

describe("copies table", () => {
  const copies = [
    copy({ id: "1", anonymousCode: "A00001", status: "GRADED", grader: { id: "u1", displayName: "Marie Curie" }, student: { lastName: "DUPONT", firstName: "Léa", className: "2nde A" } }),
    copy({ id: "2", anonymousCode: "A00002", grader: { id: "u2", displayName: "Paul Langevin" }, student: { lastName: "MARTIN", firstName: "Hélène", className: "2nde B" } }),
    copy({ id: "3", anonymousCode: "B00003" }),
  ];

  it("filters by status, grader (or none) and words of the code, name or class, without accents", () => {
    const ids = (filter: Partial<ReturnType<typeof emptyFilter>>) => filterCopies(copies, { ...emptyFilter(), ...filter }).map((c) => c.id);
    expect(ids({})).toEqual(["1", "2", "3"]);
    expect(ids({ status: "GRADED" })).toEqual(["1"]);
    expect(ids({ grader: NONE })).toEqual(["3"]);
    expect(ids({ grader: "u2" })).toEqual(["2"]);
    expect(ids({ grader: ALL, query: "helene 2nde" })).toEqual(["2"]);
    expect(ids({ query: "b0000" })).toEqual(["3"]);
    expect(ids({ status: "READY", query: "dupont" })).toEqual([]);
  });

  it("reads the student, the score out of the exam's points, and the lock", () => {
    expect(studentLabel(copies[0]!)).toBe("DUPONT Léa (2nde A)");
    expect(studentLabel(copies[2]!)).toBe("—");
    expect(scoreLabel(copy({ totalScore: 12.5 }), 20)).toBe("12,5 / 20");
    expect(scoreLabel(copy({}), 20)).toBe("—");
    expect(scoreLabel(copy({ totalScore: 7 }), 0)).toBe("7");
    expect(lockLabel(copy({}))).toBe("—");
    expect(lockLabel(copy({ lock: { holder: "Paul Langevin", mine: false, expiresAt: "2026-12-03T13:05:00Z" } }))).toMatch(/^Paul Langevin \(jusqu’à \d\d:05\)$/);
  });

  it("offers breaking a held lock, and reopening and downloading a graded copy", () => {
    const lock = { holder: "Paul Langevin", mine: false, expiresAt: "2026-12-03T13:05:00Z" };
    expect(copyActions(copy({ status: "LOCKED", lock }))).toEqual({ breakLock: true, reopen: false, download: false });
    expect(copyActions(copy({ status: "GRADED" }))).toEqual({ breakLock: false, reopen: true, download: true });
    expect(copyActions(copy({ status: "FAILED" }))).toEqual({ breakLock: false, reopen: false, download: false });
  });

  it("lists the exam's graders as choices, and the copy's own grader when no longer one of them", () => {
    expect(graderOptions([curie, langevin], copies[0]!).map((o) => o.id)).toEqual(["u1", "u2"]);
    expect(graderOptions([langevin], copies[0]!)).toEqual([{ id: "u2", displayName: "Paul Langevin" }, { id: "u1", displayName: "Marie Curie" }]);
  });
});

describe("copy history", () => {
  const event = (over: Partial<CopyHistoryEvent>): CopyHistoryEvent => ({ type: "locked", at: "2026-12-03T13:05:00Z", actor: "Paul Langevin", fromStatus: "READY", toStatus: "LOCKED", data: null, ...over });

  it("names each action, who did it, and the status it moved to", () => {
    const rows = historyRows("c1", [
      event({}),
      event({ type: "draft_saved", fromStatus: "LOCKED", data: { version: 3 } }),
      event({ type: "failed", actor: null, fromStatus: "FINALIZING", toStatus: "FAILED", data: { version: 3, reason: "Page illisible" } }),
      event({ type: "something_new", fromStatus: null, toStatus: null }),
    ]);
    expect(rows.map((r) => [r.action, r.actor, r.transition, r.detail])).toEqual([
      ["Verrouillée", "Paul Langevin", "À corriger → En correction", ""],
      ["Brouillon enregistré", "Paul Langevin", "", "version 3"],
      ["Échec de la finalisation", "Korrigo", "Finalisation → En échec", "Page illisible"],
      ["something_new", "Paul Langevin", "", ""],
    ]);
    expect(new Set(rows.map((r) => r.key)).size).toBe(4);
  });

  it("links each graded event to the PDF it produced", () => {
    const rows = historyRows("c1", [event({ type: "graded", actor: null, fromStatus: "FINALIZING", toStatus: "GRADED", data: { version: 4, sha256: "ab" } }), event({})]);
    expect(rows.map((r) => r.pdfUrl)).toEqual(["/api/copies/c1/graded.pdf?version=4", null]);
  });

  it("reads a take-over in a lock's data", () => {
    expect(eventDetail({ data: { takeOver: true } })).toBe("reprise depuis un autre onglet");
    expect(eventDetail({ data: "text" })).toBe("");
  });
});
