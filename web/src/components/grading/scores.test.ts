import { describe, expect, it } from "vitest";
import type { Question } from "../../api/types";
import { onStep, parseScore, scoreText, totalsOf, unscored } from "./scores";

const question = (id: string, maxPoints: number, step: Question["step"] = 0.5): Question => ({ id, position: 1, label: id, maxPoints, step, rubricMode: "ADD" });

describe("typed scores", () => {
  it("accepts a decimal comma or point", () => {
    expect(parseScore("2,5", question("q", 4))).toEqual({ kind: "score", value: 2.5 });
    expect(parseScore(" 2.5 ", question("q", 4))).toEqual({ kind: "score", value: 2.5 });
    expect(parseScore("4", question("q", 4))).toEqual({ kind: "score", value: 4 });
    expect(parseScore("0", question("q", 4))).toEqual({ kind: "score", value: 0 });
    expect(parseScore("", question("q", 4))).toEqual({ kind: "empty" });
    // Half typed: "2," is 2 for now, ",5" is 0,5.
    expect(parseScore("2,", question("q", 4))).toEqual({ kind: "score", value: 2 });
    expect(parseScore(",5", question("q", 4))).toEqual({ kind: "score", value: 0.5 });
  });

  it("refuses what is not a plain positive number, with the reason", () => {
    for (const text of ["-1", "abc", ",", "1e1", "0x2", "2,5,1", "½"]) {
      expect(parseScore(text, question("q", 4))).toEqual({ kind: "invalid", message: "Saisissez un nombre, par exemple 2,5." });
    }
  });

  it("refuses more than the question's maximum", () => {
    expect(parseScore("4,5", question("q", 4))).toEqual({ kind: "invalid", message: "Au plus 4 points." });
  });

  it("holds each question to its step", () => {
    expect(parseScore("1,25", question("q", 4, 0.25))).toEqual({ kind: "score", value: 1.25 });
    expect(parseScore("1,25", question("q", 4, 0.5))).toEqual({ kind: "invalid", message: "La note se donne par pas de 0,5." });
    expect(parseScore("1,5", question("q", 4, 1))).toEqual({ kind: "invalid", message: "La note se donne par pas de 1." });
    expect(parseScore("0,75", question("q", 4, 0.25))).toEqual({ kind: "score", value: 0.75 });
    expect(onStep(0.3 + 0.45, 0.25)).toBe(true);
    expect(onStep(0.1, 0.25)).toBe(false);
  });

  it("shows saved scores in French, and nothing for unscored or blank", () => {
    expect(scoreText(2.5)).toBe("2,5");
    expect(scoreText(null)).toBe("");
    expect(scoreText(undefined)).toBe("");
  });
});

describe("totals", () => {
  const questions = [question("q1", 4), question("q2", 6), question("q3", 10)];

  it("adds the scores, counts blanks as 0 and scales to the report scale", () => {
    expect(totalsOf(questions, { q1: 2.5, q2: null, q3: 8 }, 20)).toEqual({ total: 10.5, max: 20, scaled: 10.5, missing: 0 });
    expect(totalsOf(questions, { q1: 4 }, 10)).toEqual({ total: 4, max: 20, scaled: 2, missing: 2 });
    expect(totalsOf([question("q", 3)], { q: 1 }, 20).scaled).toBe(6.67);
  });

  it("lists the questions neither scored nor left blank", () => {
    expect(unscored(questions, { q1: 0, q2: null }).map((q) => q.id)).toEqual(["q3"]);
  });
});
