// The dependency audit's verdict (scripts/audit-dependencies.ts, `npm run audit:deps`), on
// reports as npm writes them: high and critical advisories block unless justified, an audit that
// could not run fails with its reason, and the allowlist in the repository is well formed.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALLOWLIST_FILE, blockingAdvisories, readAllowlist, unjustified, type AuditReport, type AuditVia } from "../../../scripts/audit-dependencies.js";

describe("the audit's verdict (on reports as npm writes them)", () => {
  const advisory = (severity: string, url: string): AuditVia => ({ name: "left-pad", title: "Prototype pollution", url, severity, range: "<1.3.1" });
  const report = (...vias: (string | AuditVia)[]): AuditReport => ({ vulnerabilities: { "left-pad": { via: vias } }, metadata: { vulnerabilities: {} } });

  it("keeps high and critical advisories, once each, and leaves moderate and low ones", () => {
    const found = blockingAdvisories(report(advisory("critical", "https://github.com/advisories/GHSA-1"), advisory("high", "https://github.com/advisories/GHSA-2"), advisory("high", "https://github.com/advisories/GHSA-2"), advisory("moderate", "https://github.com/advisories/GHSA-3"), "other-package"));
    expect(found.map((a) => [a.severity, a.url])).toEqual([["critical", "https://github.com/advisories/GHSA-1"], ["high", "https://github.com/advisories/GHSA-2"]]);
  });

  it("fails with the reason when npm could not reach the advisory database", () => {
    const unreachable = { message: "405 Method Not Allowed - POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk", error: { summary: "", detail: "" } };
    expect(() => blockingAdvisories(unreachable)).toThrow(/could not get the advisories \(405 Method Not Allowed/);
    expect(() => blockingAdvisories({ error: { code: "ENOAUDIT", summary: "Your configured registry does not support audit requests." } })).toThrow(/ENOAUDIT/);
  });

  it("takes an allowlist entry only with a justification and a review date not yet passed", () => {
    const entry = { url: "https://github.com/advisories/GHSA-1", package: "left-pad", justification: "Only reached from the CLI with trusted input, never from a request.", reviewBy: "2027-01-31" };
    expect(readAllowlist(JSON.stringify({ advisories: [entry] }), "2026-12-01")).toEqual([entry]);
    expect(() => readAllowlist(JSON.stringify({ advisories: [{ ...entry, justification: "ok" }] }), "2026-12-01")).toThrow(/justification/);
    expect(() => readAllowlist(JSON.stringify({ advisories: [{ ...entry, reviewBy: undefined }] }), "2026-12-01")).toThrow(/reviewBy/);
    expect(() => readAllowlist(JSON.stringify({ advisories: [entry] }), "2027-02-01")).toThrow(/has passed/);
  });

  it("lets through only the blocking advisories the allowlist justifies", () => {
    const entry = { url: "https://github.com/advisories/GHSA-1", package: "left-pad", justification: "Only reached from the CLI with trusted input, never from a request.", reviewBy: "2999-01-31" };
    const found = report(advisory("high", "https://github.com/advisories/GHSA-1"), advisory("critical", "https://github.com/advisories/GHSA-2"));
    expect(unjustified(found, JSON.stringify({ advisories: [entry] }))).toEqual(["CRITICAL left-pad <1.3.1: Prototype pollution (https://github.com/advisories/GHSA-2)"]);
  });

  it("reads the allowlist in the repository", () => {
    expect(() => readAllowlist(readFileSync(ALLOWLIST_FILE, "utf8"))).not.toThrow();
  });
});
