import { describe, expect, it } from "vitest";
import { coverage, issueExpired, issueLine, lastIssued, needsConfirm, nothingMissing } from "./accessCodes";

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
});
