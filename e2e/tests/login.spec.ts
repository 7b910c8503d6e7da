// Signing in and out through the browser, nginx and the real API, with the seeded demo school.
import { expect, test } from "@playwright/test";
import { atPath, cspViolations, logins, staffLogin, staffMember } from "./helpers.js";

test("an admin signs in, sees the staff list, and signs out", async ({ page }) => {
  const admin = staffMember("ADMIN");
  await staffLogin(page, admin.email, admin.password);

  await expect(page).toHaveURL(atPath("/admin"));
  await expect(page.getByTestId("home-title")).toContainText("Administration");
  await expect(page.getByTestId("current-user")).toHaveText(admin.displayName);
  const staffList = page.getByTestId("staff-list");
  for (const member of logins().staff) await expect(staffList).toContainText(member.email);

  await page.getByTestId("logout").click();
  await expect(page).toHaveURL(atPath("/connexion"));
  await expect(page.getByTestId("login-email")).toBeVisible();
  // The server-side session is gone, not just the page: a reload of /admin asks to sign in.
  await page.goto("/admin");
  await expect(page).toHaveURL(atPath("/connexion"));
});

test("a teacher lands on their home and cannot open the admin page", async ({ page }) => {
  const teacher = staffMember("TEACHER");
  await staffLogin(page, teacher.email, teacher.password);

  await expect(page).toHaveURL(atPath("/enseignant"));
  await expect(page.getByTestId("home-title")).toContainText("Espace enseignant");
  await expect(page.getByTestId("current-user")).toHaveText(teacher.displayName);

  await page.goto("/admin");
  await expect(page).toHaveURL(atPath("/enseignant"));
  await expect(page.getByTestId("home-title")).toContainText("Espace enseignant");
  await expect(page.getByTestId("staff-list")).toHaveCount(0);
});

test("a student signs in with their login and access code", async ({ page }) => {
  const student = logins().students[0]!;
  const firstName = student.name.split(" ")[0]!;
  await page.goto("/eleve/connexion");
  await page.getByTestId("student-login").fill(student.login);
  await page.getByTestId("student-code").fill(student.accessCode);
  await page.getByTestId("student-submit").click();

  await expect(page).toHaveURL(atPath("/eleve"));
  await expect(page.getByTestId("home-title")).toHaveText(`Bonjour ${firstName}`);
  await expect(page.getByTestId("current-user")).toContainText(firstName);
});

test("a wrong password shows the French error and signs nobody in", async ({ page }) => {
  const admin = staffMember("ADMIN");
  await staffLogin(page, admin.email, `${admin.password}-faux`);

  await expect(page.getByTestId("login-error")).toHaveText("Identifiant ou mot de passe incorrect.");
  await expect(page).toHaveURL(atPath("/connexion"));
  await expect(page.getByTestId("current-user")).toHaveCount(0);
});

test("the SPA is served with a strict CSP and runs without violating it", async ({ page }) => {
  const violations = await cspViolations(page);

  const response = await page.goto("/connexion");
  expect(response?.status()).toBe(200);
  const headers = response!.headers();
  const csp = headers["content-security-policy"] ?? "";
  expect(csp).toContain("default-src 'self'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("style-src 'self'");
  expect(csp).toContain("object-src 'none'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).not.toContain("unsafe-eval");
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");

  // The app rendered (its scripts and styles were allowed); the admin home loads the most
  // components, so sign in too before checking nothing was refused.
  await expect(page.getByTestId("login-submit")).toBeVisible();
  const admin = staffMember("ADMIN");
  await staffLogin(page, admin.email, admin.password);
  await expect(page.getByTestId("staff-list")).toBeVisible();
  await page.waitForLoadState("networkidle");
  expect(violations).toEqual([]);
});
