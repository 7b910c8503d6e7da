import { describe, expect, it } from "vitest";
import { reviewAuthor, reviewTextError } from "./reviews";

describe("review texts", () => {
  it("wants a message, trimmed, within the maximum", () => {
    expect(reviewTextError("  ", 10)).toBe("Écrivez un message.");
    expect(reviewTextError(" abc ", 3)).toBeNull();
    expect(reviewTextError("abcd", 3)).toBe("Au plus 3 caractères.");
  });

  it("names the student, or only the anonymous code when the teacher may not know who it is", () => {
    expect(reviewAuthor({ student: { name: "Léa MARTIN", className: "2nde B" }, anonymousCode: "K7PX" })).toBe("Léa MARTIN (2nde B)");
    expect(reviewAuthor({ student: null, anonymousCode: "K7PX" })).toBe("Copie K7PX");
  });
});
