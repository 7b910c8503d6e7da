// Readiness follows the worker's heartbeat; the worker answers a real job round trip.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { createSchool, createStaff, createTestEnv, staffClient, type TestEnv } from "../../test/harness.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";
import { beat } from "../../lib/heartbeat.js";

let env: TestEnv;
let worker: RunningWorker | undefined;

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(async () => {
  await worker?.close();
  await env.close();
});

describe("health", () => {
  it("answers liveness without any dependency", async () => {
    const res = await request(env.app).get("/api/health/live").expect(200);
    expect(res.body).toEqual({ status: "ok" });
  });

  it("is not ready without a worker, naming the worker check", async () => {
    const res = await request(env.app).get("/api/health/ready");
    expect(res.status).toBe(503);
    expect(res.body.error).toMatchObject({ code: "NOT_READY", details: { failed: ["worker"] } });
    expect(res.body.error.message).toContain("worker");
  });

  it("is ready once a worker beats, and reports version and checks", async () => {
    worker = await startWorker(env.ctx);
    const ready = await request(env.app).get("/api/health/ready").expect(200);
    expect(ready.body.checks).toEqual({
      database: { ok: true },
      migrations: { ok: true },
      redis: { ok: true },
      worker: { ok: true, message: "1 live" },
    });
    const health = await request(env.app).get("/api/health").expect(200);
    expect(health.body).toMatchObject({ status: "ok", version: expect.any(String), commit: expect.any(String), uptimeSeconds: expect.any(Number) });
  });

  it("runs system.ping through the queue and the worker", async () => {
    const school = await createSchool(env.ctx);
    const admin = await createStaff(env.ctx, school.id, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    const res = await client.agent.post("/api/system/ping").set("X-CSRF-Token", client.csrf).expect(200);
    expect(res.body).toMatchObject({ ok: true, workerId: worker?.workerId, roundTripMs: expect.any(Number) });
  });

  it("is not ready again after the worker stops, and after a stale heartbeat", async () => {
    await worker?.close();
    worker = undefined;
    const res = await request(env.app).get("/api/health/ready").expect(503);
    expect(res.body.error.details.failed).toEqual(["worker"]);
    await beat(env.ctx.redis, env.config.REDIS_PREFIX, "stale-worker", Date.now() - 31_000);
    await request(env.app).get("/api/health/ready").expect(503);
    const degraded = await request(env.app).get("/api/health").expect(200);
    expect(degraded.body.status).toBe("degraded");
  });

  it("says the worker is unavailable when a ping gets no answer", async () => {
    const school = await createSchool(env.ctx);
    const admin = await createStaff(env.ctx, school.id, "ADMIN");
    const client = await staffClient(env.app, admin.email);
    const res = await client.agent.post("/api/system/ping").set("X-CSRF-Token", client.csrf);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe("WORKER_UNAVAILABLE");
  });
});
