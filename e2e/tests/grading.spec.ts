// Grading a copy, against the real API and worker. The admin prepares the exam through the API
// (marking scheme, a scanned batch of two copies identified by hand, both demo teachers as its
// graders, copies dispatched); then a teacher opens a copy, which locks it, draws a stroke,
// types the scores, reloads (everything is still there), finalizes and downloads the graded PDF.
// Meanwhile the other teacher, in another browser context, finds the copy locked by the first.
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { atPath, cspViolations, logins, staffLogin } from "./helpers.js";
import { drawStroke, examToGrade } from "./grading-seed.js";

interface Teacher {
  email: string;
  password: string;
  displayName: string;
}

const teachers = (): [Teacher, Teacher] => {
  const [first, second] = logins().staff.filter((s) => s.role === "TEACHER");
  return [first!, second!];
};

async function signIn(page: Page, teacher: Teacher): Promise<void> {
  await staffLogin(page, teacher.email, teacher.password);
  await expect(page).toHaveURL(atPath("/enseignant"));
}

test("a teacher grades a copy: lock, stroke, scores, reload, finalize, graded PDF; a colleague finds it locked", async ({ page, browser, baseURL }) => {
  test.setTimeout(300_000);
  const title = `Correction ${Date.now()}`;
  const [marc, sophie] = teachers();
  const { examId } = await examToGrade(baseURL!, { title, copies: 2, graders: [marc.email, sophie.email], subject: true });
  const violations = await cspViolations(page);

  // The teacher's home lists the exam; its page lists their copies.
  await signIn(page, marc);
  await page.getByTestId("teacher-exam-list").getByRole("link", { name: title }).click();
  await expect(page).toHaveURL(atPath(`/enseignant/examens/${examId}`));
  await expect(page.getByTestId("exam-copies-heading")).toContainText(title);
  await expect(page.getByTestId("copy-row")).toHaveCount(1);
  await expect(page.getByTestId("copy-status")).toHaveText(["À corriger"]);

  // "Grade the next copy" opens it, and takes its lock.
  await page.getByTestId("grade-next").click();
  await expect(page).toHaveURL(/\/enseignant\/copies\/[0-9a-f-]{36}$/);
  const copyPath = new URL(page.url()).pathname;
  const copyId = copyPath.split("/").pop()!;
  const badge = page.getByTestId("save-badge");
  await expect(badge).toHaveText("Enregistré");
  const workspace = async () => ((await (await page.request.get(`/api/copies/${copyId}`)).json()) as { copy: { status: string; lock: { mine: boolean } | null } }).copy;
  expect(await workspace()).toMatchObject({ status: "LOCKED", lock: { mine: true } });

  // A stroke with the pen (the default tool), and a score per question ("2,5" and "4.75").
  await expect(page.getByTestId("tool-pen")).toHaveAttribute("aria-pressed", "true");
  await drawStroke(page);
  // The stroke: an SVG path over the first page (the editor draws committed annotations on a layer of their own).
  const strokes = page.getByTestId("canvas-page").first().getByTestId("annotations").getByTestId("stroke");
  await expect(strokes).toHaveCount(1);

  // A comment of the exam's library, put in a bubble where the teacher clicks.
  const library = page.getByTestId("comment-library");
  await library.getByTestId("library-text").fill("Justifier");
  await library.getByTestId("library-add").click();
  await library.getByTestId("library-place").filter({ hasText: "Justifier" }).click();
  const overlay = (await page.getByTestId("canvas-overlay").first().boundingBox())!;
  // (Within the window: the page is taller than the viewport.)
  await page.mouse.click(overlay.x + overlay.width * 0.7, overlay.y + Math.min(overlay.height, 600) * 0.5);
  const annotations = page.getByTestId("canvas-page").first().getByTestId("annotations");
  await expect(annotations).toContainText("Justifier");

  // A rubric item for Exercice 1, applied by its shortcut while the copy has the focus.
  const rubric = page.getByTestId("rubric-question").first();
  await rubric.getByTestId("rubric-add").click();
  await rubric.getByTestId("rubric-item-label").fill("Unité manquante");
  await rubric.getByTestId("rubric-item-points").fill("0,5");
  await rubric.getByTestId("rubric-item-shortcut").fill("1");
  await rubric.getByTestId("rubric-item-save").click();
  await expect(page.getByTestId("rubric-message")).toHaveText("Commentaire ajouté.");
  const item = rubric.getByTestId("rubric-apply");
  await expect(item).toHaveText(/\+0,5\s*Unité manquante\s*1/);
  await page.getByTestId("copy-canvas").focus();
  await page.keyboard.press("1");
  await expect(item).toHaveAttribute("aria-pressed", "true");
  const scores = page.getByTestId("score-input");
  await expect(scores.nth(0)).toHaveValue("0,5");
  // A typed score overrides the rubric's, which stays one click away.
  await scores.nth(0).fill("2,5");
  await expect(page.getByTestId("score-back-to-rubric")).toHaveText("Revenir à la note du barème (0,5)");
  await scores.nth(1).fill("4.75");
  // Refused visibly, not saved.
  await scores.nth(1).fill("6,5");
  await expect(scores.nth(1)).toHaveAttribute("aria-invalid", "true");
  await expect(page.getByTestId("score-error")).toHaveText("Au plus 6 points.");
  await scores.nth(1).fill("4.75");
  await expect(scores.nth(1)).not.toHaveAttribute("aria-invalid");
  await expect(page.getByTestId("score-total")).toContainText("Total : 7,25 / 10");
  await expect(page.getByTestId("score-scaled")).toHaveText("Note : 14,5 / 20");
  await expect(badge).toHaveText("Enregistré");

  // A colleague, in another browser, opens the same copy: locked by the first teacher.
  const other = await browser.newContext();
  try {
    const colleague = await other.newPage();
    await signIn(colleague, sophie);
    await colleague.goto(copyPath);
    await expect(colleague.getByTestId("lock-status")).toHaveText(new RegExp(`^En cours de correction par ${marc.displayName} jusqu’à \\d\\d:\\d\\d\\.$`));
    await expect(colleague.getByTestId("score-input").first()).toBeDisabled();
    await expect(colleague.getByTestId("save-badge")).toHaveCount(0);
    await expect(colleague.getByTestId("finalize")).toHaveCount(0);
  } finally {
    await other.close();
  }

  // Reloading restores exactly the last state, and the copy is still this teacher's.
  await page.reload();
  await expect(badge).toHaveText("Enregistré");
  await expect(strokes).toHaveCount(1);
  await expect(annotations).toContainText("Justifier");
  await expect(scores.nth(0)).toHaveValue("2,5");
  await expect(scores.nth(1)).toHaveValue("4,75");
  await expect(item).toHaveAttribute("aria-pressed", "true");
  expect(await workspace()).toMatchObject({ status: "LOCKED", lock: { mine: true } });

  // The subject opens beside the copy (the API lets the SPA frame it: no CSP refusal below).
  const documents = page.getByTestId("documents-panel");
  await expect(documents.getByTestId("document")).toHaveText([/^Sujet/]);
  const framed = page.waitForResponse((r) => /\/api\/documents\/[0-9a-f-]+\/file$/.test(new URL(r.url()).pathname));
  await documents.getByTestId("document-show").click();
  await expect(page.getByTestId("document-frame")).toHaveAttribute("title", "Sujet affiché à côté de la copie");
  expect((await framed).status()).toBe(200);
  await documents.getByTestId("document-show").click();
  await expect(page.getByTestId("document-frame")).toHaveCount(0);

  // Finalize: the PDF is built by the worker, then downloaded.
  await page.getByTestId("finalize").click();
  await expect(page.getByTestId("finalize-done")).toHaveText("Copie corrigée", { timeout: 60_000 });
  const downloading = page.waitForEvent("download");
  await page.getByTestId("graded-pdf").click();
  const pdf = readFileSync((await (await downloading).path())!);
  expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
  expect(await workspace()).toMatchObject({ status: "GRADED", lock: null });

  // Back on the list: graded, with its score.
  await page.getByTestId("editor-back").click();
  await expect(page.getByTestId("copy-status")).toHaveText(["Corrigée"]);
  await expect(page.getByTestId("copy-score")).toHaveText(["7,25"]);
  expect(violations).toEqual([]);
});
