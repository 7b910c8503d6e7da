// The roster preview: what an admin sees before a CSV import is committed.
import { describe, expect, it } from "vitest";
import { exportCsv } from "../../test/roster-factory.js";
import { readRoster, RosterError } from "./roster.js";

const ROWS = [
  ["Nom", "Prénom", "Classe", "Né(e) le", "INE"],
  ["DUPONT", "Léa", "2nde A", "03/05/2010", "123456789AB"],
  ["MARTIN-LÉGER", "Noé", "2nde A", "17/11/2009", ""],
  ["N'DIAYE", "Aïssatou", "2nde B", "", "987654321CD"],
];

describe("readRoster", () => {
  it("reads a UTF-8 file with BOM and ';' and a Windows-1252 file with tabs as the same students", () => {
    const pronote = readRoster(exportCsv(ROWS, ";", "utf-8-bom"));
    const other = readRoster(exportCsv(ROWS, "\t", "windows-1252"));
    expect([pronote.encoding, pronote.delimiter, other.encoding, other.delimiter]).toEqual(["utf-8", ";", "windows-1252", "\t"]);
    expect(pronote.lines.map((l) => l.student)).toEqual(other.lines.map((l) => l.student));
    expect(pronote.lines.map((l) => l.student)).toEqual([
      { lastName: "DUPONT", firstName: "Léa", className: "2nde A", birthDate: "2010-05-03", ine: "123456789AB", externalId: null },
      { lastName: "MARTIN-LÉGER", firstName: "Noé", className: "2nde A", birthDate: "2009-11-17", ine: null, externalId: null },
      { lastName: "N'DIAYE", firstName: "Aïssatou", className: "2nde B", birthDate: null, ine: "987654321CD", externalId: null },
    ]);
    expect(pronote).toMatchObject({ headers: ROWS[0], missingFields: [], unknownHeaders: [] });
  });

  it("maps headers whatever their case, accents and punctuation, and reads commas with quoted values", () => {
    const preview = readRoster(exportCsv([["NOM DE FAMILLE", "prenoms", "CLASSE", "Date de naissance", "Identifiant"], ["Durand, dit Dudu", "Éric", "1re C", "2009-02-28", "P123"]], ",", "utf-8"));
    expect(preview.delimiter).toBe(",");
    expect(preview.lines[0]!.student).toEqual({ lastName: "Durand, dit Dudu", firstName: "Éric", className: "1re C", birthDate: "2009-02-28", ine: null, externalId: "P123" });
  });

  it("keeps formula-like content as plain text", () => {
    const preview = readRoster(exportCsv([ROWS[0]!, ["=HYPERLINK(\"x\")", "+33", "-1", "01/01/2010", "@SUM00000AA"]], ";", "utf-8"));
    expect(preview.lines[0]!.errors).toEqual(["INE invalide « @SUM00000AA » (11 chiffres et lettres)"]);
    const names = readRoster(exportCsv([ROWS[0]!, ["=HYPERLINK(\"x\")", "+33", "-1", "01/01/2010", ""]], ";", "utf-8"));
    expect(names.lines[0]!.student).toMatchObject({ lastName: '=HYPERLINK("x")', firstName: "+33", className: "-1" });
  });

  it("reports each faulty line with its number, and duplicates of an earlier line", () => {
    const preview = readRoster(exportCsv([
      ROWS[0]!,
      ["", "Léa", "2nde A", "03/05/2010", ""],
      ["DUPONT", "Léa", "2nde A", "31/02/2010", ""],
      ["DUPONT", "Léa", "2nde A", "", ""],
      ["DUPONT", "Léa", "2nde A", "03/05/2010", "123456789AB"],
      ["DUPOND", "Léo", "2nde A", "04/05/2010", "123456789ab"],
    ], ";", "utf-8"));
    expect(preview.lines.map((l) => [l.line, l.errors])).toEqual([
      [2, ["nom manquant"]],
      [3, ["date de naissance illisible « 31/02/2010 » (attendu : JJ/MM/AAAA)"]],
      [4, ["ni INE ni date de naissance : l'élève ne pourrait pas être reconnu à l'import suivant"]],
      [5, []],
      [6, ["même élève qu'à la ligne 5 (même INE)"]],
    ]);
    expect(preview.lines.filter((l) => l.student)).toHaveLength(1);
  });

  it("asks for a mapping when a required header is unknown, and uses the admin's mapping", () => {
    const rows = [["Nom", "Prénom", "Groupe", "Remarque"], ["DUPONT", "Léa", "2nde A", "tiers temps"]];
    const unmapped = readRoster(exportCsv(rows, ";", "utf-8"));
    expect(unmapped).toMatchObject({ missingFields: ["className"], unknownHeaders: ["Groupe", "Remarque"] });
    const mapped = readRoster(exportCsv(rows, ";", "utf-8"), { Groupe: "className", Remarque: null });
    expect(mapped).toMatchObject({ missingFields: [], unknownHeaders: [] });
    expect(mapped.lines[0]!.errors).toEqual(["ni INE ni date de naissance : l'élève ne pourrait pas être reconnu à l'import suivant"]);
  });

  it("refuses an empty file with a sentence", () => {
    expect(() => readRoster(Buffer.from("\r\n\r\n"))).toThrow(RosterError);
    expect(() => readRoster(Buffer.alloc(0))).toThrow(/vide/);
  });
});
