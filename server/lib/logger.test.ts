// Logs carry no personal data and no session ids: passwords, cookies, e-mails and addresses
// never reach a log line, whatever a request carries.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { capturedLogger, createSchool, createStaff, createTestEnv, staffClient, STAFF_PASSWORD, type TestEnv } from "../test/harness.js";

const { logger, lines } = capturedLogger();

let env: TestEnv;
beforeAll(async () => {
  env = await createTestEnv({}, logger);
});
afterAll(() => env.close());

describe("logging", () => {
  it("logs requests with their id, method, path and status only", async () => {
    const school = await createSchool(env.ctx);
    const admin = await createStaff(env.ctx, school.id, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    const res = await client.agent.get("/api/users?search=secret-query").set("X-Forwarded-For", "203.0.113.7").expect(200);
    const all = lines.join("");
    const requestLine = lines.map((l) => JSON.parse(l) as { req?: { id: string } }).find((l) => l.req?.id === res.headers["x-request-id"]);
    expect(requestLine).toMatchObject({ req: { method: "GET", path: "/api/users" }, res: { statusCode: 200 } });
    expect(all).not.toContain(STAFF_PASSWORD);
    expect(all).not.toContain(admin.email);
    expect(all).not.toContain("korrigo.sid");
    expect(all).not.toContain("secret-query");
    expect(all).not.toContain("203.0.113.7");
    expect(all).not.toContain(client.csrf);
  });

  it("gives every line a numeric level and an ISO time, and a service's line the id of the request it serves", async () => {
    const school = await createSchool(env.ctx);
    const admin = await createStaff(env.ctx, school.id, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    const before = lines.length;
    // No worker runs here: the ping's service logs its failure, from deep inside the request.
    const res = await client.agent.post("/api/system/ping").set("X-CSRF-Token", client.csrf).send({}).expect(503);
    const written = lines.slice(before).map((l) => JSON.parse(l) as { level: unknown; time: unknown; msg: string; requestId?: string });
    expect(written.find((l) => l.msg === "worker ping failed")).toMatchObject({ level: 40, requestId: res.headers["x-request-id"] });
    for (const line of written) {
      expect(line.level).toEqual(expect.any(Number));
      expect(new Date(line.time as string).toISOString()).toBe(line.time);
    }
    env.ctx.logger.info("outside any request");
    expect(JSON.parse(lines.at(-1)!)).not.toHaveProperty("requestId");
  });

  it("redacts secrets passed to the logger by mistake", () => {
    const before = lines.length;
    env.ctx.logger.info({ user: { password: "hunter2-hunter2", accessCode: "ABCD-EFGH" }, req: { headers: { cookie: "korrigo.sid=s%3Aabc" } } }, "oops");
    const line = lines.slice(before).join("");
    expect(line).toContain("[redacted]");
    expect(line).not.toContain("hunter2");
    expect(line).not.toContain("ABCD-EFGH");
    expect(line).not.toContain("s%3Aabc");
  });
});
