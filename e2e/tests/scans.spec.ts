// An admin creates an exam, sets its marking scheme and uploads the copier's PDF; the worker
// cuts it into booklets whose page images the browser loads through nginx.
import { writeFileSync } from "node:fs";
import { expect, test, type Locator, type Page } from "@playwright/test";
import { makeA4Batch } from "../../server/test/scan-factory.js";
import { atPath, cspViolations, staffLogin, staffMember } from "./helpers.js";

/** The natural width of a loaded image, 0 while it has not loaded (or failed to). */
function loadedWidth(img: Locator): Promise<number> {
  // A structural type: this project's TypeScript has no DOM types outside web/.
  return img.evaluate((el) => {
    const image = el as unknown as { complete: boolean; naturalWidth: number };
    return image.complete ? image.naturalWidth : 0;
  });
}

async function signIn(page: Page): Promise<void> {
  const { email, password } = staffMember("ADMIN");
  await staffLogin(page, email, password);
  await expect(page).toHaveURL(atPath("/admin"));
}

test("an admin creates an exam, uploads the scans and sees the booklets", async ({ page }) => {
  test.setTimeout(120_000);
  const pdfPath = new URL("../.run/scans-a4-12.pdf", import.meta.url);
  writeFileSync(pdfPath, await makeA4Batch({ pages: 12 }));
  // The exam page draws with SVG and a <dialog>, never with inline styles the CSP would refuse.
  const violations = await cspViolations(page);

  await signIn(page);
  await page.getByTestId("new-exam").click();
  await expect(page).toHaveURL(atPath("/admin/examens/nouveau"));

  const title = `Bac blanc ${Date.now()}`;
  await page.getByTestId("exam-title").fill(title);
  await page.getByTestId("exam-subject").fill("Mathématiques");
  await page.getByTestId("exam-date").fill("2026-03-12");
  await page.getByTestId("exam-classes").fill("TG1, TG2");
  await page.getByTestId("exam-pages").fill("4");
  await page.getByTestId("exam-layout").selectOption({ label: "Pages A4 à la suite" });
  await page.getByTestId("exam-save").click();

  await expect(page).toHaveURL(/\/admin\/examens\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId("exam-heading")).toContainText(title);

  // Marking scheme: two questions, 8 + 12 points.
  const scheme = page.getByTestId("marking-scheme");
  await scheme.getByTestId("question-label").first().fill("Exercice 1");
  await scheme.getByTestId("question-points").first().fill("8");
  await scheme.getByTestId("question-add").click();
  await scheme.getByTestId("question-label").nth(1).fill("Exercice 2");
  await scheme.getByTestId("question-points").nth(1).fill("12");
  await expect(scheme.getByTestId("scheme-total")).toHaveText("Total : 20 points");
  await scheme.getByTestId("scheme-save").click();
  await expect(scheme.getByTestId("scheme-saved")).toHaveText("Barème enregistré.");

  // Before any scan, the name box is drawn on a placeholder page.
  await expect(page.getByTestId("name-box")).toContainText("Un exemple de page apparaîtra ici");

  await page.getByTestId("scan-file").setInputFiles(pdfPath.pathname);
  const batch = page.getByTestId("batch");
  await expect(batch).toHaveCount(1);
  await expect(batch.getByTestId("batch-progress")).toHaveAttribute("aria-valuenow", "100", { timeout: 90_000 });
  await expect(batch.getByTestId("batch-progress")).toContainText("12 / 12 pages (100 %)");
  await expect(batch.getByTestId("batch-status")).toHaveText("Terminé");

  const booklets = batch.getByTestId("booklet");
  await expect(booklets).toHaveCount(3);
  for (let i = 0; i < 3; i += 1) {
    const booklet = booklets.nth(i);
    await expect(booklet).toContainText(`Liasse ${i + 1}`);
    const thumbs = booklet.getByTestId("page-thumb");
    await expect(thumbs).toHaveCount(4);
    for (let p = 0; p < 4; p += 1) {
      const thumb = thumbs.nth(p);
      await thumb.scrollIntoViewIfNeeded(); // lazy images load once near the viewport
      await expect.poll(() => loadedWidth(thumb), { timeout: 15_000 }).toBeGreaterThan(0);
    }
  }

  // The sample page for the name box is now a real scanned page; a new box is drawn and saved.
  const sample = page.getByTestId("name-box-sample");
  await expect.poll(() => loadedWidth(sample)).toBeGreaterThan(0);
  const overlay = page.getByTestId("name-box-overlay");
  await overlay.scrollIntoViewIfNeeded();
  const area = (await overlay.boundingBox())!;
  await page.mouse.move(area.x + area.width * 0.1, area.y + area.height * 0.05);
  await page.mouse.down();
  await page.mouse.move(area.x + area.width * 0.7, area.y + area.height * 0.15, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId("name-box-x")).toHaveValue("10");
  await expect(page.getByTestId("name-box-width")).toHaveValue("60");
  await page.getByTestId("name-box-save").click();
  await expect(page.getByTestId("name-box")).toContainText("Cadre du nom enregistré.");
  await expect(page.getByTestId("exam-heading").locator("..")).toContainText("Pages A4 à la suite");

  // A page opens in the viewer, at full size, and Esc closes it.
  await booklets.nth(1).getByTestId("page-thumb").nth(2).click();
  const dialog = page.getByTestId("page-dialog");
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole("heading")).toHaveText("Liasse 2 — page 3");
  const image = dialog.getByTestId("page-image");
  await expect.poll(() => loadedWidth(image)).toBeGreaterThan(0);
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();

  // The same file again is recognised as a duplicate of the existing batch.
  await page.getByTestId("scan-file").setInputFiles(pdfPath.pathname);
  await expect(page.getByTestId("upload-duplicate")).toHaveText("Ce fichier a déjà été déposé : voici le lot existant.");
  await expect(page.getByTestId("batch")).toHaveCount(1);

  // The exam list links to the exam page.
  await page.goto("/admin");
  await page.getByTestId("exam-list").getByRole("link", { name: title }).click();
  await expect(page.getByTestId("exam-heading")).toContainText(title);
  expect(violations).toEqual([]);
});

test("a file that is not a PDF is refused with a French message", async ({ page }) => {
  await signIn(page);
  await page.getByTestId("new-exam").click();
  await page.getByTestId("exam-title").fill(`Refus ${Date.now()}`);
  await page.getByTestId("exam-subject").fill("Physique");
  await page.getByTestId("exam-date").fill("2026-04-02");
  await page.getByTestId("exam-classes").fill("1G3");
  await page.getByTestId("exam-save").click();
  await expect(page.getByTestId("exam-heading")).toBeVisible();

  // Named .pdf, but not a PDF: the server refuses it after reading it.
  await page.getByTestId("scan-file").setInputFiles({ name: "copies.pdf", mimeType: "application/pdf", buffer: Buffer.from("pas un PDF") });
  await expect(page.getByTestId("upload-error")).not.toBeEmpty();
  await expect(page.getByTestId("batch")).toHaveCount(0);

  // An exam with nothing scanned can be deleted, after confirming in the page.
  await page.getByTestId("exam-delete").click();
  await page.getByTestId("exam-confirm-yes").click();
  await expect(page).toHaveURL(atPath("/admin"));
});
