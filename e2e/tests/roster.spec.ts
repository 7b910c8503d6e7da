// An admin imports the class roster: the preview says what will happen, a column the file
// names its own way is mapped by hand, then the import writes it.
import { expect, test } from "@playwright/test";
import { exportCsv } from "../../server/test/roster-factory.js";
import { atPath, cspViolations, staffLogin, staffMember } from "./helpers.js";

test("an admin previews a Pronote roster, maps a column and imports it", async ({ page }) => {
  const violations = await cspViolations(page);
  const { email, password } = staffMember("ADMIN");
  await staffLogin(page, email, password);
  await expect(page).toHaveURL(atPath("/admin"));
  await page.getByTestId("import-roster").click();
  await expect(page).toHaveURL(atPath("/admin/eleves/import"));

  const csv = exportCsv([
    ["Nom", "Prénom", "Groupe", "Né(e) le", "INE"],
    ["ROSTER", "Camille", "Tle 2", "12/03/2008", "20000000001"],
    ["ROSTER", "Yanis", "Tle 2", "30/02/2008", "20000000002"],
  ], ";", "windows-1252");
  await page.getByTestId("roster-file").setInputFiles({ name: "eleves.csv", mimeType: "text/csv", buffer: csv });

  const preview = page.getByTestId("roster-preview");
  await expect(preview).toContainText("Windows-1252");
  await expect(preview).toContainText("Colonnes à associer avant l'import : Classe.");
  await expect(page.getByTestId("roster-import")).toBeDisabled();
  await expect(page.getByTestId("roster-lines")).toContainText("date de naissance illisible « 30/02/2008 »");

  await page.getByTestId("map-Groupe").selectOption("className");
  await expect(page.getByTestId("roster-counts")).toHaveText("À ajouter : 1 · à mettre à jour : 0 · inchangés : 0 · lignes refusées : 1");
  await page.getByTestId("roster-import").click();
  await expect(page.getByTestId("roster-counts")).toHaveText("Ajoutés : 1 · mis à jour : 0 · inchangés : 0 · lignes refusées : 1");
  await expect(preview).toContainText("Import terminé");
  expect(violations).toEqual([]);
});
