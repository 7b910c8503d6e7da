import { describe, expect, it } from "vitest";
import { formatDateTime } from "../../format";
import { canReissue, coverage, issueExpired, issueLine, lastIssued, needsConfirm, nothingMissing, reissueQuestion, studentCode } from "./accessCodes";

describe("access codes", () => {
  const expiresAt = "2026-12-03T13:35:00Z";
  const end = new Date(expiresAt).getTime();

  it("keeps an issue's downloads until it expires", () => {
    expect(issueExpired({ expiresAt }, end - 1)).toBe(false);
    expect(issueExpired({ expiresAt }, end)).toBe(true);
  });

  it("says how many codes were made and until when they can be downloaded", () => {
    const until = new Intl.DateTimeFormat("fr-FR", { hour: "2-digit", minute: "2-digit" }).format(new Date(expiresAt));
    expect(issueLine({ count: 12, expiresAt })).toBe(`12 codes générés, téléchargeables jusqu’à ${until}`);
    expect(issueLine({ count: 1, expiresAt })).toBe(`1 code généré, téléchargeable jusqu’à ${until}`);
  });

  it("shows a class's coverage and last generation", () => {
    expect(coverage({ students: 30, withCode: 28 })).toBe("28 / 30");
    expect(lastIssued({ lastIssuedAt: null })).toBe("Jamais");
    expect(lastIssued({ lastIssuedAt: expiresAt })).toMatch(/2026/);
  });

  it("asks before replacing codes students have, and has nothing to make when none is missing", () => {
    expect(needsConfirm({ withCode: 3 }, "all")).toBe(true);
    expect(needsConfirm({ withCode: 0 }, "all")).toBe(false);
    expect(needsConfirm({ withCode: 3 }, "missing")).toBe(false);
    expect(nothingMissing({ students: 30, withCode: 30 })).toBe(true);
    expect(nothingMissing({ students: 30, withCode: 29 })).toBe(false);
  });

  it("tells whether a student has a code and since when, and gives codes only to active accounts", () => {
    expect(studentCode({ hasCode: false, codeIssuedAt: null })).toBe("pas de code");
    expect(studentCode({ hasCode: true, codeIssuedAt: expiresAt })).toBe(`code attribué le ${formatDateTime(expiresAt)}`);
    expect(studentCode({ hasCode: true, codeIssuedAt: null })).toBe("code attribué");
    expect(canReissue({ disabled: false })).toBe(true);
    expect(canReissue({ disabled: true })).toBe(false);
  });

  it("warns before a new code that the student's old code and sessions end", () => {
    expect(reissueQuestion({ lastName: "DUPONT", firstName: "Léa", hasCode: true })).toBe(
      "Un nouveau code va remplacer celui de DUPONT Léa : l’ancien code ne fonctionnera plus et ses sessions ouvertes seront fermées.",
    );
    expect(reissueQuestion({ lastName: "DUPONT", firstName: "Léa", hasCode: false })).toBe("Un code d’accès va être généré pour DUPONT Léa.");
  });
});
