import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, type UploadRequest } from "./client";

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

  it("keeps autosave's unreachable server from the listener (the badge says it), but not an expired session", async () => {
    const { client } = clientWith(
      json(200, { user: staff, csrfToken: "tok-1" }),
      new TypeError("Failed to fetch"),
      json(503, errorBody("UNAVAILABLE")),
      json(401, errorBody("UNAUTHENTICATED")),
    );
    await client.getSession();
    const listener = vi.fn();
    client.onError(listener);
    const content = { annotations: [], scores: {}, comment: "", rubric: {}, overrides: [] };
    await expect(client.saveDraft("c1", 3, "lock", content)).rejects.toMatchObject({ code: "NETWORK_ERROR" });
    await expect(client.saveDraft("c1", 3, "lock", content)).rejects.toMatchObject({ status: 503 });
    expect(listener).not.toHaveBeenCalled();
    await expect(client.saveDraft("c1", 3, "lock", content)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    expect(listener).toHaveBeenCalledOnce();
  });
});

/** A stand-in for XMLHttpRequest: records what is sent, answers when told to. */
class FakeUpload {
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: unknown = null;
  status = 0;
  responseText = "";
  responseHeaders: Record<string, string> = {};
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  onabort: (() => void) | null = null;
  open(method: string, url: string) {
    this.method = method;
    this.url = url;
  }
  setRequestHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  getResponseHeader(name: string) {
    return this.responseHeaders[name] ?? null;
  }
  send(body: unknown) {
    this.body = body;
  }
  abort() {
    this.onabort?.();
  }
  progress(loaded: number, total: number) {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true } as ProgressEvent);
  }
  answer(status: number, body: unknown) {
    this.status = status;
    this.responseText = typeof body === "string" ? body : JSON.stringify(body);
    this.onload?.();
  }
}

function uploadClient(...responses: Response[]) {
  const uploads: FakeUpload[] = [];
  const fetchMock = vi.fn<typeof fetch>();
  for (const response of responses) fetchMock.mockResolvedValueOnce(response);
  const client = new ApiClient("/api", fetchMock, () => {
    const fake = new FakeUpload();
    uploads.push(fake);
    return fake as unknown as UploadRequest;
  });
  return { client, uploads, fetchMock };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("ApiClient.uploadScan", () => {
  const file = new File([new Uint8Array([37, 80, 68, 70])], "copies.pdf", { type: "application/pdf" });

  it("posts the file as multipart field file with the CSRF token, and reports progress", async () => {
    const { client, uploads } = uploadClient(json(200, { user: staff, csrfToken: "tok-1" }));
    await client.login("a@b.fr", "secret");
    const progress = vi.fn();
    const done = client.uploadScan("exam-1", [file], { onProgress: progress });
    const xhr = uploads[0]!;
    expect(xhr.method).toBe("POST");
    expect(xhr.url).toBe("/api/exams/exam-1/scans");
    expect(xhr.headers["X-CSRF-Token"]).toBe("tok-1");
    expect(xhr.body).toBeInstanceOf(FormData);
    expect(((xhr.body as FormData).get("file") as File).name).toBe("copies.pdf");
    xhr.progress(50, 200);
    expect(progress).toHaveBeenCalledWith(50, 200);
    xhr.answer(200, { batch: { id: "b1" }, duplicate: true });
    await expect(done).resolves.toEqual({ batch: { id: "b1" }, duplicate: true });
  });

  it("maps refusals to ApiError and tells the listener, but not about a cancelled upload", async () => {
    const { client, uploads } = uploadClient();
    const listener = vi.fn();
    client.onError(listener);
    const refused = client.uploadScan("exam-1", [file]);
    uploads[0]!.answer(415, errorBody("UNSUPPORTED_MEDIA_TYPE", "Ce fichier n'est pas un PDF."));
    await expect(refused).rejects.toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE", message: "Ce fichier n'est pas un PDF." });
    expect(listener).toHaveBeenCalledTimes(1);

    const controller = new AbortController();
    const cancelled = client.uploadScan("exam-1", [file], { signal: controller.signal });
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: "ABORTED" });
    expect(listener).toHaveBeenCalledTimes(1);

    const tooBig = client.uploadScan("exam-1", [file]);
    uploads[2]!.answer(413, "<html>413 Request Entity Too Large</html>");
    await expect(tooBig).rejects.toMatchObject({ status: 413, code: "UNEXPECTED_RESPONSE" });
  });

  it("refreshes a rejected CSRF token and sends the file again", async () => {
    const { client, uploads } = uploadClient(json(200, { user: staff, csrfToken: "tok-2" }));
    const done = client.uploadScan("exam-1", [file]);
    uploads[0]!.answer(403, errorBody("CSRF_INVALID"));
    await tick();
    await tick();
    expect(uploads).toHaveLength(2);
    expect(uploads[1]!.headers["X-CSRF-Token"]).toBe("tok-2");
    uploads[1]!.answer(201, { batch: { id: "b2" }, duplicate: false });
    await expect(done).resolves.toMatchObject({ duplicate: false });
  });
});

describe("ApiClient identification desk", () => {
  it("sends change only when an identified booklet's student is deliberately changed", async () => {
    const { client, fetchMock } = clientWith(json(200, { booklets: [] }), json(200, { booklets: [] }), json(200, { plan: [], applied: 0 }));
    await client.identifyBooklet("b1", "s1");
    await client.identifyBooklet("b1", "s2", true);
    await client.acceptSuggestions("e1", 0.9, true);
    expect(fetchMock.mock.calls.map(([url, init]) => [url, init?.method, JSON.parse(String(init?.body))])).toEqual([
      ["/api/booklets/b1/identify", "POST", { studentId: "s1" }],
      ["/api/booklets/b1/identify", "POST", { studentId: "s2", change: true }],
      ["/api/exams/e1/identification/accept", "POST", { minConfidence: 0.9, dryRun: true }],
    ]);
  });

  it("downloads the cover sheets of some classes, and reports a refusal like any error", async () => {
    const pdf = new Response(new Uint8Array([37, 80, 68, 70]), { status: 200, headers: { "Content-Type": "application/pdf" } });
    const { client, fetchMock } = clientWith(pdf, json(400, errorBody("VALIDATION_FAILED", "Aucun élève dans ces classes : importez d'abord la liste des élèves.")));
    const listener = vi.fn();
    client.onError(listener);
    const blob = await client.coverSheets("e1", ["3e A", "3e B"]);
    expect(blob.size).toBe(4);
    expect(fetchMock.mock.calls[0]?.[0]).toBe("/api/exams/e1/cover-sheets.pdf?classes=3e%20A%2C3e%20B");
    await expect(client.coverSheets("e1")).rejects.toMatchObject({ status: 400, message: "Aucun élève dans ces classes : importez d'abord la liste des élèves." });
    expect(fetchMock.mock.calls[1]?.[0]).toBe("/api/exams/e1/cover-sheets.pdf");
    expect(listener).toHaveBeenCalledTimes(1);
  });

  it("uploads a late sheet for a booklet at a position, and names the images of the desk", async () => {
    const { client, uploads } = uploadClient();
    const done = client.uploadLatePages("b1", 3, new File([new Uint8Array([37])], "retard.pdf"));
    expect(uploads[0]!.url).toBe("/api/booklets/b1/late-pages?position=3");
    uploads[0]!.answer(202, { batch: { id: "l1" }, duplicate: false });
    await expect(done).resolves.toMatchObject({ duplicate: false });
    expect(client.bookletHeaderUrl("b1")).toBe("/api/booklets/b1/header");
    expect(client.pageUrl("p1", "thumb")).toBe("/api/pages/p1/thumb");
  });

  it("answers a save with what was sent, as the server's new version with the scores it derived", async () => {
    const { client, fetchMock } = clientWith(json(200, { draft: { copyId: "c1", version: 4, savedAt: "2026-11-30T10:00:00.000Z", scores: { q1: 2 } } }));
    const stroke = { id: "s1", type: "pen" as const, page: 1, color: "#d32f2f", width: 0.003, points: [[0.1, 0.2, 0.5]] as [number, number, number][] };
    const content = { annotations: [stroke], scores: { q1: 3 }, comment: "Bien.", rubric: { q1: ["i1"] }, overrides: [] };
    const { draft } = await client.saveDraft("c1", 3, "lock", content);
    expect(draft).toEqual({ copyId: "c1", version: 4, savedAt: "2026-11-30T10:00:00.000Z", annotations: [stroke], scores: { q1: 2 }, comment: "Bien.", rubric: { q1: ["i1"] }, overrides: [] });
    expect(headersOf(fetchMock, 0)["If-Match"]).toBe('"3"');
  });

  it("builds the addresses of the publication, portal, access code and export downloads under its base", () => {
    const { client } = clientWith();
    expect(client.myCopyPdfUrl("c/1")).toBe("/api/me/copies/c%2F1/pdf");
    expect(client.accessCodeSlipsUrl("i1")).toBe("/api/access-codes/issues/i1/slips.pdf");
    expect(client.accessCodesCsvUrl("i1")).toBe("/api/access-codes/issues/i1/codes.csv");
    expect(client.examExportUrl("e1", "pronote.csv")).toBe("/api/exams/e1/exports/pronote.csv");
    expect(client.examExportUrl("e1", "graded-pdfs.zip")).toBe("/api/exams/e1/exports/graded-pdfs.zip");
  });

  it("sends only the review filters given, and the publication changes as JSON", async () => {
    const publication = { examId: "e1", reviewDeadline: null, classes: [], warnings: { ungradedCopies: [], unidentifiedBooklets: 0 } };
    const { client, fetchMock } = clientWith(json(200, { reviews: [] }), json(200, { reviews: [] }), json(200, { publication }), json(200, { publication }));
    await client.listReviews();
    await client.listReviews({ status: "ALL", examId: "e1" });
    await client.publishExam("e1", { classNames: ["TG1"], confirm: true });
    await client.setReviewDeadline("e1", null);

    expect(fetchMock.mock.calls.map(([url]) => url)).toEqual(["/api/reviews", "/api/reviews?status=ALL&examId=e1", "/api/exams/e1/publication", "/api/exams/e1/review-deadline"]);
    expect(JSON.parse(String(fetchMock.mock.calls[2]?.[1]?.body))).toEqual({ classNames: ["TG1"], confirm: true });
    expect(fetchMock.mock.calls[3]?.[1]).toMatchObject({ method: "PUT", body: JSON.stringify({ reviewDeadline: null }) });
  });

  it("keeps the warnings of a refused publication as the error's details", async () => {
    const warnings = { ungradedCopies: [], unidentifiedBooklets: 2 };
    const { client } = clientWith(json(409, { error: { code: "PUBLISH_WARNINGS", message: "Confirmez", requestId: "r", details: warnings } }));
    await expect(client.publishExam("e1")).rejects.toMatchObject({ status: 409, code: "PUBLISH_WARNINGS", details: warnings });
  });
});
