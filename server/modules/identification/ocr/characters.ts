// What OCR makes of handwritten characters, put right by what the field can hold.

/** Capitals that handwritten digits pass for, and the digit each most likely was. */
export const AS_DIGIT: Readonly<Record<string, string>> = { O: "0", D: "0", U: "0", Q: "0", C: "0", I: "1", L: "1", J: "1", Z: "2", S: "5", A: "4", G: "6", B: "8", T: "7", Y: "7", P: "9" };

/** Digits that handwritten capitals pass for: a name holds no digit. */
export const AS_LETTER: Readonly<Record<string, string>> = { "0": "O", "1": "I", "2": "Z", "4": "A", "5": "S", "6": "G", "7": "T", "8": "B" };

/**
 * "COPIE N 2 / 3" → { k: 2, n: 3 }, from the digits that end the line (letters mapped to the
 * digits they pass for). Nobody hands in ten sheets: k and n are one digit each. The slash is often
 * lost ("22") or read as a 1 or a 7 ("212", "172"); the first reading with 1 ≤ k ≤ n wins.
 */
export function sheetNumbers(line: string): { k: number; n: number } | null {
  const mapped = [...line].map((c) => AS_DIGIT[c] ?? c).join("");
  const tail = /[0-9/ ]*$/.exec(mapped)![0].replaceAll(" ", "");
  const slash = tail.lastIndexOf("/");
  const slashAsDigit = "17".includes(tail.at(-2) || "-") ? [[tail.at(-3), tail.at(-1)]] : [];
  const readings = slash >= 0 ? [[tail[slash - 1], tail[slash + 1]]] : [...slashAsDigit, [tail.at(-2), tail.at(-1)]];
  for (const [k, n] of readings.map(([k, n]) => [Number(k), Number(n)] as const)) {
    if (k >= 1 && k <= n) return { k, n };
  }
  return null;
}
