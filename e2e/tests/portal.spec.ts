// The student portal, against the real API and worker. Through the API, the admin prepares an
// exam with one scanned copy (two pages), identified by hand as a student of the class, and a
// teacher scores and finalizes it. Then, in the browser, the admin publishes the exam; access
// codes are generated for the class and the student's is read back from the printable slips;
// the student logs in with it, sees their mark and downloads their graded PDF, whose first page
// is the first page of their scan (poppler renders both; the page's printed mark is read back).
// Then they ask for a review of a question; the teacher answers it from their home page and
// reopens the copy; the student sees the answer and their copy being graded again.
import { execFile } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Browser } from "@playwright/test";
import sharp from "sharp";
import { makeA4Batch, readPageLabel } from "../../server/test/scan-factory.js";
import { atPath, body, cspViolations, staffApi, staffLogin, staffMember, type StaffApi } from "./helpers.js";

const run = promisify(execFile);
const CLASS = "2nde B";

interface Student {
  id: string;
  lastName: string;
  firstName: string;
}

/** The exam, its questions and its single READY copy (the scan's two pages), identified as a student of the class and given to the demo teacher. */
async function examWithCopy(admin: StaffApi, title: string, scan: Uint8Array): Promise<{ examId: string; questions: string[]; student: Student }> {
  const { api, headers } = admin;
  const examInput = { title, subject: "Mathématiques", date: "2026-11-20", classNames: [CLASS], pagesPerCopy: 2, layout: "A4_BATCH" };
  const { exam } = await body<{ exam: { id: string } }>(await api.post("/api/exams", { headers, data: examInput }), 201);
  const scheme = { questions: [{ label: "Exercice 1", maxPoints: 4, step: 0.5 }, { label: "Exercice 2", maxPoints: 6, step: 0.25 }], reportScale: 20 };
  const schemed = await body<{ exam: { questions: { id: string }[] } }>(await api.put(`/api/exams/${exam.id}/marking-scheme`, { headers, data: scheme }));

  const file = { name: "copies.pdf", mimeType: "application/pdf", buffer: Buffer.from(scan) };
  const { batch } = await body<{ batch: { id: string } }>(await api.post(`/api/exams/${exam.id}/scans`, { headers, multipart: { file } }), 201);
  await expect
    .poll(async () => ((await (await api.get(`/api/scans/${batch.id}/progress`)).json()) as { progress: { status: string } }).progress.status, { timeout: 60_000 })
    .toBe("DONE");
  type Desk = { booklets: { id: string; status: string }[]; students: Student[] };
  const desk = async () => body<Desk>(await api.get(`/api/exams/${exam.id}/identification`));
  await expect.poll(async () => (await desk()).booklets.filter((b) => b.status === "PENDING").length, { timeout: 60_000 }).toBe(1);
  const { booklets, students } = await desk();
  const student = students[0]!;
  await body(await api.post(`/api/booklets/${booklets[0]!.id}/identify`, { headers, data: { studentId: student.id } }));

  const { users } = await body<{ users: { id: string; email: string }[] }>(await api.get("/api/users"));
  const teacher = users.find((u) => u.email === staffMember("TEACHER").email)!;
  await body(await api.put(`/api/exams/${exam.id}/graders`, { headers, data: { userIds: [teacher.id] } }));
  await body(await api.post(`/api/exams/${exam.id}/dispatch`, { headers, data: { mode: "even" } }));
  return { examId: exam.id, questions: schemed.exam.questions.map((q) => q.id), student };
}

/** The teacher scores the copy (2,5 / 4 and 4,75 / 6: 14,5 / 20) and finalizes it; resolves to its id once the worker has drawn its graded PDF. */
async function gradeIt(teacher: StaffApi, examId: string, [first, second]: string[]): Promise<string> {
  const { api, headers } = teacher;
  const { copyId } = await body<{ copyId: string }>(await api.get(`/api/exams/${examId}/copies/next`));
  const { lock } = await body<{ lock: { token: string } }>(await api.post(`/api/copies/${copyId}/lock`, { headers, data: {} }));
  const draft = { lockToken: lock.token, annotations: [], scores: { [first!]: 2.5, [second!]: 4.75 }, comment: "Bon travail." };
  const saved = await body<{ draft: { version: number } }>(await api.put(`/api/copies/${copyId}/draft`, { headers: { ...headers, "If-Match": '"0"' }, data: draft }));
  await body(await api.post(`/api/copies/${copyId}/finalize`, { headers, data: { lockToken: lock.token, version: saved.draft.version } }), 202);
  await expect
    .poll(async () => ((await (await api.get(`/api/copies/${copyId}`)).json()) as { copy: { status: string } }).copy.status, { timeout: 30_000 })
    .toBe("GRADED");
  return copyId;
}

/** The teacher answers the request in the list on their home page, sending the copy back to grading. */
async function answerAsTeacher(browser: Browser, message: string, copyId: string): Promise<void> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const { email, password } = staffMember("TEACHER");
    await staffLogin(page, email, password);
    await expect(page).toHaveURL(atPath("/enseignant"));
    const review = page.getByTestId("review-item").filter({ hasText: message });
    await expect(review.getByTestId("review-message")).toHaveText(message);
    await review.getByTestId("review-answer").fill("Revu : un demi-point de plus.");
    await review.getByTestId("review-reopen").check();
    await review.getByTestId("review-answer-send").click();
    await expect(review.getByTestId("review-answered")).toHaveText("Réponse envoyée.");
    await expect(review.getByTestId("review-regrade")).toHaveAttribute("href", `/enseignant/copies/${copyId}`);
  } finally {
    await context.close();
  }
}

/** Every text item of a PDF, in drawing order, one per line (pdf.js, as the server tests read PDFs). */
async function pdfText(pdf: Buffer): Promise<string> {
  const { getDocument } = await import("pdfjs-dist/legacy/build/pdf.mjs");
  const doc = await getDocument({ data: new Uint8Array(pdf), isEvalSupported: false, useSystemFonts: false, verbosity: 0 }).promise;
  try {
    const lines: string[] = [];
    for (let i = 1; i <= doc.numPages; i += 1) {
      const content = await (await doc.getPage(i)).getTextContent();
      for (const item of content.items) if ("str" in item && item.str.trim()) lines.push(item.str.trim());
    }
    return lines.join("\n");
  } finally {
    await doc.destroy();
  }
}

/** The login and access code printed on this student's slip, among the slips of the class's new codes. */
async function printedSlip(admin: StaffApi, student: Student): Promise<{ login: string; code: string }> {
  const { api, headers } = admin;
  const { issue } = await body<{ issue: { id: string; count: number } }>(await api.post("/api/access-codes", { headers, data: { className: CLASS, scope: "all" } }), 201);
  expect(issue.count).toBeGreaterThan(0);
  const slips = await api.get(`/api/access-codes/issues/${issue.id}/slips.pdf`);
  expect(slips.status()).toBe(200);
  expect(slips.headers()["content-type"]).toContain("application/pdf");
  const text = await pdfText(await slips.body());
  const name = `${student.lastName.toLocaleUpperCase("fr-FR")} ${student.firstName}`;
  const slip = text.slice(text.indexOf(`${name}\n`));
  const found = /^Identifiant : (\S+)\nCode d'accès :\n(\S+)$/m.exec(slip);
  expect(found, `no slip for ${name} in:\n${text}`).not.toBeNull();
  return { login: found![1]!, code: found![2]! };
}

/** Every page of a PDF as poppler renders it (independently of Korrigo's PDF code): PNG images. */
async function renderPages(pdf: Uint8Array, work: string, name: string): Promise<Buffer[]> {
  const file = path.join(work, `${name}.pdf`);
  await writeFile(file, pdf);
  await run("pdftoppm", ["-r", "50", "-gray", "-png", file, path.join(work, `${name}-page`)]);
  const pages = (await readdir(work)).filter((f) => f.startsWith(`${name}-page`)).sort();
  return Promise.all(pages.map((f) => sharp(path.join(work, f)).png().toBuffer()));
}

/** A page image at one size for all (a pixel per millimetre of A4), one grey byte per pixel. */
function raster(image: Buffer): Promise<Buffer> {
  return sharp(image).resize(210, 297, { fit: "fill" }).greyscale().raw().toBuffer();
}

function meanDifference(a: Buffer, b: Buffer): number {
  let sum = 0;
  for (let i = 0; i < a.length; i += 1) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test("admin publishes; a student logs in with a printed code, sees their mark and downloads their graded copy", async ({ page, browser, baseURL }) => {
  test.setTimeout(120_000);
  const title = `Portail ${Date.now()}`;
  const scan = await makeA4Batch({ pages: 2 });
  const admin = await staffApi(baseURL!, staffMember("ADMIN"));
  const teacher = await staffApi(baseURL!, staffMember("TEACHER"));
  const work = await mkdtemp(path.join(os.tmpdir(), "korrigo-portal-"));
  try {
    const { examId, questions, student } = await examWithCopy(admin, title, scan);
    const copyId = await gradeIt(teacher, examId, questions);
    const week = new Date(Date.now() + 7 * 86_400_000).toISOString();
    await body(await admin.api.put(`/api/exams/${examId}/review-deadline`, { headers: admin.headers, data: { reviewDeadline: week } }));

    // The admin publishes the exam on its page: nothing is left to grade, so no warning to confirm.
    const { email, password } = staffMember("ADMIN");
    await staffLogin(page, email, password);
    await expect(page).toHaveURL(atPath("/admin"));
    await page.goto(`/admin/examens/${examId}`);
    await page.getByTestId("publish-all").click();
    await expect(page.getByTestId("publication-done")).toBeVisible();
    await expect(page.getByTestId("publish-confirm")).toBeHidden();

    // The student, on a computer of their own, logs in with what their slip says.
    const slip = await printedSlip(admin, student);
    const context = await browser.newContext();
    try {
      const portal = await context.newPage();
      const violations = await cspViolations(portal);
      await portal.goto("/eleve/connexion");
      await portal.getByTestId("student-login").fill(slip.login);
      await portal.getByTestId("student-code").fill(slip.code);
      await portal.getByTestId("student-submit").click();
      await expect(portal).toHaveURL(atPath("/eleve"));

      // Their copy, its mark and each question's score.
      const copy = portal.getByTestId("portal-copy");
      await expect(copy).toHaveCount(1);
      await expect(copy.getByTestId("portal-copy-title")).toHaveText(title);
      await expect(copy.getByTestId("portal-mark")).toHaveText("14,5 / 20");
      await expect(copy.getByTestId("portal-under-review")).toHaveCount(0);
      await expect(copy.getByTestId("portal-question-score")).toHaveText(["2,5 / 4", "4,75 / 6"]);

      // The graded PDF: their two scanned pages, then the summary page.
      const downloading = portal.waitForEvent("download");
      await copy.getByTestId("download-pdf").click();
      const download = await downloading;
      expect(download.suggestedFilename()).toMatch(/\.pdf$/);
      const pdf = await readFile((await download.path())!);
      expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
      const graded = await renderPages(pdf, work, "graded");
      expect(graded).toHaveLength(2 + 1);
      expect(await readPageLabel(graded[0]!)).toBe(1);
      expect(await readPageLabel(graded[1]!)).toBe(2);
      // Its first page is the scan's first page (only the scores in its margin differ: a mean of
      // about 0.2 grey levels), not its second (about 3: the pages differ by their writing only).
      const [scanFirst, scanSecond] = await Promise.all((await renderPages(scan, work, "scan")).map(raster));
      const first = await raster(graded[0]!);
      const same = meanDifference(first, scanFirst!);
      expect(same).toBeLessThan(1);
      expect(meanDifference(first, scanSecond!)).toBeGreaterThan(4 * same);

      // A review request on the second question, answered by the teacher, who reopens the copy.
      const question = copy.getByTestId("portal-question").nth(1);
      await question.getByTestId("review-open").click();
      await question.getByTestId("review-message").fill("Le résultat final est juste.");
      await question.getByTestId("review-send").click();
      await expect(question.getByTestId("student-review-status")).toHaveText("En attente de réponse");
      await expect(question.getByTestId("review-form")).toHaveCount(0);
      await answerAsTeacher(browser, "Le résultat final est juste.", copyId);
      await portal.reload();
      await expect(copy.getByTestId("portal-under-review")).toHaveText("en cours de révision");
      await expect(question.getByTestId("student-review-answer")).toHaveText("Revu : un demi-point de plus.");
      await expect(question.getByTestId("student-review-reopened")).toBeVisible();
      expect(violations).toEqual([]);
    } finally {
      await context.close();
    }
  } finally {
    await Promise.all([admin.api.dispose(), teacher.api.dispose()]);
    await rm(work, { recursive: true, force: true });
  }
});
