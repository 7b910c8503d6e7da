// Matching an OCR'd exam header against the class roster: exact and garbled readings, dates,
// homonyms, free text, the automatic decision, and a simulated noisy class.
import { describe, expect, it } from "vitest";
import { autoIdentify, matchReading, normaliseName, parseReadDate, prepareRoster, type HeaderReading, type RosterEntry, type Suggestion } from "./match.js";

const CLASS: RosterEntry[] = [
  { id: "simon", lastName: "SIMON", firstName: "Lucas", birthDate: "2009-09-08" },
  { id: "garcia", lastName: "GARCIA", firstName: "Inès", birthDate: "2009-03-15" },
  { id: "leroy", lastName: "LEROY", firstName: "Maëlys", birthDate: "2009-12-01" },
  { id: "guerin", lastName: "GUÉRIN", firstName: "Hugo", birthDate: "2009-06-21" },
  { id: "francois", lastName: "FRANÇOIS", firstName: "Chloé", birthDate: "2009-01-30" },
  { id: "martin", lastName: "MARTIN", firstName: "Léa", birthDate: "2009-05-03" },
  { id: "durand", lastName: "DURAND", firstName: "Léa", birthDate: "2009-11-17" },
  { id: "dupont", lastName: "DUPONT", firstName: "Marie-Ève", birthDate: "2010-02-14" },
  { id: "fontaine", lastName: "DE LA FONTAINE", firstName: "Jean-Pierre", birthDate: "2009-07-04" },
  { id: "almeida", lastName: "D'ALMEIDA", firstName: "Noé", birthDate: "2009-04-26" },
  { id: "petit-a", lastName: "PETIT", firstName: "Tom", birthDate: "2009-02-11" },
  { id: "petit-b", lastName: "PETIT", firstName: "Tom", birthDate: "2009-10-23" },
  { id: "rousseau", lastName: "ROUSSEAU", firstName: "Emma", birthDate: null },
];
const roster = prepareRoster(CLASS);

function read(lastName: string | null, firstName: string | null, birthDate: string | null = null): HeaderReading {
  return { lastName, firstName, birthDate };
}

function fromText(text: string): HeaderReading {
  return { lastName: null, firstName: null, birthDate: null, text };
}

/** The best suggestion and the gap to the next one. */
function best(reading: HeaderReading): { id: string | undefined; confidence: number; gap: number } {
  const [first, second] = matchReading(reading, roster);
  return { id: first?.studentId, confidence: first?.confidence ?? 0, gap: (first?.confidence ?? 0) - (second?.confidence ?? 0) };
}

describe("normaliseName", () => {
  it("ignores accents, case, hyphens, apostrophes and extra spaces, and spells ligatures out", () => {
    expect(normaliseName("Marie-Ève D'Almeida")).toBe("MARIE EVE D ALMEIDA");
    expect(normaliseName("  jean--pierre ")).toBe("JEAN PIERRE");
    expect(normaliseName("Lætitia Œuvray")).toBe("LAETITIA OEUVRAY");
    expect(normaliseName("François")).toBe(normaliseName("FRANCOIS"));
    expect(normaliseName(" - ' ")).toBe("");
  });
});

describe("parseReadDate", () => {
  it("reads the date whatever its separators, padding day and month and keeping the year as written", () => {
    expect(parseReadDate("08092009")).toBe("08092009");
    expect(parseReadDate("08/09/2009")).toBe("08092009");
    expect(parseReadDate("8 9 2009")).toBe("08092009");
    expect(parseReadDate("8.9.09")).toBe("080909");
    expect(parseReadDate("2009-09-08")).toBe("08092009");
    expect(parseReadDate("0 8 0 9 2 0 0 9")).toBe("08092009");
    expect(parseReadDate("0809200")).toBe("0809200");
  });

  it("gives no date when too few digits were read", () => {
    expect(parseReadDate(null)).toBeNull();
    expect(parseReadDate("")).toBeNull();
    expect(parseReadDate("08 09")).toBeNull();
  });
});

describe("matchReading", () => {
  it("scores an exact reading of the three fields about 1, far ahead of the others", () => {
    const suggestions = matchReading(read("SIMON", "Lucas", "08/09/2009"), roster);
    expect(suggestions).toHaveLength(3);
    expect(suggestions[0]).toEqual({ studentId: "simon", confidence: expect.closeTo(1, 6) });
    expect(suggestions[1]!.confidence).toBeLessThan(0.5);
    expect(suggestions.map((s) => s.confidence)).toEqual([...suggestions.map((s) => s.confidence)].sort((a, b) => b - a));
  });

  it("ignores accents, case, hyphens and apostrophes", () => {
    expect(best(read("guerin", "HUGO", "21062009"))).toMatchObject({ id: "guerin", confidence: expect.closeTo(1, 6) });
    expect(best(read("DUPONT", "MARIE EVE", "14022010"))).toMatchObject({ id: "dupont", confidence: expect.closeTo(1, 6) });
    expect(best(read("Delafontaine", "jean pierre", "04072009"))).toMatchObject({ id: "fontaine", confidence: expect.closeTo(1, 6) });
    expect(best(read("DALMEIDA", "Noe", "26042009"))).toMatchObject({ id: "almeida", confidence: expect.closeTo(1, 6) });
  });

  it("finds a student who swapped the name boxes, a little below the straight reading", () => {
    const swapped = best(read("Lucas", "SIMON", "08092009"));
    expect(swapped).toMatchObject({ id: "simon" });
    expect(swapped.confidence).toBeGreaterThan(0.95);
    expect(swapped.confidence).toBeLessThan(best(read("SIMON", "Lucas", "08092009")).confidence);
    expect(best(read("Léa", "martin"))).toMatchObject({ id: "martin" });
  });

  it("finds a student who wrote only part of a compound name", () => {
    expect(best(read("DUPONT", "Marie", "14022010"))).toMatchObject({ id: "dupont" });
    expect(best(read("FONTAINE", "Jean", null)).id).toBe("fontaine");
  });

  it.each([
    ["SIMIOI", "Lucas", "08092009", "simon"],
    ["GMRCI", "Ines", "15032009", "garcia"],
    ["LEROY", "Diaëlys", "01122009", "leroy"],
    ["GU RIN", "Hugo", "21062009", "guerin"],
    ["FRANOIS", "Chloe", "30012009", "francois"],
    ["SIMIOI", "LUCQS", "8/9/09", "simon"],
    ["GUERIN", "HUG0", "2106200", "guerin"],
  ])("reads the OCR-garbled %s %s %s as %s with high confidence", (lastName, firstName, birthDate, id) => {
    const found = best(read(lastName, firstName, birthDate));
    expect(found.id).toBe(id);
    expect(found.confidence).toBeGreaterThanOrEqual(0.85);
    expect(found.gap).toBeGreaterThan(0.4);
  });

  it("keeps one wrong date digit close to the right date, and another student's date far from it", () => {
    const oneDigitWrong = best(read("MARTIN", "Léa", "08052009"));
    expect(oneDigitWrong.id).toBe("martin");
    expect(oneDigitWrong.confidence).toBeGreaterThan(0.9);
    const [martin] = matchReading(read("MARTIN", "Léa", "17112009"), roster).filter((s) => s.studentId === "martin");
    expect(martin!.confidence).toBeLessThan(0.65);
    expect(best(read(null, null, "21062009"))).toMatchObject({ id: "guerin", confidence: expect.closeTo(1, 6) });
  });

  it("does not confuse two students who share a first name", () => {
    const suggestions = matchReading(read("MARTIM", "Lea", "03052009"), roster);
    expect(suggestions[0]!.studentId).toBe("martin");
    const durand = suggestions.find((s) => s.studentId === "durand")?.confidence ?? 0;
    expect(suggestions[0]!.confidence - durand).toBeGreaterThan(0.5);
  });

  it("tells homonyms apart by their birth date, and ties them by name and id without one", () => {
    expect(best(read("PETIT", "Tom", "11022009"))).toMatchObject({ id: "petit-a", gap: expect.toSatisfy((g: number) => g > 0.3) });
    expect(best(read("PETIT", "Tom", "23/10/09"))).toMatchObject({ id: "petit-b", gap: expect.toSatisfy((g: number) => g > 0.3) });
    const undated = matchReading(read("PETIT", "Tom"), roster, 2);
    expect(undated.map((s) => s.studentId)).toEqual(["petit-a", "petit-b"]);
    expect(undated[0]!.confidence).toBe(undated[1]!.confidence);
    expect(matchReading(read("PETIT", "Tom"), prepareRoster([...CLASS].reverse()), 2)).toEqual(undated);
  });

  it("weighs a student without a birth date on the names alone", () => {
    expect(best(read("ROUSSEAU", "Emma", "12052009"))).toMatchObject({ id: "rousseau", confidence: expect.closeTo(1, 6) });
  });

  it("suggests nothing for an empty reading and nothing confident for garbage", () => {
    expect(matchReading(read(null, null, null), roster)).toEqual([]);
    expect(matchReading({ ...read(" ", "-", "?"), text: "  " }, roster)).toEqual([]);
    expect(best(read("XKQW", "ZPTR", "47813")).confidence).toBeLessThan(0.4);
    expect(best(read("WXKY", "QZ", "27041998")).confidence).toBeLessThan(0.4);
    expect(best(fromText("scan_0042.pdf")).confidence).toBeLessThan(0.4);
  });

  it("aligns roster names inside free text: a file name or the lines of a free name box", () => {
    expect(best(fromText("DUPONT_Marie-Ève.pdf"))).toMatchObject({ id: "dupont", confidence: expect.closeTo(1, 6) });
    expect(best(fromText("Marie Eve Dupont"))).toMatchObject({ id: "dupont", confidence: expect.closeTo(1, 6) });
    expect(best(fromText("scan 0003 de la fontaine jean pierre"))).toMatchObject({ id: "fontaine" });
    expect(best(fromText("Nom : SIMIOI\nPrénom : Lucas"))).toMatchObject({ id: "simon" });
    expect(best(fromText("PETIT_Tom_23-10-2009.pdf"))).toMatchObject({ id: "petit-b", gap: expect.toSatisfy((g: number) => g > 0.3) });
  });

  it("accepts the roster as entries or prepared, and honours the limit", () => {
    const reading = read("GMRCI", "Ines", "15032009");
    expect(matchReading(reading, CLASS)).toEqual(matchReading(reading, roster));
    expect(matchReading(reading, roster, 1)).toHaveLength(1);
    expect(matchReading(reading, roster, 0)).toEqual([]);
    expect(matchReading(reading, [])).toEqual([]);
  });
});

describe("autoIdentify", () => {
  const rule = { threshold: 0.8, margin: 0.1 };
  const s = (studentId: string, confidence: number): Suggestion => ({ studentId, confidence });

  it("identifies the best student when it reaches the threshold and leads by the margin", () => {
    expect(autoIdentify([s("a", 0.95), s("b", 0.4)], rule)).toBe("a");
    expect(autoIdentify([s("a", 0.85)], rule)).toBe("a");
    expect(autoIdentify([s("a", 0.9), s("b", 0.8)], rule)).toBe("a");
  });

  it("identifies nobody below the threshold, within the margin, or without suggestions", () => {
    expect(autoIdentify([s("a", 0.79)], rule)).toBeNull();
    expect(autoIdentify([s("a", 0.95), s("b", 0.9)], rule)).toBeNull();
    expect(autoIdentify([], rule)).toBeNull();
  });

  it("finds the best and the second even when the suggestions are not sorted", () => {
    expect(autoIdentify([s("b", 0.5), s("a", 0.92)], rule)).toBe("a");
    expect(autoIdentify([s("b", 0.5), s("a", 0.92), s("c", 0.9)], rule)).toBeNull();
  });

  it("decides on real matches: a clear reading is identified, undated homonyms are not", () => {
    expect(autoIdentify(matchReading(read("SIMIOI", "Lucas", "08092009"), roster), rule)).toBe("simon");
    expect(autoIdentify(matchReading(read("PETIT", "Tom"), roster), rule)).toBeNull();
    expect(autoIdentify(matchReading(read("XKQW", "ZPTR", "47813"), roster), rule)).toBeNull();
  });
});

describe("a simulated noisy class", () => {
  const LAST_NAMES = ["MARTIN", "BERNARD", "THOMAS", "PETIT", "ROBERT", "RICHARD", "DURAND", "DUBOIS", "MOREAU", "LAURENT", "SIMON", "MICHEL", "LEFÈVRE", "LEROY", "ROUX", "DAVID", "BERTRAND", "MOREL", "FOURNIER", "GIRARD", "BONNET", "DUPONT", "LAMBERT", "FONTAINE", "ROUSSEAU", "VINCENT", "MULLER", "FAURE", "ANDRÉ", "MERCIER", "BLANC", "GUÉRIN", "BOYER", "GARNIER", "CHEVALIER", "FRANÇOIS", "LEGRAND", "GAUTHIER", "GARCIA", "PERRIN", "ROBIN", "CLÉMENT", "MORIN", "NICOLAS", "HENRY", "MASSON", "DE LA FONTAINE", "N'DIAYE", "MARTIN-LÉGER", "BEN ALI"];
  const FIRST_NAMES = ["Léa", "Emma", "Chloé", "Manon", "Camille", "Inès", "Jade", "Louise", "Zoé", "Maëlys", "Lucas", "Hugo", "Louis", "Gabriel", "Arthur", "Jules", "Noé", "Adam", "Raphaël", "Nathan", "Marie-Ève", "Jean-Pierre", "Aïssatou", "Théo", "Enzo", "Mathis", "Sarah", "Anaïs", "Océane", "Yanis"];
  const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

  /** mulberry32: a small seeded PRNG, so that every run draws the same class and the same errors. */
  function prng(seed: number): () => number {
    let state = seed;
    return () => {
      state = (state + 0x6d2b79f5) | 0;
      let t = Math.imul(state ^ (state >>> 15), 1 | state);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function drawClass(random: () => number, size: number): RosterEntry[] {
    const lastNames = [...LAST_NAMES];
    return Array.from({ length: size }, (_, i) => {
      // Last names drawn without replacement, first names with: classmates often share a first name.
      const [lastName] = lastNames.splice(Math.floor(random() * lastNames.length), 1);
      const firstName = FIRST_NAMES[Math.floor(random() * FIRST_NAMES.length)]!;
      // One birth year for the whole class: only day and month tell dates apart, as in a real class.
      const month = String(1 + Math.floor(random() * 12)).padStart(2, "0");
      const day = String(1 + Math.floor(random() * 28)).padStart(2, "0");
      return { id: `s${String(i).padStart(2, "0")}`, lastName: lastName!, firstName, birthDate: `2009-${month}-${day}` };
    });
  }

  /** 1 or 2 letters replaced by other letters, as OCR of handwriting does. */
  function garble(random: () => number, name: string): string {
    const chars = [...name.toUpperCase()];
    const letters = chars.flatMap((c, i) => (/\p{L}/u.test(c) ? [i] : []));
    const count = 1 + Math.floor(random() * 2);
    for (let k = 0; k < count; k++) {
      const at = letters[Math.floor(random() * letters.length)]!;
      const others = LETTERS.replace(chars[at]!, "");
      chars[at] = others[Math.floor(random() * others.length)]!;
    }
    return chars.join("");
  }

  /** The date as written in the boxes: DDMMYYYY. */
  function boxes(iso: string): string {
    return iso.slice(8, 10) + iso.slice(5, 7) + iso.slice(0, 4);
  }

  /** The date as read from the boxes, with one digit wrong every other time. */
  function readDate(random: () => number, iso: string): string {
    const digits = [...boxes(iso)];
    if (random() < 0.5) {
      const at = Math.floor(random() * digits.length);
      digits[at] = String((Number(digits[at]) + 1 + Math.floor(random() * 9)) % 10);
    }
    return digits.join("");
  }

  it.each([1, 2, 3, 4, 5])("puts the right student first for every garbled reading, well ahead of the next (seed %i)", (seed) => {
    const random = prng(seed);
    const students = drawClass(random, 35);
    const prepared = prepareRoster(students);
    const confidences: number[] = [];
    for (const student of students) {
      const noisy = read(garble(random, student.lastName), garble(random, student.firstName), readDate(random, student.birthDate!));
      const [first, second] = matchReading(noisy, prepared) as [Suggestion, Suggestion];
      expect(first.studentId, `${JSON.stringify(noisy)} read for ${student.lastName} ${student.firstName}`).toBe(student.id);
      expect(first.confidence - second.confidence).toBeGreaterThan(0.15);
      const clean = matchReading(read(student.lastName, student.firstName, boxes(student.birthDate!)), prepared)[0];
      expect(clean).toEqual({ studentId: student.id, confidence: expect.closeTo(1, 6) });
      expect(first.confidence).toBeLessThan(clean!.confidence);
      confidences.push(first.confidence);
    }
    // Errors lower the confidence without making it useless: 1–2 wrong letters per name stay well above garbage.
    confidences.sort((a, b) => a - b);
    expect(confidences[0]).toBeGreaterThan(0.5);
    expect(confidences[Math.floor(confidences.length / 2)]).toBeGreaterThan(0.8);
  });
});
