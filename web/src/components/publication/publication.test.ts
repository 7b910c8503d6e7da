import { describe, expect, it } from "vitest";
import { ApiError } from "../../api/client";
import type { PublicationWarnings } from "../../api/types";
import { classState, fromDateTimeInput, hasWarnings, publishWarningsOf, toDateTimeInput, ungradedLines, warningSummary } from "./publication";

const warnings: PublicationWarnings = {
  ungradedCopies: [
    { copyId: "c1", anonymousCode: "A00012", studentName: "Marie Dupont", className: "TG1", status: "READY" },
    { copyId: "c2", anonymousCode: "A00013", studentName: null, className: null, status: "STAGING" },
    { copyId: "c3", anonymousCode: "A00014", studentName: "Paul Martin", className: "TG2", status: "LOCKED" },
  ],
  unidentifiedBooklets: 2,
};
const none: PublicationWarnings = { ungradedCopies: [], unidentifiedBooklets: 0 };

function conflict(code: string, details: unknown): ApiError {
  return new ApiError({ status: 409, code, message: "…", requestId: "r1", details });
}

describe("publication warnings", () => {
  it("reads the warnings of a 409 PUBLISH_WARNINGS, and nothing else", () => {
    expect(publishWarningsOf(conflict("PUBLISH_WARNINGS", warnings))).toEqual(warnings);
    expect(publishWarningsOf(conflict("CONFLICT", warnings))).toBeNull();
    expect(publishWarningsOf(conflict("PUBLISH_WARNINGS", { unidentifiedBooklets: "2" }))).toBeNull();
    expect(publishWarningsOf(new Error("PUBLISH_WARNINGS"))).toBeNull();
  });

  it("sums up what is not ready, with French plurals", () => {
    expect(warningSummary(warnings)).toBe("3 copies ne sont pas encore corrigées · 2 livrets ne sont pas identifiés");
    expect(warningSummary({ ungradedCopies: warnings.ungradedCopies.slice(0, 1), unidentifiedBooklets: 0 })).toBe("1 copie n’est pas encore corrigée");
    expect(warningSummary({ ungradedCopies: [], unidentifiedBooklets: 1 })).toBe("1 livret n’est pas identifié");
    expect(warningSummary(none)).toBe("Toutes les copies sont corrigées et tous les livrets identifiés.");
    expect(hasWarnings(none)).toBe(false);
    expect(hasWarnings({ ungradedCopies: [], unidentifiedBooklets: 1 })).toBe(true);
  });

  it("lists each copy not graded with its code, student and state", () => {
    expect(ungradedLines(warnings)).toEqual(["A00012 — Marie Dupont (TG1) : À corriger", "A00013 : À identifier", "A00014 — Paul Martin (TG2) : En correction"]);
  });
});

describe("class state", () => {
  it("tells whether and when a class was published", () => {
    const cls = { className: "TG1", published: false, publishedAt: null, students: 30, gradedCopies: 28 };
    expect(classState(cls)).toBe("Non publiée");
    expect(classState({ ...cls, published: true })).toBe("Publiée");
    expect(classState({ ...cls, published: true, publishedAt: "2026-12-03T13:05:00Z" })).toMatch(/^Publiée le .*2026/);
  });
});

describe("review deadline input", () => {
  it("goes back and forth between an ISO instant and a local datetime-local value", () => {
    const local = new Date(2026, 11, 12, 18, 0);
    expect(toDateTimeInput(local.toISOString())).toBe("2026-12-12T18:00");
    expect(fromDateTimeInput("2026-12-12T18:00")).toBe(local.toISOString());
  });

  it("treats empty or broken values as no deadline", () => {
    expect(toDateTimeInput(null)).toBe("");
    expect(toDateTimeInput("not a date")).toBe("");
    expect(fromDateTimeInput("  ")).toBeNull();
    expect(fromDateTimeInput("2026-13-45T99:99")).toBeNull();
  });
});
