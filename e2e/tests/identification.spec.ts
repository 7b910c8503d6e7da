// The identification desk, against the real API and worker. The roster is imported through the
// API; the exam is created in the form (its header kind follows the layout). Two batches are
// uploaded: four copies without cover sheets (their headers say nothing OCR could match, so
// they are identified by hand), and two copies behind the cover sheets the exam page printed
// (printed, then scanned: their QR codes identify them with certainty). Taking a student off such a copy leaves its
// 100 % suggestion: that is what Enter confirms and "accept above 90 %" applies, deterministically.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { PDFDocument } from "pdf-lib";
import { exportCsv } from "../../server/test/roster-factory.js";
import { A4_PT, makeA4Batch } from "../../server/test/scan-factory.js";
import { atPath, cspViolations, staffLogin, staffMember } from "./helpers.js";

const CLASS = "3e ID";
// Sorted as the cover sheets are (class, last name): BERTHELOT's sheet comes first, then FONTAINE's.
const ROSTER = [
  ["BERTHELOT", "Camille", "14/02/2011"],
  ["FONTAINE", "Lucas", "03/09/2010"],
  ["GARNIER", "Inès", "27/06/2011"],
  ["ROUSSEL", "Théo", "08/12/2010"],
] as const;

async function importRoster(page: Page): Promise<void> {
  const { csrfToken } = (await (await page.request.get("/api/auth/session")).json()) as { csrfToken: string };
  const csv = exportCsv([["Nom", "Prénom", "Classe", "Né(e) le"], ...ROSTER.map(([last, first, born]) => [last, first, CLASS, born])], ";", "utf-8");
  const response = await page.request.post("/api/students/import", {
    headers: { "X-CSRF-Token": csrfToken },
    data: { content: csv.toString("base64"), mapping: {}, commit: true },
  });
  expect(response.status()).toBe(200);
  expect(((await response.json()) as { counts: Record<string, number> }).counts.rejected).toBe(0);
}

/** The first `count` pages of a PDF printed then scanned: greyscale JPEGs at 150 dpi (poppler renders them). */
async function printedAndScanned(pdf: Uint8Array, count: number): Promise<Buffer[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "e2e-covers-"));
  try {
    await writeFile(path.join(dir, "covers.pdf"), pdf);
    await run("pdftoppm", ["-r", "150", "-gray", "-jpeg", "-l", String(count), "covers.pdf", "scan"], { cwd: dir });
    const files = (await readdir(dir)).filter((f) => f.endsWith(".jpg")).sort();
    return Promise.all(files.map((f) => readFile(path.join(dir, f))));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Each of the first `copies` cover sheets, stapled on two answer pages, as the copier scans them. */
async function coverBatch(coverSheets: Uint8Array, copies: number): Promise<Uint8Array> {
  const covers = await printedAndScanned(coverSheets, copies);
  const answers = await PDFDocument.load(await makeA4Batch({ pages: 2 * copies }));
  const doc = await PDFDocument.create();
  for (const [i, scan] of covers.entries()) {
    const cover = doc.addPage([A4_PT.width, A4_PT.height]);
    cover.drawImage(await doc.embedJpg(scan), { x: 0, y: 0, width: A4_PT.width, height: A4_PT.height });
    for (const page of await doc.copyPages(answers, [2 * i, 2 * i + 1])) doc.addPage(page);
  }
  return doc.save();
}

const run = promisify(execFile);
const today = () => new Date().toISOString().slice(0, 10);

/** The natural width of a loaded image, 0 while it has not loaded (or failed to). */
function loadedWidth(img: Locator): Promise<number> {
  // A structural type: this project's TypeScript has no DOM types outside web/.
  return img.evaluate((el) => {
    const image = el as unknown as { complete: boolean; naturalWidth: number };
    return image.complete ? image.naturalWidth : 0;
  });
}

test("an admin identifies the copies on the desk, by keyboard, merges, sets aside and accepts suggestions", async ({ page }) => {
  test.setTimeout(300_000);
  const violations = await cspViolations(page);
  const { email, password } = staffMember("ADMIN");
  await staffLogin(page, email, password);
  await expect(page).toHaveURL(atPath("/admin"));
  await importRoster(page);

  // The exam: its header kind follows the layout (boxed CMEN for copies doubles, else a free box).
  await page.getByTestId("new-exam").click();
  const title = `Identification ${Date.now()}`;
  await page.getByTestId("exam-title").fill(title);
  await page.getByTestId("exam-subject").fill("Histoire");
  await page.getByTestId("exam-date").fill(today());
  await page.getByTestId("exam-classes").fill(CLASS);
  await page.getByTestId("exam-pages").fill("2");
  await expect(page.getByTestId("exam-header-kind")).toHaveValue("CMEN");
  await page.getByTestId("exam-layout").selectOption({ label: "Pages A4 à la suite" });
  await expect(page.getByTestId("exam-header-kind")).toHaveValue("FREE_BOX");
  await page.getByTestId("exam-save").click();
  await expect(page.getByTestId("exam-heading")).toContainText(title);
  const examUrl = new URL(page.url()).pathname;

  // The cover sheets, printed from the exam page: one per student of the class.
  const card = page.getByTestId("identification");
  await expect(card.getByTestId("identification-counts")).toHaveText("Les liasses à identifier apparaîtront ici une fois les copies numérisées.");
  const downloading = page.waitForEvent("download");
  await card.getByTestId("cover-sheets-download").click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe("pages-de-garde.pdf");
  const coverSheets = readFileSync((await download.path())!);
  expect((await PDFDocument.load(coverSheets)).getPageCount()).toBe(ROSTER.length);

  // Batch A: four copies of two pages, no cover sheet. Batch B: BERTHELOT's and FONTAINE's copies behind their cover sheets.
  const batchA = new URL("../.run/classe-a.pdf", import.meta.url).pathname;
  const batchB = new URL("../.run/classe-b.pdf", import.meta.url).pathname;
  writeFileSync(batchA, await makeA4Batch({ pages: 8 }));
  writeFileSync(batchB, await coverBatch(coverSheets, 2));
  await page.getByTestId("scan-file").setInputFiles(batchA);
  await expect(page.getByTestId("batch-status")).toHaveText(["Terminé"], { timeout: 90_000 });
  await page.getByTestId("scan-file").setInputFiles(batchB);
  await expect(page.getByTestId("batch-status")).toHaveText(["Terminé", "Terminé"], { timeout: 90_000 });
  // The exam page follows the worker's reading of the headers.
  await expect(card.getByTestId("identification-counts")).toContainText("4 liasses à identifier", { timeout: 120_000 });
  await expect(card.getByTestId("identification-counts")).toContainText("Identifiées : 2 · mises de côté : 0 · en cours de lecture : 0 · en tout : 6");

  await card.getByTestId("open-desk").click();
  await expect(page).toHaveURL(atPath(`${examUrl}/identification`));
  await expect(page.getByTestId("desk-heading")).toContainText(title);
  const remaining = page.getByTestId("desk-remaining");
  const counts = page.getByTestId("desk-counts");
  const panel = page.getByTestId("desk-booklet");
  const rows = page.getByTestId("desk-row");
  const row = (text: string) => rows.filter({ hasText: text });
  await expect(remaining).toHaveText("4 liasses à identifier");
  await expect(counts).toHaveText("Identifiées : 2 · mises de côté : 0 · en cours de lecture : 0 · en tout : 6");
  await expect(page.getByTestId("desk-legend")).toContainText("Maj+A");
  await expect(rows).toHaveText([/^Liasse 1 \(classe-a\.pdf\)/, /^Liasse 2 \(classe-a\.pdf\)/, /^Liasse 3 \(classe-a\.pdf\)/, /^Liasse 4 \(classe-a\.pdf\)/]);

  // 1. Keyboard only: the focus is on the first booklet; typing goes to the search, Enter picks.
  await expect(panel).toBeFocused();
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("Liasse 1 (classe-a.pdf)");
  // The crop of the header, sent by nginx on the API's word.
  await expect.poll(() => loadedWidth(panel.getByTestId("header-crop"))).toBeGreaterThan(0);
  await page.keyboard.type("garn");
  const search = panel.getByRole("combobox", { name: "Rechercher un élève" });
  await expect(search).toBeFocused();
  await expect(search).toHaveValue("garn");
  await expect(search).toHaveAttribute("aria-expanded", "true");
  const options = panel.getByRole("listbox").getByRole("option");
  await expect(options).toHaveText([/^GARNIER Inès/]);
  await expect(search).toHaveAttribute("aria-activedescendant", (await options.first().getAttribute("id"))!);
  await page.keyboard.press("Enter");
  // Done: the next booklet to identify comes up, with the focus.
  await expect(remaining).toHaveText("3 liasses à identifier");
  await expect(counts).toHaveText("Identifiées : 3 · mises de côté : 0 · en cours de lecture : 0 · en tout : 6");
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("Liasse 2 (classe-a.pdf)");
  await expect(panel).toBeFocused();
  await expect(row("Liasse 1 (classe-a.pdf)")).toHaveCount(0);

  // 2. Merge: booklet 3 joins booklet 2 (the copier cut one copy in two).
  await expect(panel.getByTestId("desk-page")).toHaveCount(2);
  await panel.getByTestId("merge-next").click();
  await expect(panel.getByTestId("desk-page")).toHaveCount(4);
  await expect(panel.getByRole("heading", { level: 3, name: "4 pages" })).toBeVisible();
  await expect(rows).toHaveText([/^Liasse 2 \(classe-a\.pdf\)/, /^Liasse 4 \(classe-a\.pdf\)/]);
  await expect(remaining).toHaveText("2 liasses à identifier");
  await expect(counts).toHaveText("Identifiées : 3 · mises de côté : 0 · en cours de lecture : 0 · en tout : 5");

  // Page actions: a page turned, one discarded then restored from the discarded pages.
  await panel.getByTestId("page-rotate").first().click();
  await expect(panel.getByTestId("desk-page-thumb").first().locator("img")).toHaveClass(/turned-90/);
  await panel.getByTestId("page-discard").last().click();
  await expect(panel.getByTestId("desk-page")).toHaveCount(3);
  const discarded = page.getByTestId("discarded-page");
  await expect(discarded).toHaveCount(1);
  await expect(discarded).toContainText("Écartée de la liasse 2 (classe-a.pdf)");
  await discarded.getByTestId("discarded-restore").click();
  await expect(discarded).toHaveCount(0);
  await expect(panel.getByTestId("desk-page")).toHaveCount(4);

  // 3. Absent, by keyboard (Shift+A) on the booklet chosen in the list.
  await row("Liasse 4 (classe-a.pdf)").click();
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("Liasse 4 (classe-a.pdf)");
  await expect(panel).toBeFocused();
  await page.keyboard.press("Shift+A");
  await expect(remaining).toHaveText("1 liasse à identifier");
  await expect(counts).toHaveText("Identifiées : 3 · mises de côté : 1 · en cours de lecture : 0 · en tout : 5");
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("Liasse 2 (classe-a.pdf)");
  await page.getByTestId("desk-filter").selectOption("setAside");
  await expect(rows).toHaveText([/Liasse 4 \(classe-a\.pdf\).*Mise de côté : élève absent/]);

  // 4. Enter confirms a suggestion: FONTAINE's copy (found by its cover sheet) is taken off, then confirmed again.
  await page.getByTestId("desk-filter").selectOption("identified");
  await expect(rows).toHaveCount(3);
  await row("FONTAINE Lucas").click();
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("Liasse 2 (classe-b.pdf)");
  await expect(panel.getByTestId("desk-student")).toHaveText("FONTAINE Lucas");
  await expect(panel.getByTestId("desk-identified")).toContainText("Identifiée par QR code (page de garde)");
  await expect(panel.getByTestId("header-reading")).toHaveText("Lu sur la page de garde (QR code).");
  await panel.getByTestId("desk-unidentify").click();
  await expect(panel.getByTestId("desk-status")).toHaveText("À identifier");
  await expect(remaining).toHaveText("2 liasses à identifier");
  const suggestion = panel.getByTestId("suggestion").first();
  await expect(suggestion).toContainText("FONTAINE Lucas");
  await expect(suggestion.getByTestId("suggestion-confidence")).toHaveText("100 %");
  await expect(panel).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(remaining).toHaveText("1 liasse à identifier");
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("Liasse 2 (classe-a.pdf)");
  await expect(counts).toHaveText("Identifiées : 3 · mises de côté : 1 · en cours de lecture : 0 · en tout : 5");
  await row("FONTAINE Lucas").click();
  await expect(panel.getByRole("heading", { level: 2 })).toHaveText("Liasse 2 (classe-b.pdf)");
  await expect(panel.getByTestId("desk-identified")).toContainText("Identifiée à la main");

  // 5. Accept every suggestion above 90 %: BERTHELOT's copy, taken off, is the one the preview lists.
  await row("BERTHELOT Camille").click();
  await panel.getByTestId("desk-unidentify").click();
  await expect(panel.getByTestId("desk-status")).toHaveText("À identifier");
  await expect(remaining).toHaveText("2 liasses à identifier");
  await expect(page.getByTestId("desk-accept-percent")).toHaveValue("90");
  await page.getByTestId("desk-accept").click();
  const dialog = page.getByTestId("accept-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("heading")).toHaveText("Accepter les suggestions d’au moins 90 %");
  const planned = dialog.getByTestId("accept-item");
  await expect(planned).toHaveText([/^Liasse 1 \(classe-b\.pdf\)\s*BERTHELOT Camille \(3e ID\)\s*100 %$/]);
  await dialog.getByTestId("accept-confirm").click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId("desk-message")).toHaveText("Une liasse identifiée.");
  await expect(remaining).toHaveText("1 liasse à identifier");
  await expect(counts).toHaveText("Identifiées : 3 · mises de côté : 1 · en cours de lecture : 0 · en tout : 5");
  await row("BERTHELOT Camille").click();
  // Accepted from its cover sheet's suggestion: still identified by QR code.
  await expect(panel.getByTestId("desk-identified")).toContainText("Identifiée par QR code");

  // Nothing left above 90 %: the preview says so.
  await page.getByTestId("desk-accept").click();
  await expect(dialog.getByTestId("accept-empty")).toContainText("rien à accepter");
  await dialog.getByTestId("accept-cancel").click();
  await expect(dialog).toBeHidden();

  // The last booklet: a search matching two students, ↓ and ↑ through them, Enter.
  await page.getByTestId("desk-filter").selectOption("pending");
  await expect(rows).toHaveText([/^Liasse 2 \(classe-a\.pdf\)/]);
  await rows.first().click();
  await expect(panel).toBeFocused();
  await page.keyboard.type("th");
  await expect(options).toHaveText([/^ROUSSEL Théo/, /^BERTHELOT Camille.*a déjà une copie/]);
  await expect(options.first()).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowDown");
  await expect(options.nth(1)).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("ArrowUp");
  await expect(options.first()).toHaveAttribute("aria-selected", "true");
  await page.keyboard.press("Enter");
  await expect(remaining).toHaveText("Aucune liasse à identifier");
  await expect(counts).toHaveText("Identifiées : 4 · mises de côté : 1 · en cours de lecture : 0 · en tout : 5");

  // A student who already has a copy is refused with the server's words.
  await page.getByTestId("desk-filter").selectOption("all");
  await row("Liasse 2 (classe-a.pdf)").click();
  await panel.getByTestId("desk-change").click();
  await page.keyboard.type("garn");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("desk-error")).toContainText("Inès GARNIER a déjà une copie dans cet examen");
  await expect(panel.getByTestId("desk-student")).toHaveText("ROUSSEL Théo");

  // The exam page counts the copies now ready.
  await page.getByTestId("desk-back").click();
  await expect(page.getByTestId("copy-counts")).toContainText("Prêtes : 4");
  await expect(page.getByTestId("identification-counts")).toContainText("Aucune liasse à identifier");
  expect(violations).toEqual([]);
});
