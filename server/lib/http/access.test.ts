// Deny by default, checked on the real route table: no route without an access declaration,
// students refused on every staff route, teachers on every admin route.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import { anonymousClient, createSchool, createStaff, createStudent, createTestEnv, staffClient, studentClient, type Client, type TestEnv } from "../../test/harness.js";
import { declaredRoutes, routeTable, SecureRouter, type Access, type DeclaredRoute } from "./access.js";

let env: TestEnv;
let student: Client;
let teacher: Client;

beforeAll(async () => {
  env = await createTestEnv();
  const school = await createSchool(env.ctx);
  student = await studentClient(env.app, (await createStudent(env.ctx, school.id)).login);
  teacher = await staffClient(env.app, (await createStaff(env.ctx, school.id, "TEACHER")).email);
});
afterAll(() => env.close());

const withoutRole = (role: "STUDENT" | "TEACHER") => (r: DeclaredRoute) => r.access.kind === "roles" && !r.access.roles.includes(role);
const concrete = (path: string) => path.replace(/:(\w+)/g, "00000000-0000-4000-8000-000000000000");

async function call(client: Client, route: DeclaredRoute) {
  return client.agent[route.method](concrete(route.path)).set("X-CSRF-Token", client.csrf).send({});
}

describe("route table", () => {
  it("has an access guard first on every route Express knows", () => {
    const table = routeTable(env.app);
    expect(table.length).toBeGreaterThan(5);
    expect(table.filter((r) => !r.guarded)).toEqual([]);
    expect(table).toHaveLength(declaredRoutes(env.app).length);
  });

  it("refuses to declare a route without access", () => {
    const routes = new SecureRouter();
    expect(() => routes.get("/x", undefined as unknown as Access, (_req, res) => void res.end())).toThrow(/declares no access/);
    expect(() => routes.get("/x", { kind: "roles", roles: [] }, (_req, res) => void res.end())).toThrow(/declares no access/);
  });

  it("notices a route added around SecureRouter", () => {
    const app = express();
    app.get("/sneaky", (_req, res) => void res.end());
    expect(routeTable(app)).toEqual([{ route: "get /sneaky", guarded: false }]);
  });
});

describe("roles", () => {
  it("gives a student 403 on every staff route", async () => {
    const staffRoutes = declaredRoutes(env.app).filter(withoutRole("STUDENT"));
    expect(staffRoutes.length).toBeGreaterThan(2);
    for (const route of staffRoutes) {
      const res = await call(student, route);
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({ route: `${route.method} ${route.path}`, status: 403 });
      expect(res.body.error.code).toBe("FORBIDDEN");
    }
  });

  it("gives a teacher 403 on every admin route", async () => {
    const adminRoutes = declaredRoutes(env.app).filter(withoutRole("TEACHER"));
    expect(adminRoutes.length).toBeGreaterThan(1);
    for (const route of adminRoutes) {
      const res = await call(teacher, route);
      expect({ route: `${route.method} ${route.path}`, status: res.status }).toEqual({ route: `${route.method} ${route.path}`, status: 403 });
    }
  });

  it("gives an anonymous caller 401 on every protected route", async () => {
    const client = await anonymousClient(env.app);
    for (const route of declaredRoutes(env.app).filter((r) => r.access.kind === "roles")) {
      expect((await call(client, route)).status).toBe(401);
    }
  });
});

describe("errors", () => {
  it("answers an unknown API route with 404 in the JSON error shape", async () => {
    const res = await teacher.agent.get("/api/does-not-exist");
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: { code: "NOT_FOUND", message: expect.any(String), requestId: res.headers["x-request-id"] } });
  });

  it("answers malformed JSON with 400 in the same shape", async () => {
    const res = await teacher.agent.post("/api/auth/password").set("X-CSRF-Token", teacher.csrf).set("Content-Type", "application/json").send("{not json");
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: "INVALID_JSON", requestId: expect.any(String) });
  });

  it("keeps a well-formed request id from the proxy and replaces anything else", async () => {
    const kept = await teacher.agent.get("/api/exams").set("X-Request-Id", "nginx-abcdef123456");
    expect(kept.headers["x-request-id"]).toBe("nginx-abcdef123456");
    const replaced = await teacher.agent.get("/api/exams").set("X-Request-Id", "<script>");
    expect(replaced.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("sends a strict Content-Security-Policy", async () => {
    const res = await teacher.agent.get("/api/health/live");
    const csp = res.headers["content-security-policy"] as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
  });
});
