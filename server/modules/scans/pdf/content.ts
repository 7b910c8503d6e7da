// Reads a page's content stream to decide whether the page is "one image and nothing else".
// A small PDF lexer: it tracks the transformation matrix through q/Q/cm and stops at the first
// operator that could paint anything other than that image (text, painted paths, shadings,
// inline images, forms, a second image).

/** [a b c d e f]: maps (x, y) to (a·x + c·y + e, b·x + d·y + f). */
export type Matrix = [number, number, number, number, number, number];

export interface ImageDraw {
  name: string;
  ctm: Matrix;
}

export interface ContentResources {
  /** "image" for an Image XObject, "other" for a form or anything else, undefined when unknown. */
  xobjectKind(name: string): "image" | "other" | undefined;
  /** Whether an ExtGState leaves the image as drawn (no soft mask, opacity or blend mode). */
  graphicsStateIsPlain(name: string): boolean;
}

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0];

// Operators that change state, colour, marked content or build a clipping path: none paints.
const HARMLESS = new Set([
  "q", "Q", "cm", "gs", "w", "J", "j", "M", "d", "ri", "i",
  "g", "G", "rg", "RG", "k", "K", "cs", "CS", "sc", "SC", "scn", "SCN",
  "BMC", "BDC", "EMC", "MP", "DP", "BX", "EX",
  "m", "l", "c", "v", "y", "h", "re", "W", "W*", "n",
]);

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[1] * n[2],
    m[0] * n[1] + m[1] * n[3],
    m[2] * n[0] + m[3] * n[2],
    m[2] * n[1] + m[3] * n[3],
    m[4] * n[0] + m[5] * n[2] + n[4],
    m[4] * n[1] + m[5] * n[3] + n[5],
  ];
}

/** The single image the content draws, or undefined when the page is anything more. */
export function singleImageDraw(content: Uint8Array, resources: ContentResources): ImageDraw | undefined {
  const stack: Matrix[] = [];
  let ctm = IDENTITY;
  let found: ImageDraw | undefined;
  let operands: Operand[] = [];
  for (const token of tokens(content)) {
    if (token.kind !== "operator") {
      operands.push(token.value);
      continue;
    }
    const op = token.value;
    if (op === "Do") {
      const name = nameOperand(operands.at(-1));
      if (name === undefined || found || resources.xobjectKind(name) !== "image") return undefined;
      found = { name, ctm };
    } else if (!HARMLESS.has(op)) {
      return undefined;
    } else if (op === "q") {
      stack.push(ctm);
    } else if (op === "Q") {
      ctm = stack.pop() ?? IDENTITY;
    } else if (op === "cm") {
      if (operands.length !== 6 || !operands.every((v) => typeof v === "number")) return undefined;
      ctm = multiply(operands as Matrix, ctm);
    } else if (op === "gs") {
      const name = nameOperand(operands.at(-1));
      if (name === undefined || !resources.graphicsStateIsPlain(name)) return undefined;
    }
    operands = [];
  }
  return found;
}

/** A number, a name, or null for any other operand (string, array, dictionary, boolean). */
type Operand = number | { name: string } | null;

function nameOperand(operand: Operand | undefined): string | undefined {
  return typeof operand === "object" && operand !== null ? operand.name : undefined;
}
type Token = { kind: "operand"; value: Operand } | { kind: "operator"; value: string };

const WHITESPACE = new Set([0, 9, 10, 12, 13, 32]);
const DELIMITERS = new Set([...'()<>[]{}/%'].map((c) => c.charCodeAt(0)));

function* tokens(data: Uint8Array): Generator<Token> {
  let i = 0;
  let depth = 0; // inside arrays and dictionaries, whose contents are skipped
  while (i < data.length) {
    const c = data[i]!;
    if (WHITESPACE.has(c)) {
      i += 1;
    } else if (c === 0x25 /* % */) {
      while (i < data.length && data[i] !== 10 && data[i] !== 13) i += 1;
    } else if (c === 0x28 /* ( */) {
      i = skipString(data, i);
      if (depth === 0) yield { kind: "operand", value: null };
    } else if (c === 0x5b /* [ */ || (c === 0x3c && data[i + 1] === 0x3c) /* << */) {
      depth += 1;
      i += c === 0x5b ? 1 : 2;
    } else if (c === 0x5d /* ] */ || (c === 0x3e && data[i + 1] === 0x3e) /* >> */) {
      depth = Math.max(0, depth - 1);
      i += c === 0x5d ? 1 : 2;
      if (depth === 0) yield { kind: "operand", value: null };
    } else if (c === 0x3c /* < hex string */) {
      while (i < data.length && data[i] !== 0x3e) i += 1;
      i += 1;
      if (depth === 0) yield { kind: "operand", value: null };
    } else {
      const start = i;
      i += 1;
      while (i < data.length && !WHITESPACE.has(data[i]!) && !DELIMITERS.has(data[i]!)) i += 1;
      if (depth === 0) yield word(Buffer.from(data.buffer, data.byteOffset + start, i - start).toString("latin1"));
    }
  }
}

function word(text: string): Token {
  if (text.startsWith("/")) return { kind: "operand", value: { name: decodeName(text.slice(1)) } };
  if (/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return { kind: "operand", value: Number(text) };
  if (text === "true" || text === "false" || text === "null") return { kind: "operand", value: null };
  return { kind: "operator", value: text };
}

function decodeName(raw: string): string {
  return raw.replace(/#([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function skipString(data: Uint8Array, start: number): number {
  let nesting = 0;
  let i = start;
  while (i < data.length) {
    const c = data[i]!;
    if (c === 0x5c /* \ */) i += 1;
    else if (c === 0x28) nesting += 1;
    else if (c === 0x29 && --nesting === 0) return i + 1;
    i += 1;
  }
  return i;
}
