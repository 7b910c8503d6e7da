import { describe, expect, it } from "vitest";
import { answerLine } from "./reviews";

describe("answered review requests for admins", () => {
  it("says when and by whom a request was answered, and if the copy was reopened", () => {
    const at = "2026-12-03T13:05:00Z";
    expect(answerLine({ answeredAt: at, answeredBy: "Marie Curie", reopened: false })).toMatch(/^Répondue le .*2026.* par Marie Curie$/);
    expect(answerLine({ answeredAt: at, answeredBy: null, reopened: true })).toMatch(/^Répondue le .*2026.* · copie rouverte$/);
    expect(answerLine({ answeredAt: null, answeredBy: null, reopened: false })).toBe("Répondue le —");
  });
});
