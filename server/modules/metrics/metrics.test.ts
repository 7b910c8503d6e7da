// /metrics on the API and on the worker: who may read them (token, or an internal address
// not forwarded by a proxy), and what they report — request durations by route pattern,
// queue depths, copies by status and active locks, and the worker's job counts.
import { once } from "node:events";
import { createServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import request from "supertest";
import { createApp } from "../../app.js";
import { createSchool, createStaff, createTestEnv, waitFor, type TestEnv } from "../../test/harness.js";
import { startWorker, type RunningWorker } from "../../worker/run.js";

const TOKEN = "metrics-token-for-tests-0123456789abcdef";
const bearer = `Bearer ${TOKEN}`;

let env: TestEnv;
let workerPort: number;
let worker: RunningWorker | undefined;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return port;
}

beforeAll(async () => {
  workerPort = await freePort();
  // Loopback, where supertest connects from, is not internal here: the token is needed.
  env = await createTestEnv({ METRICS_TOKEN: TOKEN, METRICS_ALLOW: "192.0.2.0/24", WORKER_METRICS_PORT: String(workerPort) });
});
afterAll(async () => {
  await worker?.close();
  await env.close();
});

/** The value of the sample of `name` whose labels include `labels`, from Prometheus' text format. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match?.[1] !== name) continue;
    const found = Object.fromEntries([...(match[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)].map((pair) => [pair[1], pair[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

async function scrape(): Promise<string> {
  const res = await request(env.app).get("/metrics").set("Authorization", bearer).expect(200);
  return res.text;
}

describe("access to the API's /metrics", () => {
  it("refuses a caller outside METRICS_ALLOW without the token: 401, the JSON error shape, a Bearer challenge", async () => {
    for (const authorization of [undefined, "Bearer wrong-token", TOKEN]) {
      const call = request(env.app).get("/metrics");
      const res = await (authorization ? call.set("Authorization", authorization) : call);
      expect(res.status).toBe(401);
      expect(res.headers["www-authenticate"]).toMatch(/^Bearer /);
      expect(res.body).toEqual({ error: { code: "METRICS_TOKEN_REQUIRED", message: expect.any(String), requestId: res.headers["x-request-id"] } });
    }
  });

  it("answers the token in Prometheus' text format, with the process's own metrics labelled api", async () => {
    const res = await request(env.app).get("/metrics").set("Authorization", bearer).expect(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(res.text).toContain("# TYPE http_request_duration_seconds histogram");
    expect(sample(res.text, "process_resident_memory_bytes", { process: "api" })).toBeGreaterThan(0);
  });

  it("lets an internal address in without the token, unless a proxy forwarded the request", async () => {
    const internal = createApp({ ...env.ctx, config: { ...env.config, METRICS_ALLOW: "127.0.0.0/8,::1/128" } });
    const res = await request(internal).get("/metrics").expect(200);
    expect(res.text).toContain("korrigo_copies");
    await request(internal).get("/metrics").set("X-Forwarded-For", "203.0.113.7").expect(401);
    await request(internal).get("/metrics").set("Forwarded", "for=203.0.113.7").expect(401);
  });
});

describe("what the API reports", () => {
  it("times requests by route pattern and status, never by raw URL", async () => {
    const examId = "6f1c2a3b-0000-4000-8000-00000000abcd";
    await request(env.app).get(`/api/exams/${examId}`).expect(401);
    await request(env.app).get("/api/no-such-route").expect(404);
    const text = await scrape();
    expect(sample(text, "http_request_duration_seconds_count", { method: "GET", route: "/api/exams/:id", status: "401", process: "api" })).toBe(1);
    expect(sample(text, "http_request_duration_seconds_count", { method: "GET", route: "unmatched", status: "404" })).toBe(1);
    expect(sample(text, "http_request_duration_seconds_bucket", { route: "/api/exams/:id", le: "+Inf" })).toBe(1);
    expect(text).not.toContain(examId);
    expect(text).not.toContain("no-such-route");
  });

  it("reports the depth of each queue and the age of its oldest waiting job", async () => {
    const before = await scrape();
    expect(sample(before, "korrigo_queue_jobs", { queue: "system", state: "waiting" })).toBe(0);
    expect(sample(before, "korrigo_queue_oldest_waiting_seconds", { queue: "system" })).toBe(0);
    await env.ctx.queues.enqueue("system.ping", { sentAt: Date.now() });
    const after = await scrape();
    expect(sample(after, "korrigo_queue_jobs", { queue: "system", state: "waiting" })).toBe(1);
    expect(sample(after, "korrigo_queue_jobs", { queue: "grading", state: "waiting" })).toBe(0);
    expect(sample(after, "korrigo_queue_oldest_waiting_seconds", { queue: "system" })).toBeGreaterThanOrEqual(0);
    expect(sample(after, "korrigo_metrics_source_up", { source: "redis" })).toBe(1);
  });

  it("reports copies by status and the copy locks that have not expired", async () => {
    const school = await createSchool(env.ctx);
    const teacher = await createStaff(env.ctx, school.id, "TEACHER");
    const exam = await env.ctx.db.exam.create({ data: { schoolId: school.id, title: "DS", subject: "Maths", date: new Date("2026-11-20"), classNames: ["2nde A"], pagesPerCopy: 4, createdById: teacher.id } });
    const copy = (code: string, status: "READY" | "LOCKED" | "GRADED") => env.ctx.db.copy.create({ data: { schoolId: school.id, examId: exam.id, anonymousCode: code, status } });
    const [held, expired] = [await copy("C1", "LOCKED"), await copy("C2", "LOCKED")];
    await copy("C3", "READY");
    await copy("C4", "GRADED");
    const lock = (copyId: string, token: string, expiresAt: Date) => env.ctx.db.copyLock.create({ data: { copyId, userId: teacher.id, token, expiresAt } });
    await lock(held.id, "lock-held", new Date(Date.now() + 600_000));
    await lock(expired.id, "lock-expired", new Date(Date.now() - 1000));
    const text = await scrape();
    expect(sample(text, "korrigo_copies", { status: "LOCKED" })).toBe(2);
    expect(sample(text, "korrigo_copies", { status: "READY" })).toBe(1);
    expect(sample(text, "korrigo_copies", { status: "GRADED" })).toBe(1);
    expect(sample(text, "korrigo_copies", { status: "FAILED" })).toBe(0);
    expect(sample(text, "korrigo_copy_locks_active")).toBe(1);
    expect(sample(text, "korrigo_metrics_source_up", { source: "database" })).toBe(1);
  });
});

describe("the worker's /metrics", () => {
  it("counts and times the jobs this worker ran, by name and outcome, under the same access rule", async () => {
    worker = await startWorker(env.ctx);
    // The ping left waiting above is run too: two completed pings.
    await env.ctx.queues.run("system.ping", { sentAt: Date.now() }, 10_000);
    const failing = await env.ctx.queues.enqueue("copy.flatten", { copyId: "not-a-copy-id", version: 1 }, { attempts: 1 });
    expect(await waitFor(() => failing.getState(), (state) => state === "failed")).toBe("failed");

    const endpoint = request(`http://127.0.0.1:${workerPort}`);
    const denied = await endpoint.get("/metrics");
    expect(denied.status).toBe(401);
    expect(denied.body.error.code).toBe("METRICS_TOKEN_REQUIRED");
    const scrapeWorker = async () => (await endpoint.get("/metrics").set("Authorization", bearer).expect(200)).text;
    const text = await waitFor(scrapeWorker, (t) => sample(t, "korrigo_jobs_total", { name: "system.ping", outcome: "completed" }) === 2);
    expect(sample(text, "korrigo_jobs_total", { name: "system.ping", outcome: "completed", process: "worker" })).toBe(2);
    expect(sample(text, "korrigo_jobs_total", { name: "copy.flatten", outcome: "failed", process: "worker" })).toBe(1);
    expect(sample(text, "korrigo_job_duration_seconds_count", { name: "copy.flatten" })).toBe(1);
    expect(sample(text, "process_resident_memory_bytes", { process: "worker" })).toBeGreaterThan(0);
  });
});
