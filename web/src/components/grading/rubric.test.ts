import { describe, expect, it } from "vitest";
import type { Question, QuestionRubric, RubricItem } from "../../api/types";
import { emptyContent } from "./draft";
import { backToRubric, placeComment, placeScore, setScore, stampItem, toggleItem, withDerivedScores, type ScoringRules } from "./edits";
import { derivedScore, itemForShortcut, itemPoints, rubricItemInput } from "./rubric";

const item = (id: string, points: number, shortcut: string | null = null): RubricItem => ({ id, label: id, points, shortcut, position: 1, usage: 0 });
const question = (id: string, maxPoints: number, rubricMode: Question["rubricMode"] = "ADD"): Question => ({ id, position: 1, label: id, maxPoints, step: 0.5, rubricMode });

const rubric: QuestionRubric[] = [
  { questionId: "q1", mode: "ADD", items: [item("a1", 1, "1"), item("a2", 2.5)] },
  { questionId: "q2", mode: "SUBTRACT", items: [item("s1", 0.5, "2"), item("s2", 3)] },
];
const rules: ScoringRules = { questions: [question("q1", 4), question("q2", 3, "SUBTRACT"), question("q3", 2)], rubric };
const at = { page: 1, x: 0.2, y: 0.3 };

describe("scores derived from rubric items", () => {
  it("adds from 0 or takes off the maximum, within [0, max]", () => {
    expect(derivedScore("ADD", 4, [1, 2.5])).toBe(3.5);
    expect(derivedScore("ADD", 4, [3, 2.5])).toBe(4);
    expect(derivedScore("SUBTRACT", 3, [0.5])).toBe(2.5);
    expect(derivedScore("SUBTRACT", 3, [0.5, 3])).toBe(0);
    expect(derivedScore("SUBTRACT", 3, [])).toBe(3);
  });

  it("shows an item's points with its sign", () => {
    expect(itemPoints("ADD", 1)).toBe("+1");
    expect(itemPoints("SUBTRACT", 0.5)).toBe("\u22120,5");
  });

  it("finds an item by its digit shortcut", () => {
    expect(itemForShortcut(rubric, "1")).toMatchObject({ questionId: "q1", item: { id: "a1" } });
    expect(itemForShortcut(rubric, "2")).toMatchObject({ questionId: "q2", item: { id: "s1" } });
    expect(itemForShortcut(rubric, "3")).toBeNull();
    expect(itemForShortcut(rubric, "a")).toBeNull();
    expect(itemForShortcut(rubric, "Enter")).toBeNull();
  });
});

describe("editing a draft", () => {
  it("applies and removes items, the score following them", () => {
    let content = toggleItem(emptyContent(), rules, "q1", "a1");
    content = toggleItem(content, rules, "q1", "a2");
    expect(content.rubric).toEqual({ q1: ["a1", "a2"] });
    expect(content.scores).toEqual({ q1: 3.5 });
    content = toggleItem(content, rules, "q2", "s2");
    expect(content.scores.q2).toBe(0);
    content = toggleItem(content, rules, "q1", "a1");
    expect(content.scores.q1).toBe(2.5);
    // Nothing applied any more: not scored.
    content = toggleItem(content, rules, "q1", "a2");
    expect(content.rubric).toEqual({ q2: ["s2"] });
    expect(content.scores).toEqual({ q2: 0 });
  });

  it("a typed score overrides the rubric until the teacher goes back to it", () => {
    let content = toggleItem(emptyContent(), rules, "q2", "s1");
    content = setScore(content, rules, "q2", 1);
    expect(content).toMatchObject({ scores: { q2: 1 }, overrides: ["q2"] });
    // Another item applied: the typed score stays.
    content = toggleItem(content, rules, "q2", "s2");
    expect(content.scores.q2).toBe(1);
    content = backToRubric(content, rules, "q2");
    expect(content).toMatchObject({ scores: { q2: 0 }, overrides: [] });
  });

  it("a score typed without rubric items is no override; emptying the field unscores it", () => {
    let content = setScore(emptyContent(), rules, "q3", 1.5);
    expect(content).toMatchObject({ scores: { q3: 1.5 }, overrides: [] });
    content = setScore(content, rules, "q3", null);
    expect(content.scores).toEqual({ q3: null });
    content = setScore(content, rules, "q3", undefined);
    expect(content.scores).toEqual({});
  });

  it("keeps the score of a question whose applied item is no longer listed (archived: the server knows it)", () => {
    const content = { ...emptyContent(), rubric: { q1: ["gone"] }, scores: { q1: 2 } };
    expect(withDerivedScores(content, rules).scores).toEqual({ q1: 2 });
  });

  it("stamps an item on the page and applies it once", () => {
    let content = stampItem(emptyContent(), rules, "q1", "a2", at, "r1");
    content = stampItem(content, rules, "q1", "a2", { ...at, y: 0.6 }, "r2");
    expect(content.annotations).toEqual([
      { id: "r1", type: "rubric", itemId: "a2", ...at },
      { id: "r2", type: "rubric", itemId: "a2", ...at, y: 0.6 },
    ]);
    expect(content).toMatchObject({ rubric: { q1: ["a2"] }, scores: { q1: 2.5 } });
  });

  it("writes a question's score at one place on the page, the last chosen", () => {
    let content = placeScore(emptyContent(), "q1", at, "p1");
    content = placeScore(content, "q2", at, "p2");
    content = placeScore(content, "q1", { page: 2, x: 0.9, y: 0.1 }, "p3");
    expect(content.annotations).toEqual([
      { id: "p2", type: "score", questionId: "q2", ...at },
      { id: "p3", type: "score", questionId: "q1", page: 2, x: 0.9, y: 0.1 },
    ]);
  });

  it("puts a comment of the library in a bubble of its own, as often as placed", () => {
    let content = placeComment(emptyContent(), "Justifier", "#d32f2f", at, "c1");
    content = placeComment(content, "Justifier", "#1565c0", { ...at, page: 3 }, "c2");
    expect(content.annotations).toEqual([
      { id: "c1", type: "comment", color: "#d32f2f", text: "Justifier", ...at },
      { id: "c2", type: "comment", color: "#1565c0", text: "Justifier", ...at, page: 3 },
    ]);
    expect(content.scores).toEqual({});
  });
});

describe("a rubric item filled in", () => {
  it("is sent trimmed, with French decimals and an optional one-key shortcut", () => {
    expect(rubricItemInput(" Unité manquante ", "0,5", "")).toEqual({ input: { label: "Unité manquante", points: 0.5, shortcut: null } });
    expect(rubricItemInput("Justifier", "1", "1")).toEqual({ input: { label: "Justifier", points: 1, shortcut: "1" } });
  });

  it("is refused without wording, with bad points, or with a shortcut that is not a digit", () => {
    expect(rubricItemInput(" ", "1", "")).toEqual({ error: "Écrivez le commentaire." });
    expect(rubricItemInput("A", "-1", "")).toEqual({ error: "Les points doivent être un nombre positif, par exemple 0,5." });
    expect(rubricItemInput("A", "1", "12")).toEqual({ error: "Le raccourci est un chiffre de 0 à 9." });
    expect(rubricItemInput("A", "1", "p")).toEqual({ error: "Le raccourci est un chiffre de 0 à 9." });
  });
});
