// Password and access-code hashing (argon2id), and the password policy.
import { hash, verify } from "@node-rs/argon2";
import { dictionary } from "@zxcvbn-ts/language-common";

const ARGON2ID = 2; // Algorithm.Argon2id: a const enum, which isolated modules cannot import.
const MIN_LENGTH = 12;
const MAX_LENGTH = 256;
const COMMON = new Set(dictionary["passwords-common"]);

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, { algorithm: ARGON2ID });
}

export async function verifySecret(secretHash: string, secret: string): Promise<boolean> {
  try {
    return await verify(secretHash, secret);
  } catch {
    return false;
  }
}

/** A hash of nothing anyone knows, verified when an account does not exist so timing does not tell. */
let decoyHash: Promise<string> | undefined;
export async function verifyDecoy(secret: string): Promise<false> {
  decoyHash ??= hashSecret(`decoy-${Math.random()}`);
  await verifySecret(await decoyHash, secret);
  return false;
}

/** Why a new password is refused (in French), or null when it is acceptable. */
export function passwordProblem(password: string, personal: string[] = []): string | null {
  if (password.length < MIN_LENGTH) return `Le mot de passe doit contenir au moins ${MIN_LENGTH} caractères.`;
  if (password.length > MAX_LENGTH) return `Le mot de passe ne doit pas dépasser ${MAX_LENGTH} caractères.`;
  const lower = password.toLowerCase();
  const core = lower.replace(/[\d\W_]+$/u, "");
  if (COMMON.has(lower) || COMMON.has(core) || new Set(lower).size <= 3) {
    return "Ce mot de passe est trop courant ou trop simple : choisissez-en un autre.";
  }
  const words = personal.map((p) => p.toLowerCase()).filter((p) => p.length >= 4);
  if (words.some((word) => lower.includes(word))) {
    return "Le mot de passe ne doit pas contenir votre nom ou votre adresse e-mail.";
  }
  return null;
}
