// Insecure direct object references. Every route with a path parameter (taken from the app's
// route table, so a new one is covered, or fails until access-matrix.ts maps it) is called with
// the ids of school A's objects by the staff of school B, and each student route with the ids of
// a classmate's objects (and by a student of school B): the answer is 404, nothing in the
// database or the file store changes, and nothing of school A (or of the classmate) is read.
// Then the ids a request carries in its body or query string: another school's teacher, student,
// booklet, question, rubric item… are refused with a 4xx, and nothing is written.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredRoutes } from "../../lib/http/access.js";
import type { Client } from "../harness.js";
import { exportCsv } from "../roster-factory.js";
import { CLASS, MATRIX, pathParams, routeKey, splitKey, type Call, type Entry, type Objects, type Role } from "./access-matrix.js";
import { buildSchool, changes, createSecurityEnv, fingerprint, leakedIds, send, type SchoolWorld, type SecurityEnv } from "./world.js";

let env: SecurityEnv;
/** The victim: every object is school A's. */
let a: SchoolWorld;
/** The attackers' school, with the same objects of its own. */
let b: SchoolWorld;

beforeAll(async () => {
  env = await createSecurityEnv();
  a = await buildSchool(env, "A");
  b = await buildSchool(env, "B");
}, 120_000);
afterAll(() => env?.close());

interface Attacker {
  name: string;
  client: Client;
  /** The objects the attacker's request bodies carry: their own. */
  own: Objects;
  /** What the attacker must never read. */
  victimIds: () => string[];
}

const allows = (entry: Entry, role: Role) => entry.roles !== "public" && entry.roles.includes(role);

/** Who attacks a route: the staff of school B it admits; for a student route, the classmate and a student of school B. */
function attackersOf(entry: Entry): Attacker[] {
  const ofA = () => Object.values(a.objects);
  const mine = () => [a.objects.student, a.objects.gradedCopy];
  return [
    ...(allows(entry, "ADMIN") ? [{ name: "admin of school B", client: b.clients.admin, own: b.objects, victimIds: ofA }] : []),
    ...(allows(entry, "TEACHER") ? [{ name: "teacher of school B", client: b.clients.teacher, own: b.objects, victimIds: ofA }] : []),
    ...(allows(entry, "STUDENT")
      ? [
          { name: "classmate", client: a.clients.classmate, own: a.objects, victimIds: mine },
          { name: "student of school B", client: b.clients.student, own: b.objects, victimIds: ofA },
        ]
      : []),
  ];
}

/** The request an attacker sends: the matrix's, aimed where access-matrix.ts says an attack would succeed. */
const attackOf = (entry: Entry): Call => ({ ...entry, ...entry.idor, params: { ...entry.params, ...entry.idor?.params } });

const idRoutes = Object.entries(MATRIX).filter(([key]) => pathParams(splitKey(key).path).length > 0);

/** A request, with what it changed in the database and the file store. */
async function attempt(request: () => PromiseLike<{ status: number; body: { error?: { code?: string } } }>) {
  const before = await fingerprint(env);
  const res = await request();
  return { status: res.status, code: res.body?.error?.code, changed: changes(before, await fingerprint(env)) };
}

const post = (c: Client, url: string, body: object) => c.agent.post(url).set("X-CSRF-Token", c.csrf).send(body);
const put = (c: Client, url: string, body: object, headers: Record<string, string> = {}) => c.agent.put(url).set("X-CSRF-Token", c.csrf).set(headers).send(body);

describe("ids of another school, or of another student, in the path", () => {
  it("has every id-bearing route of the app mapped to objects, and attackers for it", () => {
    const unmapped = declaredRoutes(env.app).flatMap((route) => {
      const key = routeKey(route);
      const params = pathParams(route.path);
      const entry = MATRIX[key];
      if (params.length === 0) return [];
      if (!entry) return [`${key}: no entry in access-matrix.ts`];
      const call = attackOf(entry);
      const missing = params.filter((p) => !call.params?.[p]).map((p) => `${key}: no object for :${p}`);
      return attackersOf(entry).length === 0 ? [...missing, `${key}: nobody to attack it with`] : missing;
    });
    expect(unmapped).toEqual([]);
    expect(idRoutes.length).toBeGreaterThan(70);
  });

  for (const [key, entry] of idRoutes) {
    it(key, async () => {
      const got = [];
      const want = [];
      for (const attacker of attackersOf(entry)) {
        const before = await fingerprint(env);
        const res = await send(attacker.client, key, attackOf(entry), a.objects, attacker.own);
        const changed = changes(before, await fingerprint(env));
        got.push({ attacker: attacker.name, status: res.status, changed, read: leakedIds(res, attacker.victimIds()) });
        want.push({ attacker: attacker.name, status: entry.idor?.expect ?? 404, changed: [], read: [] });
      }
      expect(got).toEqual(want);
    });
  }

  it("lists to a student their own copies only", async () => {
    const res = await a.clients.classmate.agent.get("/api/me/copies").expect(200);
    expect(res.body.copies.map((c: { copyId: string }) => c.copyId)).toEqual([a.objects.classmateCopy]);
  });
});

describe("ids of another school in bodies and query strings", () => {
  it("refuses to make a teacher of another school grade an exam", async () => {
    const res = await attempt(() => put(a.clients.admin, `/api/exams/${a.objects.exam}/graders`, { userIds: [a.objects.teacher, b.objects.teacher] }));
    expect(res).toEqual({ status: 400, code: "VALIDATION_FAILED", changed: [] });
  });

  it("refuses to give a copy to a teacher of another school", async () => {
    const res = await attempt(() => put(a.clients.admin, `/api/copies/${a.objects.readyCopy}/grader`, { userId: b.objects.teacher }));
    expect(res).toEqual({ status: 400, code: "VALIDATION_FAILED", changed: [] });
  });

  it("refuses to identify a booklet as a student of another school", async () => {
    const res = await attempt(() => post(a.clients.admin, `/api/booklets/${a.objects.readyBooklet}/identify`, { studentId: b.objects.codesStudent, change: true }));
    expect(res).toMatchObject({ status: 404, changed: [] });
  });

  it("refuses to merge, move or restore pages into another school's booklet", async () => {
    const target = b.objects.readyBooklet;
    const merged = await attempt(() => post(a.clients.admin, `/api/booklets/${a.objects.readyBooklet}/merge`, { bookletId: target }));
    const moved = await attempt(() => post(a.clients.admin, `/api/desk/pages/${a.objects.readyPage}/move`, { bookletId: target, position: 1 }));
    const restored = await attempt(() => post(a.clients.admin, `/api/desk/pages/${a.objects.discardedPage}/restore`, { bookletId: target }));
    expect([merged, moved, restored]).toEqual([merged, moved, restored].map(() => expect.objectContaining({ status: 404, changed: [] })));
  });

  it("refuses to retry another school's page through one's own batch", async () => {
    const res = await attempt(() => post(a.clients.admin, `/api/scans/${a.objects.batch}/pages/${b.objects.readyPage}/retry`, {}));
    expect(res).toMatchObject({ status: 409, changed: [] });
  });

  it("refuses a rubric item on another school's question", async () => {
    const res = await attempt(() => post(a.clients.teacher, `/api/exams/${a.objects.exam}/rubric/items`, { questionId: b.objects.question, label: "Intrus", points: 1 }));
    expect(res).toMatchObject({ status: 404, changed: [] });
  });

  it("refuses a draft that scores another school's question or applies its rubric item", async () => {
    const copy = `/api/copies/${a.objects.readyCopy}`;
    const lock = await post(a.clients.teacher, `${copy}/lock`, {}).expect(200);
    const lockToken = lock.body.lock.token as string;
    try {
      const draft = (extra: object) => ({ lockToken, annotations: [], scores: {}, ...extra });
      const scored = await attempt(() => put(a.clients.teacher, `${copy}/draft`, draft({ scores: { [b.objects.question]: 1 } }), { "If-Match": '"0"' }));
      const applied = await attempt(() => put(a.clients.teacher, `${copy}/draft`, draft({ rubric: { [a.objects.question]: [b.objects.rubricItem] } }), { "If-Match": '"0"' }));
      expect([scored, applied]).toEqual([scored, applied].map(() => ({ status: 400, code: "VALIDATION_FAILED", changed: [] })));
    } finally {
      await a.clients.teacher.agent.delete(`${copy}/lock`).set("X-CSRF-Token", a.clients.teacher.csrf).send({ token: lockToken }).expect(204);
    }
  });

  it("refuses to list the review requests of another school's exam", async () => {
    for (const client of [b.clients.admin, b.clients.teacher]) {
      const res = await attempt(() => client.agent.get("/api/reviews").query({ examId: a.objects.exam, status: "ALL" }));
      expect(res).toMatchObject({ status: 404, changed: [] });
    }
  });

  it("refuses a review request on a question of another exam", async () => {
    const res = await attempt(() => post(a.clients.student, `/api/me/copies/${a.objects.gradedCopy}/reviews`, { questionId: b.objects.question, message: "Et celle-là ?" }));
    expect(res).toMatchObject({ status: 404, changed: [] });
  });

  it("refuses to issue access codes to a class that only another school has", async () => {
    await env.ctx.db.student.create({ data: { schoolId: a.schoolId, login: `seule-${a.schoolId}`, lastName: "SEULE", firstName: "Classe", className: "1re Spé A" } });
    const res = await attempt(() => post(b.clients.admin, "/api/access-codes", { className: "1re Spé A", scope: "all" }));
    expect(res).toEqual({ status: 404, code: "CLASS_NOT_FOUND", changed: [] });
  });

  it("matches an imported roster against its own school's students only", async () => {
    const studentsOfA = () => env.ctx.db.student.findMany({ where: { schoolId: a.schoolId }, include: { enrollments: true }, orderBy: { id: "asc" } });
    const before = await studentsOfA();
    // The line of school A's student (same INE, name and class), imported by school B.
    const csv = exportCsv([["Nom", "Prénom", "Classe", "INE"], ["TEST", "Élève", CLASS, "123456789AA"], ["NOUVEAU", "Élève", CLASS, "123456789AZ"]], ";", "utf-8-bom");
    const res = await post(b.clients.admin, "/api/students/import", { content: csv.toString("base64"), schoolYear: "2026-2027", commit: true }).expect(200);
    expect(res.body.counts).toMatchObject({ added: 1, updated: 1 });
    expect(await studentsOfA()).toEqual(before);
    expect(await env.ctx.db.student.count({ where: { ine: "123456789AZ" } })).toBe(1);
  });
});
