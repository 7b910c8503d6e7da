import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError } from "./client";

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

function errorBody(code: string, message = "Message") {
  return { error: { code, message, requestId: "req-1" } };
}

const staff = {
  kind: "staff",
  id: "u1",
  email: "a@b.fr",
  displayName: "A",
  role: "ADMIN",
  school: { id: "s1", name: "Lycée" },
};

function clientWith(...responses: Array<Response | Error>) {
  const fetchMock = vi.fn<typeof fetch>();
  for (const response of responses) {
    if (response instanceof Error) fetchMock.mockRejectedValueOnce(response);
    else fetchMock.mockResolvedValueOnce(response);
  }
  return { client: new ApiClient("/api", fetchMock), fetchMock };
}

function headersOf(fetchMock: ReturnType<typeof vi.fn<typeof fetch>>, call: number): Record<string, string> {
  return fetchMock.mock.calls[call]?.[1]?.headers as Record<string, string>;
}

describe("ApiClient", () => {
  it("sends the CSRF token of the last session response on non-GET requests only", async () => {
    const { client, fetchMock } = clientWith(
      json(200, { user: staff, csrfToken: "tok-1" }),
      json(200, { users: [] }),
      new Response(null, { status: 204 }),
    );
    await client.login("a@b.fr", "secret");
    await client.listUsers();
    await expect(client.changePassword("old", "new")).resolves.toBeUndefined();

    expect(headersOf(fetchMock, 1)["X-CSRF-Token"]).toBeUndefined();
    expect(headersOf(fetchMock, 2)["X-CSRF-Token"]).toBe("tok-1");
    const [url, init] = fetchMock.mock.calls[2] ?? [];
    expect(url).toBe("/api/auth/password");
    expect(init).toMatchObject({ method: "POST", credentials: "same-origin" });
    expect(JSON.parse(String(init?.body))).toEqual({ currentPassword: "old", newPassword: "new" });
  });

  it("maps error responses to ApiError, with Retry-After in seconds", async () => {
    const { client } = clientWith(json(429, errorBody("TOO_MANY_ATTEMPTS", "Trop"), { "Retry-After": "900" }));
    const error = await client.login("a@b.fr", "x").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: "TOO_MANY_ATTEMPTS", message: "Trop", requestId: "req-1", retryAfterSeconds: 900 });
  });

  it("reports network failures and malformed error responses with their own codes", async () => {
    const { client } = clientWith(new TypeError("Failed to fetch"), new Response("<html>Bad gateway</html>", { status: 502 }));
    await expect(client.listExams()).rejects.toMatchObject({ status: 0, code: "NETWORK_ERROR" });
    await expect(client.listExams()).rejects.toMatchObject({ status: 502, code: "UNEXPECTED_RESPONSE" });
  });

  it("refreshes the CSRF token once and retries when it is rejected", async () => {
    const { client, fetchMock } = clientWith(
      json(403, errorBody("CSRF_INVALID")),
      json(200, { user: staff, csrfToken: "tok-2" }),
      json(200, { ok: true, roundTripMs: 12, workerId: "w1" }),
      json(403, errorBody("CSRF_INVALID")),
      json(200, { user: staff, csrfToken: "tok-3" }),
      json(403, errorBody("CSRF_INVALID")),
    );
    await expect(client.pingWorker()).resolves.toEqual({ ok: true, roundTripMs: 12, workerId: "w1" });
    expect(fetchMock.mock.calls[1]?.[0]).toBe("/api/auth/session");
    expect(headersOf(fetchMock, 2)["X-CSRF-Token"]).toBe("tok-2");

    await expect(client.pingWorker()).rejects.toMatchObject({ status: 403, code: "CSRF_INVALID" });
    expect(fetchMock).toHaveBeenCalledTimes(6);
  });

  it("tells the error listener which endpoint failed", async () => {
    const { client } = clientWith(json(401, errorBody("UNAUTHENTICATED")));
    const listener = vi.fn();
    client.onError(listener);
    await client.listExams().catch(() => undefined);
    expect(listener).toHaveBeenCalledWith(expect.objectContaining({ code: "UNAUTHENTICATED" }), "/exams");
  });
});
