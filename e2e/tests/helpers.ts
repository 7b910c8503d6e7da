// What the browser tests share: the seeded logins, signing in, and watching for CSP refusals.
import { readFileSync } from "node:fs";
import { expect, request, type APIRequestContext, type APIResponse, type Page } from "@playwright/test";
import type { Logins } from "../stack.js";

// Read when a test runs, not at import: the runner may load the specs before global setup.
export function logins(): Logins {
  return JSON.parse(readFileSync(new URL("../.run/logins.json", import.meta.url), "utf8")) as Logins;
}

export function staffMember(role: "ADMIN" | "TEACHER") {
  const found = logins().staff.find((s) => s.role === role);
  if (!found) throw new Error(`no ${role} in e2e/.run/logins.json`);
  return found;
}

export const atPath = (path: string) => (url: URL) => url.pathname === path;

export async function staffLogin(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/connexion");
  await page.getByTestId("login-email").fill(email);
  await page.getByTestId("login-password").fill(password);
  await page.getByTestId("login-submit").click();
}

/** Collects, from now on, what the page's Content Security Policy refuses (expected: nothing). */
export async function cspViolations(page: Page): Promise<string[]> {
  const violations: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error" && /content security policy|refused to/i.test(msg.text())) violations.push(msg.text());
  });
  // Violations the console might word differently are still reported by this DOM event.
  // (A string: this project's TypeScript has no DOM types outside web/.)
  await page.addInitScript({
    content: `document.addEventListener("securitypolicyviolation", (e) =>
      console.error("Content Security Policy violation: " + e.violatedDirective + " " + e.blockedURI));`,
  });
  return violations;
}

export interface StaffApi {
  api: APIRequestContext;
  headers: Record<string, string>;
}

/** An API client signed in as this staff member, sending the CSRF token on writes. */
export async function staffApi(baseURL: string, who: { email: string; password: string }): Promise<StaffApi> {
  const api = await request.newContext({ baseURL });
  const { csrfToken } = (await (await api.get("/api/auth/session")).json()) as { csrfToken: string };
  const login = await api.post("/api/auth/login", { headers: { "X-CSRF-Token": csrfToken }, data: { email: who.email, password: who.password } });
  expect(login.status()).toBe(200);
  return { api, headers: { "X-CSRF-Token": ((await login.json()) as { csrfToken: string }).csrfToken } };
}

/** The JSON body of an answer that must have this status (the body is shown when it has not). */
export async function body<T>(response: APIResponse, status = 200): Promise<T> {
  expect(response.status(), await response.text()).toBe(status);
  return (await response.json()) as T;
}

