// What reaches Sentry: the error and where it happened, nothing that could identify a person.
import { describe, expect, it } from "vitest";
import type { ErrorEvent } from "@sentry/node";
import { scrubBreadcrumb, scrubEvent } from "./sentry.js";

const event: ErrorEvent = {
  type: undefined,
  event_id: "0123456789abcdef0123456789abcdef",
  level: "error",
  exception: { values: [{ type: "Error", value: "connect ECONNREFUSED 127.0.0.1:5432" }] },
  tags: { requestId: "8c1f2d4e-aaaa-4bbb-8ccc-0123456789ab", process: "api" },
  request: {
    method: "POST",
    url: "https://korrigo.lycee.fr/api/auth/student-login?login=jeanne.dupont",
    query_string: "login=jeanne.dupont",
    cookies: { "korrigo.sid": "s:session-secret" },
    headers: { cookie: "korrigo.sid=s:session-secret", "x-forwarded-for": "203.0.113.7", "user-agent": "Mozilla/5.0" },
    data: { login: "jeanne.dupont", accessCode: "ABCD-2345" },
    env: { REMOTE_ADDR: "203.0.113.7" },
  },
  user: { id: "u-1", email: "jeanne.dupont@lycee.fr", ip_address: "203.0.113.7" },
  extra: { payload: { studentName: "Jeanne Dupont" } },
  breadcrumbs: [
    { category: "http", type: "http", level: "info", timestamp: 1, data: { url: "http://127.0.0.1/api/students?search=Dupont", method: "GET", status_code: 200 } },
    { category: "console", level: "warning", timestamp: 2, message: "pool exhausted", data: { arguments: ["jeanne.dupont@lycee.fr"] } },
  ],
};

describe("Sentry events", () => {
  it("keep the error, its tags and the request's method and path; lose cookies, headers, body, query, user and addresses", () => {
    const sent = scrubEvent(structuredClone(event));
    expect(sent.exception).toEqual(event.exception);
    expect(sent.tags).toEqual(event.tags);
    expect(sent.request).toEqual({ method: "POST", url: "/api/auth/student-login" });
    expect(sent).not.toHaveProperty("user");
    expect(sent).not.toHaveProperty("extra");
    const text = JSON.stringify(sent);
    for (const secret of ["jeanne", "Dupont", "session-secret", "203.0.113.7", "ABCD-2345", "Mozilla", "search="]) expect(text).not.toContain(secret);
  });

  it("keep a breadcrumb's kind, level, time and message, without its data", () => {
    const sent = scrubEvent(structuredClone(event));
    expect(sent.breadcrumbs).toEqual([
      { category: "http", type: "http", level: "info", timestamp: 1 },
      { category: "console", level: "warning", timestamp: 2, message: "pool exhausted" },
    ]);
    expect(scrubBreadcrumb({ category: "http", data: { url: "/x?y=z" } })).toEqual({ category: "http" });
  });

  it("leave an event without request data as it is", () => {
    const bare: ErrorEvent = { type: undefined, message: "boom", tags: { jobName: "copy.flatten", jobId: "flatten-1-2" } };
    expect(scrubEvent(bare)).toEqual(bare);
  });
});
