// The editor while the server cannot save (PostgreSQL down: 503 DATABASE_UNAVAILABLE with
// Retry-After), in a real browser with its real IndexedDB. The admin prepares an exam through
// the API as grading.spec.ts does (a scanned copy identified by hand, one teacher as its grader);
// the teacher opens the copy, and from then on every save (PUT …/draft) is answered 503 while
// reads go through. A stroke and two scores: the badge says the edits are kept; a reload puts
// them back from IndexedDB; once saves pass again they land on the server in one new version.
import { expect, test, type Page, type Route } from "@playwright/test";
import { atPath, body, logins, staffLogin } from "./helpers.js";
import { drawStroke, examToGrade } from "./grading-seed.js";

const OFFLINE = "Hors ligne — vos modifications sont conservées";
const DRAFT_ROUTE = "**/api/copies/*/draft";

/** What a PostgreSQL outage makes of a save; reads of the draft go through. */
async function failSaves(route: Route): Promise<void> {
  if (route.request().method() !== "PUT") return route.continue();
  await route.fulfill({
    status: 503,
    headers: { "Retry-After": "5", "content-type": "application/json" },
    body: JSON.stringify({ error: { code: "DATABASE_UNAVAILABLE", message: "La base de données ne répond pas : réessayez dans quelques secondes.", requestId: "x" } }),
  });
}

/** The edits this browser keeps for the copy, read from its IndexedDB (idb-keyval's default database), or null. */
function keptInBrowser(page: Page, copyId: string): Promise<{ baseVersion: number; content: { scores: Record<string, number | null>; annotations: unknown[] } } | null> {
  // A string: this project's TypeScript has no DOM types outside web/.
  return page.evaluate(`new Promise((resolve, reject) => {
    const opening = indexedDB.open("keyval-store");
    opening.onerror = () => reject(opening.error);
    opening.onsuccess = () => {
      const db = opening.result;
      if (!db.objectStoreNames.contains("keyval")) return resolve(null);
      const reading = db.transaction("keyval", "readonly").objectStore("keyval").get(${JSON.stringify(`korrigo.draft.${copyId}`)});
      reading.onerror = () => reject(reading.error);
      reading.onsuccess = () => resolve(reading.result ?? null);
    };
  })`);
}

interface ServerDraft {
  version: number;
  scores: Record<string, number | null>;
  annotations: { type: string; page: number }[];
}

test("saves refused with 503: the edits are kept in the browser, survive a reload, and land once the server saves again", async ({ page, baseURL }) => {
  test.setTimeout(300_000);
  const teacher = logins().staff.find((s) => s.role === "TEACHER")!;
  const { examId, questionIds: [q1, q2] } = await examToGrade(baseURL!, { title: `Hors ligne ${Date.now()}`, copies: 1, graders: [teacher.email] });
  // Leaving with unsaved edits, the editor asks the browser to confirm: the reload goes ahead.
  page.on("dialog", (dialog) => void (dialog.type() === "beforeunload" ? dialog.accept() : dialog.dismiss()));

  await staffLogin(page, teacher.email, teacher.password);
  await expect(page).toHaveURL(atPath("/enseignant"));
  await page.goto(`/enseignant/examens/${examId}`);
  await page.getByTestId("grade-next").click();
  await expect(page).toHaveURL(/\/enseignant\/copies\/[0-9a-f-]{36}$/);
  const copyId = new URL(page.url()).pathname.split("/").pop()!;
  const badge = page.getByTestId("save-badge");
  await expect(badge).toHaveText("Enregistré");
  const serverDraft = async () => (await body<{ draft: ServerDraft }>(await page.request.get(`/api/copies/${copyId}/draft`))).draft;
  const before = await serverDraft();

  // From now on the server cannot save.
  let refused = 0;
  await page.route(DRAFT_ROUTE, (route) => {
    if (route.request().method() === "PUT") refused += 1;
    return failSaves(route);
  });
  await drawStroke(page);
  const strokes = page.getByTestId("canvas-page").first().getByTestId("annotations").getByTestId("stroke");
  await expect(strokes).toHaveCount(1);
  const scores = page.getByTestId("score-input");
  await scores.nth(0).fill("3");
  await scores.nth(1).fill("4,5");
  await expect(badge).toHaveText(OFFLINE, { timeout: 15_000 });
  expect(refused).toBeGreaterThanOrEqual(1);
  // The edits are in IndexedDB, on the version the server has.
  await expect
    .poll(async () => keptInBrowser(page, copyId), { timeout: 10_000 })
    .toMatchObject({ baseVersion: before.version, content: { scores: { [q1]: 3, [q2]: 4.5 }, annotations: [expect.objectContaining({ type: "pen", page: 1 })] } });

  // A reload (saves still refused): the edits come back from IndexedDB, and are still not saved.
  await page.reload();
  await expect(page.getByTestId("restored")).toBeVisible();
  await expect(strokes).toHaveCount(1);
  await expect(scores.nth(0)).toHaveValue("3");
  await expect(scores.nth(1)).toHaveValue("4,5");
  await expect(badge).toHaveText(OFFLINE, { timeout: 15_000 });
  expect((await serverDraft()).version).toBe(before.version);

  // The server saves again: the next retry lands, as one new version with every edit.
  await page.unroute(DRAFT_ROUTE);
  await expect(badge).toHaveText("Enregistré", { timeout: 45_000 });
  const after = await serverDraft();
  expect(after.version).toBe(before.version + 1);
  expect(after.scores).toEqual({ [q1]: 3, [q2]: 4.5 });
  expect(after.annotations).toEqual([expect.objectContaining({ type: "pen", page: 1 })]);
  // Nothing is left waiting in the browser.
  await expect.poll(async () => keptInBrowser(page, copyId), { timeout: 10_000 }).toBeNull();
});
