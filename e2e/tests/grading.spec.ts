// Grading a copy, against the real API and worker. The admin prepares the exam through the API
// (marking scheme, a scanned batch of two copies identified by hand, both demo teachers as its
// graders, copies dispatched); then a teacher opens a copy, which locks it, draws a stroke,
// types the scores, reloads (everything is still there), finalizes and downloads the graded PDF.
// Meanwhile the other teacher, in another browser context, finds the copy locked by the first.
import { readFileSync } from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { makeA4Batch } from "../../server/test/scan-factory.js";
import { atPath, body, cspViolations, logins, staffApi, staffLogin, staffMember } from "./helpers.js";

const CLASS = "2nde B";

interface Teacher {
  email: string;
  password: string;
  displayName: string;
}

/** An API client signed in as the demo admin, sending the CSRF token on writes. */
const adminApi = (baseURL: string) => staffApi(baseURL, staffMember("ADMIN"));

/** An exam with two READY copies (two pages each), graded by both demo teachers. */
async function examToGrade(baseURL: string, title: string): Promise<string> {
  const { api, headers } = await adminApi(baseURL);
  try {
    const examInput = { title, subject: "Mathématiques", date: "2026-11-20", classNames: [CLASS], pagesPerCopy: 2, layout: "A4_BATCH" };
    const { exam } = await body<{ exam: { id: string } }>(await api.post("/api/exams", { headers, data: examInput }), 201);
    const scheme = { questions: [{ label: "Exercice 1", maxPoints: 4, step: 0.5 }, { label: "Exercice 2", maxPoints: 6, step: 0.25 }], reportScale: 20 };
    await body(await api.put(`/api/exams/${exam.id}/marking-scheme`, { headers, data: scheme }));

    const scan = { name: "copies.pdf", mimeType: "application/pdf", buffer: Buffer.from(await makeA4Batch({ pages: 4 })) };
    const { batch } = await body<{ batch: { id: string } }>(await api.post(`/api/exams/${exam.id}/scans`, { headers, multipart: { file: scan } }), 201);
    await expect
      .poll(async () => ((await (await api.get(`/api/scans/${batch.id}/progress`)).json()) as { progress: { status: string } }).progress.status, { timeout: 90_000 })
      .toBe("DONE");

    // The worker reads each booklet's header; nothing on these pages names a student: identified by hand.
    type Desk = { booklets: { id: string; status: string }[]; students: { id: string }[] };
    const desk = async () => body<Desk>(await api.get(`/api/exams/${exam.id}/identification`));
    await expect.poll(async () => (await desk()).booklets.filter((b) => b.status === "PENDING").length, { timeout: 120_000 }).toBe(2);
    const { booklets, students } = await desk();
    for (const [i, booklet] of booklets.entries()) {
      await body(await api.post(`/api/booklets/${booklet.id}/identify`, { headers, data: { studentId: students[i]!.id } }));
    }

    // The subject, to open beside the copy.
    const subject = { name: "sujet.pdf", mimeType: "application/pdf", buffer: Buffer.from(await makeA4Batch({ pages: 1, encoding: "vector" })) };
    await body(await api.post(`/api/exams/${exam.id}/documents?kind=SUBJECT`, { headers, multipart: { file: subject } }), 201);

    const { users } = await body<{ users: { id: string; role: string }[] }>(await api.get("/api/users"));
    const teachers = users.filter((u) => u.role === "TEACHER").map((u) => u.id);
    await body(await api.put(`/api/exams/${exam.id}/graders`, { headers, data: { userIds: teachers } }));
    await body(await api.post(`/api/exams/${exam.id}/dispatch`, { headers, data: { mode: "even" } }));
    return exam.id;
  } finally {
    await api.dispose();
  }
}

const teachers = (): [Teacher, Teacher] => {
  const [first, second] = logins().staff.filter((s) => s.role === "TEACHER");
  return [first!, second!];
};

async function signIn(page: Page, teacher: Teacher): Promise<void> {
  await staffLogin(page, teacher.email, teacher.password);
  await expect(page).toHaveURL(atPath("/enseignant"));
}

/** A pen stroke across the first page, as a mouse draws it. */
async function drawStroke(page: Page): Promise<void> {
  const overlay = page.getByTestId("canvas-overlay").first();
  await expect(overlay).toBeVisible();
  const box = (await overlay.boundingBox())!;
  const at = (x: number, y: number) => [box.x + box.width * x, box.y + Math.min(box.height, 600) * y] as const;
  await page.mouse.move(...at(0.2, 0.3));
  await page.mouse.down();
  for (let i = 1; i <= 10; i += 1) await page.mouse.move(...at(0.2 + i * 0.04, 0.3 + (i % 2) * 0.05));
  await page.mouse.up();
}

test("a teacher grades a copy: lock, stroke, scores, reload, finalize, graded PDF; a colleague finds it locked", async ({ page, browser, baseURL }) => {
  test.setTimeout(300_000);
  const title = `Correction ${Date.now()}`;
  const examId = await examToGrade(baseURL!, title);
  const [marc, sophie] = teachers();
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
