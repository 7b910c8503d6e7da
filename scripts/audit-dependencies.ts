// npm run audit:deps — the production dependencies have no high or critical advisory:
// `npm audit --omit=dev` against the registry's advisory database, each advisory either fixed or
// listed with its justification in docs/audit-allowlist.json (see docs/SECURITY.md). An audit that
// cannot run (no network, a registry mirror without the advisory endpoint, as on the development
// and CI machines, whose registry answers 405 to the bulk advisory request) exits 2 with the
// reason: it never passes for want of an answer. The verdict's logic is tested in
// server/test/security/dependencies.test.ts; the audit itself needs the network, so it is a
// command of its own, run where the endpoint answers (a release machine, the deployment host).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";

export const ALLOWLIST_FILE = path.join(import.meta.dirname, "..", "docs", "audit-allowlist.json");
const BLOCKING = new Set(["high", "critical"]);

interface Advisory {
  /** The advisory's address (https://github.com/advisories/GHSA-…): what the allowlist names. */
  url: string;
  package: string;
  severity: string;
  title: string;
  range: string;
}

interface AllowedAdvisory {
  url: string;
  package: string;
  justification: string;
  /** YYYY-MM-DD: past it, the exception must be looked at again. */
  reviewBy: string;
}

export interface AuditVia {
  name?: string;
  title?: string;
  url?: string;
  severity?: string;
  range?: string;
}

export interface AuditReport {
  vulnerabilities?: Record<string, { via: (string | AuditVia)[] }>;
  metadata?: { vulnerabilities?: Record<string, number> };
  message?: string;
  error?: { summary?: string; detail?: string; code?: string };
}

/** The report's high and critical advisories, each once; throws when npm could not audit. */
export function blockingAdvisories(report: AuditReport): Advisory[] {
  if (!report.vulnerabilities || !report.metadata) {
    const reason = [report.message, report.error?.code, report.error?.summary, report.error?.detail].filter(Boolean).join(" — ") || JSON.stringify(report).slice(0, 300);
    throw new Error(
      `npm audit could not get the advisories (${reason}). The dependency audit cannot pass without them: run it where the registry's advisory endpoint ` +
        "(POST https://registry.npmjs.org/-/npm/v1/security/advisories/bulk) answers, or point npm at a registry that serves it.",
    );
  }
  const found = new Map<string, Advisory>();
  for (const [name, vulnerability] of Object.entries(report.vulnerabilities)) {
    for (const via of vulnerability.via) {
      if (typeof via === "string" || !via.url || !BLOCKING.has(via.severity ?? "")) continue;
      found.set(via.url, { url: via.url, package: via.name ?? name, severity: via.severity!, title: via.title ?? "", range: via.range ?? "" });
    }
  }
  return [...found.values()];
}

/** The allowlist, each entry checked: an exception without a reason or a review date is none. */
export function readAllowlist(text: string, today = new Date().toISOString().slice(0, 10)): AllowedAdvisory[] {
  const entries = (JSON.parse(text) as { advisories?: unknown }).advisories;
  if (!Array.isArray(entries)) throw new Error(`${ALLOWLIST_FILE}: "advisories" must be a list`);
  return entries.map((entry: Partial<AllowedAdvisory>, i) => {
    const where = `${path.basename(ALLOWLIST_FILE)} entry ${i + 1} (${entry.url ?? "no url"})`;
    if (!entry.url?.startsWith("https://")) throw new Error(`${where}: "url" must be the advisory's address`);
    if (!entry.package) throw new Error(`${where}: "package" is missing`);
    if (!entry.justification || entry.justification.trim().length < 40) throw new Error(`${where}: "justification" must say why the advisory does not apply or cannot be fixed yet`);
    if (!/^\d{4}-\d{2}-\d{2}$/.test(entry.reviewBy ?? "")) throw new Error(`${where}: "reviewBy" must be a date (YYYY-MM-DD)`);
    if (entry.reviewBy! < today) throw new Error(`${where}: its review date ${entry.reviewBy} has passed — look at the advisory again`);
    return entry as AllowedAdvisory;
  });
}

const describeAdvisory = (a: Advisory) => `${a.severity.toUpperCase()} ${a.package} ${a.range}: ${a.title} (${a.url})`;

async function npmAudit(): Promise<AuditReport> {
  // npm exits 1 when it finds advisories, and when it cannot audit: the report says which.
  const result = await promisify(execFile)("npm", ["audit", "--omit=dev", "--json"], { cwd: process.cwd(), maxBuffer: 64 * 1024 * 1024, timeout: 120_000 }).catch(
    (error: { stdout?: string; stderr?: string; message: string }) => {
      if (error.stdout) return { stdout: error.stdout };
      throw new Error(`npm audit did not run: ${error.message} ${error.stderr ?? ""}`);
    },
  );
  try {
    return JSON.parse(result.stdout) as AuditReport;
  } catch {
    throw new Error(`npm audit did not answer in JSON: ${result.stdout.slice(0, 300)}`);
  }
}

/** The blocking advisories no allowlist entry justifies, described one per line. */
export function unjustified(report: AuditReport, allowlist: string): string[] {
  const allowed = readAllowlist(allowlist);
  return blockingAdvisories(report).filter((a) => !allowed.some((entry) => entry.url === a.url)).map(describeAdvisory);
}

async function main(): Promise<number> {
  let found: string[];
  try {
    found = unjustified(await npmAudit(), readFileSync(ALLOWLIST_FILE, "utf8"));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  if (found.length === 0) {
    process.stdout.write("npm audit --omit=dev: no high or critical advisory without a justification.\n");
    return 0;
  }
  console.error(`Upgrade these dependencies, or justify each advisory in docs/audit-allowlist.json:\n${found.join("\n")}`);
  return 1;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = await main();
