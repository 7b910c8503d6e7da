// The terminal side of `korrigo`: stdout for results and progress, stderr for problems, hidden
// answers for passwords. Tests give runCli their own CliIo (server/test/cli-io.ts) instead.
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import type { CliIo } from "./command.js";

/** Asks on the terminal; with `secret`, what is typed is not echoed. Ctrl-C cancels. */
async function askTerminal(question: string, secret: boolean): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const cancelled = new Promise<never>((_, reject) => rl.once("SIGINT", () => reject(new Error("cancelled"))));
    const answer = rl.question(question);
    // The question is written: what follows is the answer.
    muted = secret;
    return await Promise.race([answer, cancelled]);
  } finally {
    rl.close();
    if (secret) process.stdout.write("\n");
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    ask: async (question, opts) => (process.stdin.isTTY ? askTerminal(question, opts?.secret === true) : null),
    stdin: readStdin,
  };
}

/**
 * Counts work done and says how far it is ("re-enqueued 12/40 copies") about every tenth of
 * the way and at the end, so that a long run shows it is moving without flooding the terminal.
 */
export function progress(io: CliIo, total: number, label: (done: number, total: number) => string): () => void {
  const step = Math.max(1, Math.ceil(total / 10));
  let done = 0;
  return () => {
    done += 1;
    if (done === total || done % step === 0) io.out(label(done, total));
  };
}
