import { describe, expect, it } from "vitest";
import {
  applyChanges,
  bookletLabel,
  bookletViewerPages,
  deskKey,
  holders,
  matchesFilter,
  neighbours,
  nextPending,
  normalize,
  percentOf,
  readingText,
  searchStudents,
  severalBatches,
  summaryOf,
  turned,
  visibleBooklets,
} from "./desk";
import { deskBooklet, deskStudent } from "./deskFixtures";

const students = [
  deskStudent("s1", "DUPONT", "Marie"),
  deskStudent("s2", "DURAND", "Léa-Anne", "3e B"),
  deskStudent("s3", "MARTIN", "Dupont"),
  deskStudent("s4", "D'ARTAGNAN", "Charles"),
  deskStudent("s5", "LEDUC", "Éloïse"),
];

const key = (k: string, mods: Partial<Pick<KeyboardEvent, "shiftKey" | "ctrlKey" | "altKey" | "metaKey">> = {}) =>
  deskKey({ key: k, shiftKey: false, ctrlKey: false, altKey: false, metaKey: false, ...mods });

describe("desk lists", () => {
  const list = [
    deskBooklet("b1", { suggestions: [{ studentId: "s1", confidence: 0.95 }] }),
    deskBooklet("b2", { status: "IDENTIFIED", studentId: "s2", method: "QR" }),
    deskBooklet("b3", { status: "READING" }),
    deskBooklet("b4", { suggestions: [{ studentId: "s3", confidence: 0.4 }] }),
    deskBooklet("b5", { status: "SET_ASIDE", setAsideReason: "ABSENT" }),
    deskBooklet("b6"),
  ];

  it("counts booklets by status as the server's summary does", () => {
    expect(summaryOf([...list, deskBooklet("b7", { status: "MERGED" })])).toEqual({ booklets: 6, reading: 1, pending: 3, identified: 1, setAside: 1 });
  });

  it("filters (to identify includes those still read) and sorts by confidence, keeping the scan order among equals", () => {
    expect(visibleBooklets(list, "pending", "scan").map((b) => b.id)).toEqual(["b1", "b3", "b4", "b6"]);
    expect(visibleBooklets(list, "pending", "lowFirst").map((b) => b.id)).toEqual(["b3", "b6", "b4", "b1"]);
    expect(visibleBooklets(list, "pending", "highFirst").map((b) => b.id)).toEqual(["b1", "b4", "b3", "b6"]);
    expect(visibleBooklets(list, "identified", "scan").map((b) => b.id)).toEqual(["b2"]);
    expect(visibleBooklets(list, "setAside", "scan").map((b) => b.id)).toEqual(["b5"]);
    expect(visibleBooklets(list, "all", "scan")).toHaveLength(6);
    expect(matchesFilter(deskBooklet("m", { status: "MERGED" }), "all")).toBe(false);
  });

  it("puts an action's booklets in place: replaced, merged ones out, a split's new one after its batch", () => {
    const two = [deskBooklet("b1"), deskBooklet("b2"), deskBooklet("c1", { batchId: "batch-2" })];
    const next = applyChanges(two, [
      deskBooklet("b1", { pages: [] }),
      deskBooklet("b2", { status: "MERGED" }),
      deskBooklet("b9", { status: "READING" }),
    ]);
    expect(next.map((b) => b.id)).toEqual(["b1", "b9", "c1"]);
    expect(next[0]!.pages).toEqual([]);
    expect(two.map((b) => b.id)).toEqual(["b1", "b2", "c1"]);
    expect(applyChanges(two, [deskBooklet("x1", { batchId: "batch-3" })]).map((b) => b.id)).toEqual(["b1", "b2", "c1", "x1"]);
  });

  it("goes on to the next booklet to identify after the one done, wrapping round", () => {
    const order = ["b1", "b3", "b4", "b6"];
    const done = list.map((b) => (b.id === "b4" ? { ...b, status: "IDENTIFIED" as const } : b));
    expect(nextPending(order, "b4", done)).toBe("b6");
    const lastDone = done.map((b) => (b.id === "b6" ? { ...b, status: "SET_ASIDE" as const } : b));
    expect(nextPending(order, "b6", lastDone)).toBe("b1");
    expect(nextPending(order, "b1", lastDone.map((b) => (b.id === "b1" ? { ...b, status: "IDENTIFIED" as const } : b)))).toBeNull();
    // A booklet from outside the list shown: the first one to identify.
    expect(nextPending([], "b2", list)).toBe("b1");
  });

  it("finds the neighbours in scan order and who holds a copy", () => {
    expect(neighbours(list, "b1")).toEqual({ previous: null, next: list[1] });
    expect(neighbours(list, "b6")).toEqual({ previous: list[4], next: null });
    expect(neighbours(list, "nope")).toEqual({ previous: null, next: null });
    expect([...holders(list).entries()].map(([s, b]) => [s, b.id])).toEqual([["s2", "b2"]]);
  });

  it("names booklets with their batch when numbers repeat across batches", () => {
    expect(bookletLabel(list[0]!, false)).toBe("Liasse 1");
    expect(bookletLabel(list[0]!, true)).toBe("Liasse 1 (copies.pdf)");
    expect(severalBatches(list)).toBe(false);
    expect(severalBatches([...list, deskBooklet("c1", { batchId: "batch-2" })])).toBe(true);
  });
});

describe("desk search", () => {
  it("ignores case, accents, hyphens and apostrophes", () => {
    expect(normalize("  Léa-Anne D’Artagnan ")).toBe("lea anne d artagnan");
    expect(normalize("ÉLOÏSE")).toBe("eloise");
  });

  it("ranks last names starting with the query first, then first names, then the rest", () => {
    expect(searchStudents(students, "dup").map((s) => s.id)).toEqual(["s1", "s3"]);
    expect(searchStudents(students, "du").map((s) => s.id)).toEqual(["s1", "s2", "s3", "s5"]);
    expect(searchStudents(students, "lea").map((s) => s.id)).toEqual(["s2"]);
    expect(searchStudents(students, "eloi").map((s) => s.id)).toEqual(["s5"]);
    expect(searchStudents(students, "dartagnan").map((s) => s.id)).toEqual([]);
    expect(searchStudents(students, "d artagnan").map((s) => s.id)).toEqual(["s4"]);
    // Every word must match, whichever the order; the class counts too.
    expect(searchStudents(students, "marie dupont").map((s) => s.id)).toEqual(["s1"]);
    expect(searchStudents(students, "du 3e b").map((s) => s.id)).toEqual(["s2"]);
    expect(searchStudents(students, "  ")).toEqual([]);
    expect(searchStudents(students, "d", 2)).toHaveLength(2);
  });
});

describe("desk display", () => {
  it("shows confidences rounded down, so that nothing below 90 % reads 90 %", () => {
    expect(percentOf(0.899)).toBe(89);
    expect(percentOf(0.9)).toBe(90);
    expect(percentOf(0.29)).toBe(29);
    expect(percentOf(1)).toBe(100);
  });

  it("words what OCR read, or its raw text", () => {
    expect(readingText(null)).toBe("");
    expect(readingText({ lastName: "DUPONT", firstName: "Marie", birthDate: "2009-03-12", sheet: { k: 2, n: 3 }, text: "x" })).toMatch(/^DUPONT Marie · né\(e\) le 12 mars 2009 · feuille 2 \/ 3$/);
    expect(readingText({ lastName: null, firstName: null, birthDate: null, sheet: null, text: " Nom : Dupon " })).toBe("Nom : Dupon");
  });

  it("turns pages a quarter clockwise", () => {
    expect([0, 90, 180, 270].map((r) => turned(r as 0 | 90 | 180 | 270))).toEqual([90, 180, 270, 0]);
  });

  it("gives the viewer the booklet's converted pages with their rotation", () => {
    const booklet = deskBooklet("b3", {
      pages: [
        { id: "c", position: 0, status: "DONE", rotation: 0, nearBlank: false, cover: true, width: 10, height: 14 },
        { id: "p1", position: 1, status: "DONE", rotation: 180, nearBlank: false, cover: false, width: 10, height: 14 },
        { id: "p2", position: 2, status: "FAILED", rotation: 0, nearBlank: false, cover: false, width: null, height: null },
      ],
    });
    const pages = bookletViewerPages(booklet);
    expect(pages.map((p) => [p.page.id, p.booklet, p.rotation, p.title])).toEqual([
      ["c", 3, 0, "Liasse 3 — page de garde"],
      ["p1", 3, 180, undefined],
    ]);
    expect(pages[1]!.page).toMatchObject({ imageUrl: "/api/pages/p1/image", thumbUrl: "/api/pages/p1/thumb" });
    expect(bookletViewerPages(null)).toEqual([]);
  });
});

describe("desk keys", () => {
  it("confirms with Enter or a suggestion's number", () => {
    expect(key("Enter")).toEqual({ kind: "confirm", index: 0 });
    expect(key("1")).toEqual({ kind: "confirm", index: 0 });
    expect(key("3")).toEqual({ kind: "confirm", index: 2 });
    expect(key("4")).toBeNull();
  });

  it("takes Shift+A, I, J, K as shortcuts, the arrows to move, and any other letter as a search", () => {
    expect(key("A", { shiftKey: true })).toEqual({ kind: "absent" });
    expect(key("I", { shiftKey: true })).toEqual({ kind: "unreadable" });
    expect(key("J", { shiftKey: true })).toEqual({ kind: "next" });
    expect(key("K", { shiftKey: true })).toEqual({ kind: "previous" });
    expect(key("ArrowDown")).toEqual({ kind: "next" });
    expect(key("ArrowUp")).toEqual({ kind: "previous" });
    // Names start with any letter: a, i, j, k alone (or in Caps Lock) search.
    expect(key("a")).toEqual({ kind: "search", text: "a" });
    expect(key("J")).toEqual({ kind: "search", text: "J" });
    expect(key("é")).toEqual({ kind: "search", text: "é" });
    expect(key("D", { shiftKey: true })).toEqual({ kind: "search", text: "D" });
  });

  it("leaves browser shortcuts and other keys alone", () => {
    expect(key("a", { ctrlKey: true })).toBeNull();
    expect(key("k", { metaKey: true })).toBeNull();
    expect(key("Tab")).toBeNull();
    expect(key(" ")).toBeNull();
    expect(key("-")).toBeNull();
  });
});
