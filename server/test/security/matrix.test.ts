// The authorization matrix, on the real route table: every route the app declares is called as
// an anonymous visitor, a student, a teacher and an admin of school A, and an admin of school B,
// with the ids of real objects of school A, and must answer exactly the status access-matrix.ts
// gives (guard refusals in the guard's own words). No answer to an outsider may carry an id of
// school A, nor an answer to the student an id of their classmate's.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { declaredRoutes } from "../../lib/http/access.js";
import { anonymousClient, type Client } from "../harness.js";
import { admitted, expectedStatus, inconsistencies, MATRIX, PRINCIPALS, routeKey, type Principal } from "./access-matrix.js";
import { buildSchool, createSecurityEnv, freshClient, leakedIds, send, standInWorker, type SchoolWorld, type SecurityEnv } from "./world.js";

let env: SecurityEnv;
let worker: { close(): Promise<void> } | undefined;
/** School A owns every object the routes are called on; school B is the other school. */
let a: SchoolWorld;
let b: SchoolWorld;
let anonymous: Client;

beforeAll(async () => {
  env = await createSecurityEnv();
  worker = await standInWorker(env.ctx);
  a = await buildSchool(env, "A");
  b = await buildSchool(env, "B");
  anonymous = await anonymousClient(env.app);
}, 120_000);
afterAll(async () => {
  await worker?.close();
  await env?.close();
});

interface Caller {
  client: Client;
  /** The school whose objects go into the caller's request bodies. */
  own: SchoolWorld;
  /** A new session of the same principal. */
  fresh(): Promise<Client>;
}

function caller(principal: Principal): Caller {
  switch (principal) {
    case "anonymous":
      return { client: anonymous, own: a, fresh: () => freshClient(env, "anonymous") };
    case "student":
      return { client: a.clients.student, own: a, fresh: () => freshClient(env, "student", a.accounts.student) };
    case "teacher":
      return { client: a.clients.teacher, own: a, fresh: () => freshClient(env, "staff", a.accounts.teacher) };
    case "admin":
      return { client: a.clients.admin, own: a, fresh: () => freshClient(env, "staff", a.accounts.admin) };
    case "otherAdmin":
      return { client: b.clients.admin, own: b, fresh: () => freshClient(env, "staff", b.accounts.admin) };
  }
}

/** Ids a principal must never read: school A's for outsiders, the classmate's for the student. */
function forbiddenIds(principal: Principal): string[] {
  if (principal === "anonymous" || principal === "otherAdmin") return Object.values(a.objects);
  if (principal === "student") return [a.objects.classmate, a.objects.classmateCopy, a.objects.review, a.objects.answeredReview];
  return [];
}

describe("the matrix's table", () => {
  it("has an entry for every route of the app, and no entry without its route", () => {
    const routes = declaredRoutes(env.app).map(routeKey);
    const table = Object.keys(MATRIX);
    expect(routes.length).toBeGreaterThan(90);
    expect(new Set(routes).size).toBe(routes.length);
    expect({ routesMissingFromTheTable: routes.filter((r) => !table.includes(r)), entriesWithoutARoute: table.filter((k) => !routes.includes(k)) })
      .toEqual({ routesMissingFromTheTable: [], entriesWithoutARoute: [] });
  });

  it("states a status for exactly the principals each route's roles admit", () => {
    expect(Object.entries(MATRIX).flatMap(([key, entry]) => inconsistencies(key, entry))).toEqual([]);
  });
});

describe("every route as every principal", () => {
  for (const [key, entry] of Object.entries(MATRIX)) {
    it(key, async () => {
      const got: Record<string, number> = {};
      const want: Record<string, number | undefined> = {};
      const refusals: { principal: Principal; code: unknown }[] = [];
      const wantRefusals: typeof refusals = [];
      const leaks: string[] = [];
      for (const principal of PRINCIPALS) {
        const who = caller(principal);
        const client = entry.endsSession ? await who.fresh() : who.client;
        const res = await send(client, key, entry, a.objects, who.own.objects);
        got[principal] = res.status;
        want[principal] = expectedStatus(entry, principal);
        if (!admitted(entry, principal)) {
          refusals.push({ principal, code: res.body?.error?.code });
          wantRefusals.push({ principal, code: principal === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN" });
        }
        leaks.push(...leakedIds(res, forbiddenIds(principal)).map((id) => `${principal} read ${id}`));
      }
      expect(got).toEqual(want);
      expect(refusals).toEqual(wantRefusals);
      expect(leaks).toEqual([]);
    });
  }

  it("left every shared session logged in (the refusals were about the routes)", async () => {
    for (const client of [a.clients.student, a.clients.teacher, a.clients.admin, b.clients.admin]) {
      const res = await client.agent.get("/api/auth/session").expect(200);
      expect(res.body.user).not.toBeNull();
    }
  });
});
