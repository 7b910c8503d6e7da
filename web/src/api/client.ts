// The one HTTP client of the SPA: typed endpoint methods, CSRF token handling and
// error normalisation into ApiError.
import type {
  ErrorBody,
  ExamsResponse,
  HealthResponse,
  LoginResponse,
  PingResponse,
  SessionResponse,
  UsersResponse,
} from "./types";

export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  requestId: string;
  retryAfterSeconds?: number;
  details?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  readonly retryAfterSeconds?: number;
  readonly details?: unknown;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.details = init.details;
  }
}

/** Code of errors raised when the server could not be reached at all (status 0). */
export const NETWORK_ERROR = "NETWORK_ERROR";
/** Code of error responses that do not follow the API error format (proxy page, HTML…). */
export const UNEXPECTED_RESPONSE = "UNEXPECTED_RESPONSE";

/** Paths (relative to the API base) whose errors are shown by the login forms themselves. */
export const LOGIN_PATHS: readonly string[] = ["/auth/login", "/auth/student-login"];

export type ApiErrorListener = (error: ApiError, path: string) => void;

type Method = "GET" | "POST";

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

function retryAfter(response: Response): number | undefined {
  const header = response.headers.get("Retry-After");
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

async function toApiError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  const error = isErrorBody(body) ? body.error : undefined;
  return new ApiError({
    status: response.status,
    code: error ? String(error.code) : UNEXPECTED_RESPONSE,
    message: error ? String(error.message) : `HTTP ${response.status}`,
    requestId: error?.requestId ? String(error.requestId) : "",
    retryAfterSeconds: retryAfter(response),
    details: error?.details,
  });
}

export class ApiClient {
  private csrfToken = "";
  private listener: ApiErrorListener | null = null;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(baseUrl = "/api", fetchImpl: typeof fetch = (input, init) => fetch(input, init)) {
    this.baseUrl = baseUrl;
    this.fetchImpl = fetchImpl;
  }

  /** Registers the application-wide error handler (session expiry, access denied…). */
  onError(listener: ApiErrorListener): void {
    this.listener = listener;
  }

  async getSession(): Promise<SessionResponse> {
    return this.keepToken(await this.request<SessionResponse>("GET", "/auth/session"));
  }

  async login(email: string, password: string): Promise<LoginResponse> {
    return this.keepToken(await this.request<LoginResponse>("POST", "/auth/login", { email, password }));
  }

  async studentLogin(login: string, accessCode: string): Promise<LoginResponse> {
    return this.keepToken(await this.request<LoginResponse>("POST", "/auth/student-login", { login, accessCode }));
  }

  /** Ends the session, then fetches a fresh anonymous session for its CSRF token. */
  async logout(): Promise<SessionResponse> {
    await this.request<void>("POST", "/auth/logout");
    return this.getSession();
  }

  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.request<void>("POST", "/auth/password", { currentPassword, newPassword });
  }

  listUsers(): Promise<UsersResponse> {
    return this.request<UsersResponse>("GET", "/users");
  }

  listExams(): Promise<ExamsResponse> {
    return this.request<ExamsResponse>("GET", "/exams");
  }

  pingWorker(): Promise<PingResponse> {
    return this.request<PingResponse>("POST", "/system/ping");
  }

  health(): Promise<HealthResponse> {
    return this.request<HealthResponse>("GET", "/health");
  }

  private keepToken<T extends { csrfToken: string }>(response: T): T {
    this.csrfToken = response.csrfToken;
    return response;
  }

  private async request<T>(method: Method, path: string, body?: unknown): Promise<T> {
    try {
      return await this.send<T>(method, path, body, true);
    } catch (error) {
      if (error instanceof ApiError) this.listener?.(error, path);
      throw error;
    }
  }

  private async send<T>(method: Method, path: string, body: unknown, mayRetry: boolean): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && this.csrfToken) headers["X-CSRF-Token"] = this.csrfToken;

    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      const error = new ApiError({ status: 0, code: NETWORK_ERROR, message: "Network request failed", requestId: "" });
      error.cause = cause;
      throw error;
    }

    if (response.ok) {
      if (response.status === 204) return undefined as T;
      try {
        return (await response.json()) as T;
      } catch {
        throw new ApiError({ status: response.status, code: UNEXPECTED_RESPONSE, message: "Invalid JSON", requestId: "" });
      }
    }

    const error = await toApiError(response);
    if (mayRetry && error.status === 403 && error.code === "CSRF_INVALID") {
      this.keepToken(await this.send<SessionResponse>("GET", "/auth/session", undefined, false));
      return this.send<T>(method, path, body, false);
    }
    throw error;
  }
}

export const api = new ApiClient();
