// Roster import through the API: preview, commit in one transaction, re-import, mapping.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { anonymousClient, createSchool, createStaff, createTestEnv, staffClient, type Client, type TestEnv } from "../../test/harness.js";
import { exportCsv } from "../../test/roster-factory.js";
import { currentSchoolYear } from "./service.js";

let env: TestEnv;
let admin: Client;
let teacher: Client;
let schoolId: string;

const ROWS = [
  ["Nom", "Prénom", "Classe", "Né(e) le", "INE"],
  ["DUPONT", "Léa", "2nde A", "03/05/2010", "123456789AB"],
  ["MARTIN-LÉGER", "Noé", "2nde A", "17/11/2009", ""],
  ["N'DIAYE", "Aïssatou", "2nde B", "", "987654321CD"],
];

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx)).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  teacher = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
});
afterAll(() => env.close());

const post = (client: Client, body: object) => client.agent.post("/api/students/import").set("X-CSRF-Token", client.csrf).send(body);
const file = (rows: string[][], delimiter = ";", encoding: "utf-8-bom" | "windows-1252" = "utf-8-bom") => exportCsv(rows, delimiter, encoding).toString("base64");
const students = () => env.ctx.db.student.findMany({ where: { schoolId }, include: { enrollments: true }, orderBy: { lastName: "asc" } });

describe("roster import", () => {
  it("previews without writing, then imports in one go, audited", async () => {
    const preview = await post(admin, { content: file(ROWS), schoolYear: "2026-2027" }).expect(200);
    expect(preview.body).toMatchObject({ committed: false, counts: { added: 3, updated: 0, unchanged: 0, rejected: 0 } });
    expect(await students()).toHaveLength(0);

    const done = await post(admin, { content: file(ROWS), schoolYear: "2026-2027", commit: true }).expect(200);
    expect(done.body).toMatchObject({ committed: true, counts: { added: 3, updated: 0, unchanged: 0, rejected: 0 } });
    const stored = await students();
    expect(stored.map((s) => [s.lastName, s.firstName, s.className, s.ine, s.login, s.accessCodeHash])).toEqual([
      ["DUPONT", "Léa", "2nde A", "123456789AB", "lea.dupont", null],
      ["MARTIN-LÉGER", "Noé", "2nde A", null, "noe.martin-leger", null],
      ["N'DIAYE", "Aïssatou", "2nde B", "987654321CD", "aissatou.n-diaye", null],
    ]);
    expect(stored.every((s) => s.enrollments.length === 1 && s.enrollments[0]!.schoolYear === "2026-2027" && s.enrollments[0]!.className === s.className)).toBe(true);
    expect(await env.ctx.db.auditLog.count({ where: { action: "students.roster_imported", schoolId } })).toBe(1);
  });

  it("leaves imported students unable to log in until an access code is issued", async () => {
    const anon = await anonymousClient(env.app);
    await anon.agent.post("/api/auth/student-login").set("X-CSRF-Token", anon.csrf).send({ login: "lea.dupont", accessCode: "ABCD-1234" }).expect(401);
    expect(await env.ctx.db.auditLog.count({ where: { action: "auth.student_login.failed", data: { path: ["reason"], equals: "no_access_code" } } })).toBe(1);
  });

  it("finds the same students in a Windows-1252 tab export: a re-import changes nothing", async () => {
    const res = await post(admin, { content: file(ROWS, "\t", "windows-1252"), schoolYear: "2026-2027", commit: true }).expect(200);
    expect(res.body.counts).toEqual({ added: 0, updated: 0, unchanged: 3, rejected: 0 });
    expect(await students()).toHaveLength(3);
  });

  it("updates known students and records next year's class, keeping this year's", async () => {
    const nextYear = [ROWS[0]!, ["DUPONT", "Léa", "1re C", "03/05/2010", "123456789AB"], ["MARTIN-LÉGER", "Noé", "1re D", "17/11/2009", "11122233344"]];
    const res = await post(admin, { content: file(nextYear), schoolYear: "2027-2028", commit: true }).expect(200);
    expect(res.body.counts).toEqual({ added: 0, updated: 2, unchanged: 0, rejected: 0 });
    const noe = (await students()).find((s) => s.firstName === "Noé")!;
    expect(noe).toMatchObject({ className: "1re D", ine: "11122233344" });
    expect(noe.enrollments.map((e) => [e.schoolYear, e.className]).sort()).toEqual([["2026-2027", "2nde A"], ["2027-2028", "1re D"]]);
  });

  it("rejects faulty lines with their reasons and imports the rest", async () => {
    const rows = [ROWS[0]!, ["=1+1", "@Zoé", "2nde C", "01/02/2010", ""], ["", "Sans", "2nde C", "01/02/2010", ""], ["=1+1", "@Zoé", "2nde C", "01/02/2010", ""]];
    const res = await post(admin, { content: file(rows), schoolYear: "2026-2027", commit: true }).expect(200);
    expect(res.body.counts).toEqual({ added: 1, updated: 0, unchanged: 0, rejected: 2 });
    expect(res.body.preview.lines.map((l: { line: number; errors: string[] }) => [l.line, l.errors])).toEqual([[2, []], [3, ["nom manquant"]], [4, ["même élève qu'à la ligne 2 (mêmes nom, prénom et date de naissance)"]]]);
    expect((await students()).find((s) => s.lastName === "=1+1")).toMatchObject({ firstName: "@Zoé", className: "2nde C" });
  });

  it("asks for a mapping before committing a file with an unknown header, then uses it", async () => {
    const rows = [["Nom", "Prénom", "Groupe", "INE"], ["PETIT", "Jules", "2nde D", "55566677788"]];
    const refused = await post(admin, { content: file(rows), commit: true }).expect(422);
    expect(refused.body.error).toMatchObject({ code: "ROSTER_MAPPING_NEEDED", message: expect.stringContaining("Classe") });
    expect((await students()).some((s) => s.lastName === "PETIT")).toBe(false);
    const mapped = await post(admin, { content: file(rows), mapping: { Groupe: "className" }, commit: true }).expect(200);
    expect(mapped.body.counts.added).toBe(1);
  });

  it("imports a whole school's roster, then its next school year, each in one transaction", async () => {
    const school = (await createSchool(env.ctx, "Grand lycée")).id;
    const big = await staffClient(env.app, (await createStaff(env.ctx, school, "ADMIN")).email);
    const roster = (className: (i: number) => string) => [
      ROWS[0]!,
      ...Array.from({ length: 1500 }, (_, i) => [`ELEVE${i}`, "Sam", className(i), "01/09/2010", `${String(30000000000 + i)}`]),
    ];
    const first = await post(big, { content: file(roster((i) => `2nde ${i % 40}`)), schoolYear: "2026-2027", commit: true }).expect(200);
    expect(first.body.counts).toEqual({ added: 1500, updated: 0, unchanged: 0, rejected: 0 });
    const next = await post(big, { content: file(roster((i) => `1re ${i % 40}`)), schoolYear: "2027-2028", commit: true }).expect(200);
    expect(next.body.counts).toEqual({ added: 0, updated: 1500, unchanged: 0, rejected: 0 });
    expect(await env.ctx.db.enrollment.count({ where: { schoolId: school } })).toBe(3000);
    expect(new Set((await env.ctx.db.student.findMany({ where: { schoolId: school }, select: { login: true } })).map((s) => s.login)).size).toBe(1500);
  }, 120_000);

  it("refuses what is not a roster, and anyone but an admin", async () => {
    const empty = await post(admin, { content: Buffer.from("\r\n").toString("base64") }).expect(422);
    expect(empty.body.error.message).toContain("vide");
    await post(admin, { content: "not base64!", commit: true }).expect(400);
    await post(admin, { content: file(ROWS), schoolYear: "2026-2028" }).expect(400);
    await post(teacher, { content: file(ROWS), commit: true }).expect(403);
  });
});

describe("currentSchoolYear", () => {
  it("turns on 1 August", () => {
    expect(currentSchoolYear(new Date("2027-07-31T23:00:00Z"))).toBe("2026-2027");
    expect(currentSchoolYear(new Date("2027-08-01T00:00:00Z"))).toBe("2027-2028");
  });
});
