// Access codes through the API: issued per class or for one student, downloaded as slips and
// CSV while they are kept (30 min), used to log in, throttled, and kept to the admin's school.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Response } from "supertest";
import { PDFDocument } from "pdf-lib";
import {
  anonymousClient, createSchool, createStaff, createStudent, createTestEnv, staffClient, studentClient, type Client, type TestEnv,
} from "../../test/harness.js";
import { canonicalAccessCode, ISSUE_TTL_SECONDS, newAccessCode } from "./service.js";

let env: TestEnv;
let schoolId: string;
let admin: Client;
let otherAdmin: Client;

beforeAll(async () => {
  env = await createTestEnv();
  schoolId = (await createSchool(env.ctx, "Lycée Émile Zola")).id;
  admin = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "ADMIN")).email);
  const otherSchool = (await createSchool(env.ctx, "Autre lycée")).id;
  otherAdmin = await staffClient(env.app, (await createStaff(env.ctx, otherSchool, "ADMIN")).email);
});
afterAll(() => env.close());

const CODE = /^[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$/;
let serial = 0;

/** Students of a class without any access code, as a roster import leaves them. */
async function makeClass(className: string, names: [string, string][], extra: { disabled?: boolean } = {}) {
  return Promise.all(names.map(([lastName, firstName]) =>
    env.ctx.db.student.create({ data: { schoolId, className, lastName, firstName, login: `eleve.${++serial}.${Date.now()}`, accessCodeHash: null, ...extra } })));
}

const issue = (client: Client, body: object) => client.agent.post("/api/access-codes").set("X-CSRF-Token", client.csrf).send(body);
const classStudents = (client: Client, className: string) => client.agent.get(`/api/access-codes/classes/${encodeURIComponent(className)}/students`);
const reissue = (client: Client, studentId: string) => client.agent.post(`/api/students/${studentId}/access-code`).set("X-CSRF-Token", client.csrf).send({});
const login = async (loginName: string, accessCode: string) => {
  const anon = await anonymousClient(env.app);
  return anon.agent.post("/api/auth/student-login").set("X-CSRF-Token", anon.csrf).send({ login: loginName, accessCode });
};
const download = (client: Client, issueId: string, file: "slips.pdf" | "codes.csv") =>
  client.agent.get(`/api/access-codes/issues/${issueId}/${file}`).buffer(true).parse((res, done) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => done(null, Buffer.concat(chunks)));
  });

/** The CSV's lines (BOM stripped) as cells. */
function csvRows(res: Response): string[][] {
  const text = (res.body as Buffer).toString("utf8");
  expect(text.startsWith("\uFEFF")).toBe(true);
  expect(text.endsWith("\r\n")).toBe(true);
  return text.slice(1, -2).split("\r\n").map((line) => line.split(";"));
}

/** login → code, read from the CSV download. */
async function codesOf(issueId: string): Promise<Map<string, string>> {
  return new Map(csvRows(await download(admin, issueId, "codes.csv").expect(200)).slice(1).map((cells) => [cells[3]!, cells[4]!]));
}

/** All the text of a PDF as pdf.js reads it. */
async function pdfText(pdf: Buffer): Promise<string> {
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, useSystemFonts: false, verbosity: 0 }).promise;
  try {
    const pages = await Promise.all(Array.from({ length: doc.numPages }, async (_, i) => (await (await doc.getPage(i + 1)).getTextContent()).items));
    return pages.flat().map((item) => ("str" in item ? item.str : "")).join("\n");
  } finally {
    await doc.destroy();
  }
}

describe("access code format", () => {
  it("makes 12-character codes of an unambiguous alphabet, and reads them back however they are typed", () => {
    const codes = Array.from({ length: 200 }, newAccessCode);
    expect(codes.every((c) => CODE.test(c))).toBe(true);
    expect(new Set(codes).size).toBe(200);
    expect(canonicalAccessCode(" k7px q2mr-9tab ")).toBe("K7PX-Q2MR-9TAB");
    expect(canonicalAccessCode("k7pxq2mr9tab")).toBe("K7PX-Q2MR-9TAB");
    expect(canonicalAccessCode("ABCD-2345")).toBe("ABCD-2345");
  });
});

describe("issuing a class's codes", () => {
  const NAMES: [string, string][] = [
    ["Dubois", "Léa"], ["Lefèvre", "Noé"], ["N'Diaye", "Aïssatou"], ["Œuvray", "Maëlys"], ["=SOMME(A1:A9)", "Hugo"], ["Martin", "Chloé"],
    ["Bernard", "Inès"], ["Petit", "Raphaël"], ["Robert", "Zoé"], ["Richard", "Jules"], ["Durand", "Camille"], ["Moreau", "Louis"],
  ];

  it("gives every active student a code that logs them in, printed on slips and listed in the CSV", async () => {
    const students = await makeClass("1ere C", NAMES);
    await makeClass("1ere C", [["Absent", "Parti"]], { disabled: true });
    expect((await admin.agent.get("/api/access-codes/classes").expect(200)).body.classes).toContainEqual({ className: "1ere C", students: 12, withCode: 0, lastIssuedAt: null });

    const res = await issue(admin, { className: "1ere C", scope: "all" }).expect(201);
    const { id, className, count, expiresAt } = res.body.issue;
    expect({ className, count }).toEqual({ className: "1ere C", count: 12 });
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan((ISSUE_TTL_SECONDS - 60) * 1000);
    expect(await env.ctx.redis.ttl(`${env.config.REDIS_PREFIX}:access-codes:${schoolId}:${id}`)).toBeGreaterThan(ISSUE_TTL_SECONDS - 60);

    const csv = await download(admin, id, "codes.csv").expect(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.headers["cache-control"]).toBe("private, no-store");
    expect(csv.headers["content-disposition"]).toBe("attachment; filename*=UTF-8''Codes%20d%27acc%C3%A8s%20-%201ere%20C.csv");
    const rows = csvRows(csv);
    expect(rows[0]).toEqual(["Nom", "Prénom", "Classe", "Identifiant", "Code"]);
    expect(rows).toHaveLength(1 + 12);
    expect(rows.find((cells) => cells[1] === "Hugo")![0]).toBe("'=SOMME(A1:A9)");
    const codes = new Map(rows.slice(1).map((cells) => [cells[3]!, cells[4]!]));
    expect(new Set(codes.keys())).toEqual(new Set(students.map((s) => s.login)));
    expect([...codes.values()].every((c) => CODE.test(c))).toBe(true);

    const pdf = await download(admin, id, "slips.pdf").expect(200);
    expect(pdf.headers["content-type"]).toBe("application/pdf");
    expect(pdf.headers["cache-control"]).toBe("private, no-store");
    expect(pdf.headers["content-disposition"]).toMatch(/^attachment; filename\*=UTF-8''Codes%20d%27acc%C3%A8s%20-%201ere%20C\.pdf$/);
    expect((await PDFDocument.load(pdf.body as Buffer)).getPageCount()).toBe(2); // ten slips a page
    const text = await pdfText(pdf.body as Buffer);
    for (const [studentLogin, code] of codes) {
      expect(text).toContain(`Identifiant : ${studentLogin}`);
      expect(text).toContain(code);
    }
    expect(text).toContain("Lycée Émile Zola");
    expect(text).toContain("ŒUVRAY Maëlys");
    expect(text).toContain(`Adresse : ${env.config.PUBLIC_URL}/eleve/connexion`);

    for (const [i, [studentLogin, code]] of [...codes].entries()) {
      // As typed by a student: the second one in lowercase, without dashes.
      expect((await login(studentLogin, i === 1 ? code.replace(/-/g, "").toLowerCase() : code)).status).toBe(200);
    }

    const stored = await env.ctx.db.student.findMany({ where: { schoolId, className: "1ere C" } });
    expect(stored.filter((s) => !s.disabled).every((s) => s.accessCodeHash?.startsWith("$argon2id$") && s.accessCodeIssuedAt !== null)).toBe(true);
    expect(stored.find((s) => s.disabled)!.accessCodeHash).toBeNull();
    const audits = await env.ctx.db.auditLog.findMany({ where: { schoolId }, orderBy: { id: "asc" } });
    expect(audits.filter((a) => a.action === "access_codes.issued").map((a) => a.data)).toEqual([{ issueId: id, className: "1ere C", scope: "all", count: 12 }]);
    expect(audits.filter((a) => a.action === "access_codes.downloaded").map((a) => a.data)).toEqual([{ issueId: id, format: "csv", count: 12 }, { issueId: id, format: "pdf", count: 12 }]);
    const auditText = JSON.stringify(audits, (_key, value: unknown) => (typeof value === "bigint" ? String(value) : value));
    expect([...codes.values()].some((code) => auditText.includes(code) || auditText.includes(code.replace(/-/g, "")))).toBe(false);

    const after = (await admin.agent.get("/api/access-codes/classes").expect(200)).body.classes;
    expect(after).toContainEqual({ className: "1ere C", students: 12, withCode: 12, lastIssuedAt: stored[0]!.accessCodeIssuedAt!.toISOString() });
  });

  it("gives codes only to the students who have none with scope \"missing\"", async () => {
    const [known] = await makeClass("1ere D", [["Roux", "Tom"]]);
    await issue(admin, { className: "1ere D", scope: "all" }).expect(201);
    const hashBefore = (await env.ctx.db.student.findUniqueOrThrow({ where: { id: known!.id } })).accessCodeHash;
    await issue(admin, { className: "1ere D", scope: "missing" }).expect(409);

    const [newcomer] = await makeClass("1ere D", [["Vincent", "Lina"]]);
    const res = await issue(admin, { className: "1ere D", scope: "missing" }).expect(201);
    expect(res.body.issue.count).toBe(1);
    expect([...(await codesOf(res.body.issue.id)).keys()]).toEqual([newcomer!.login]);
    expect((await env.ctx.db.student.findUniqueOrThrow({ where: { id: known!.id } })).accessCodeHash).toBe(hashBefore);

    const unknown = await issue(admin, { className: "Terminale Z", scope: "all" }).expect(404);
    expect(unknown.body.error.code).toBe("CLASS_NOT_FOUND");
  });
});

describe("reissuing one student's code", () => {
  it("replaces the old code, ends the sessions it opened, and drops it from the class's slips", async () => {
    const [alice, bob] = await makeClass("2nde E", [["Garcia", "Alice"], ["Blanc", "Bob"]]);
    const classIssue = (await issue(admin, { className: "2nde E", scope: "all" }).expect(201)).body.issue.id as string;
    const oldCode = (await codesOf(classIssue)).get(alice!.login)!;
    const session = await studentClient(env.app, alice!.login, oldCode);

    const res = await reissue(admin, alice!.id).expect(201);
    expect(res.body.issue).toMatchObject({ className: null, count: 1 });
    const newCode = (await codesOf(res.body.issue.id)).get(alice!.login)!;
    expect(newCode).not.toBe(oldCode);

    expect((await login(alice!.login, oldCode)).status).toBe(401);
    expect((await session.agent.get("/api/auth/session").expect(200)).body.user).toBeNull();
    expect((await login(alice!.login, newCode)).status).toBe(200);
    expect([...(await codesOf(classIssue)).keys()]).toEqual([bob!.login]);
    expect(await env.ctx.db.auditLog.count({ where: { action: "access_code.reissued", targetType: "student", targetId: alice!.id, data: { path: ["issueId"], equals: res.body.issue.id } } })).toBe(1);
  });
});

describe("listing a class's students", () => {
  it("lists active and disabled students by last then first name, with whether they have a code and never the code", async () => {
    const [zoe, adam] = await makeClass("2nde/H", [["Élie", "Zoé"], ["Élie", "Adam"]]);
    const [leo] = await makeClass("2nde/H", [["Dupont", "Léo"]], { disabled: true });
    const [bea] = await makeClass("2nde/H", [["Fabre", "Béa"]]);
    await makeClass("2nde I", [["Autre", "Classe"]]);
    await reissue(admin, bea!.id).expect(201);
    const issuedAt = (await env.ctx.db.student.findUniqueOrThrow({ where: { id: bea!.id } })).accessCodeIssuedAt!.toISOString();

    const res = await classStudents(admin, "2nde/H").expect(200);
    const noCode = { disabled: false, hasCode: false, codeIssuedAt: null };
    expect(res.body).toEqual({
      students: [
        { id: leo!.id, lastName: "Dupont", firstName: "Léo", login: leo!.login, disabled: true, hasCode: false, codeIssuedAt: null },
        { id: adam!.id, lastName: "Élie", firstName: "Adam", login: adam!.login, ...noCode },
        { id: zoe!.id, lastName: "Élie", firstName: "Zoé", login: zoe!.login, ...noCode },
        { id: bea!.id, lastName: "Fabre", firstName: "Béa", login: bea!.login, disabled: false, hasCode: true, codeIssuedAt: issuedAt },
      ],
    });
    expect((await classStudents(admin, "Terminale Z").expect(200)).body).toEqual({ students: [] });
  });

  it("shows nothing of a school's students to another school's admin, teachers or students", async () => {
    const [student] = await makeClass("2nde J", [["Lambert", "Nina"]]);
    const code = (await codesOf((await issue(admin, { className: "2nde J", scope: "all" }).expect(201)).body.issue.id as string)).get(student!.login)!;

    expect((await classStudents(otherAdmin, "2nde J").expect(200)).body).toEqual({ students: [] });
    const teacher = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
    await classStudents(teacher, "2nde J").expect(403);
    await classStudents(await studentClient(env.app, student!.login, code), "2nde J").expect(403);
  });
});

describe("student login throttling", () => {
  it("answers 429 with Retry-After after repeated wrong codes, even to the right one, and audits each failure", async () => {
    const student = await createStudent(env.ctx, schoolId);
    const statuses: number[] = [];
    let last: Response | undefined;
    for (let i = 0; i < 11; i += 1) {
      last = await login(student.login, "WRNG-CODE-2345");
      statuses.push(last.status);
    }
    const allowed = env.config.LOGIN_MAX_FAILURES;
    expect(statuses).toEqual([...Array<number>(allowed).fill(401), ...Array<number>(11 - allowed).fill(429)]);
    expect(Number(last!.headers["retry-after"])).toBeGreaterThan(0);
    expect(last!.body.error.code).toBe("TOO_MANY_ATTEMPTS");
    expect((await login(student.login, "ABCD-2345")).status).toBe(429);
    expect(await env.ctx.db.auditLog.count({ where: { action: "auth.student_login.failed", actorId: student.id, data: { path: ["reason"], equals: "wrong_access_code" } } })).toBe(allowed);
  });
});

describe("access", () => {
  it("keeps a school's students and codes from another school's admin, teachers and students", async () => {
    const [student] = await makeClass("Tle F", [["Morel", "Emma"]]);
    const issueId = (await issue(admin, { className: "Tle F", scope: "all" }).expect(201)).body.issue.id as string;

    await reissue(otherAdmin, student!.id).expect(404);
    await download(otherAdmin, issueId, "slips.pdf").expect(404);
    await download(otherAdmin, issueId, "codes.csv").expect(404);
    expect((await otherAdmin.agent.get("/api/access-codes/classes").expect(200)).body.classes).toEqual([]);
    await issue(otherAdmin, { className: "Tle F", scope: "all" }).expect(404);

    const teacher = await staffClient(env.app, (await createStaff(env.ctx, schoolId, "TEACHER")).email);
    await issue(teacher, { className: "Tle F", scope: "all" }).expect(403);
    await download(teacher, issueId, "codes.csv").expect(403);
    const pupil = await studentClient(env.app, student!.login, (await codesOf(issueId)).get(student!.login)!);
    await pupil.agent.get("/api/access-codes/classes").expect(403);
    await reissue(pupil, student!.id).expect(403);
    expect(await env.ctx.db.auditLog.count({ where: { action: "access_code.reissued", targetId: student!.id } })).toBe(0);
  });

  it("answers 410 once the codes are no longer kept", async () => {
    await makeClass("Tle G", [["Girard", "Adam"]]);
    const issueId = (await issue(admin, { className: "Tle G", scope: "all" }).expect(201)).body.issue.id as string;
    await env.ctx.redis.del(`${env.config.REDIS_PREFIX}:access-codes:${schoolId}:${issueId}`);
    const pdf = await download(admin, issueId, "slips.pdf").expect(410);
    expect(JSON.parse((pdf.body as Buffer).toString("utf8")).error).toMatchObject({ code: "ISSUE_EXPIRED", message: "Ces codes ne sont plus disponibles : générez-en de nouveaux." });
    await download(admin, issueId, "codes.csv").expect(410);
  });
});
