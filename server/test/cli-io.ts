// A CliIo for tests of `korrigo` commands run in-process: what they print is kept, stdin and
// the terminal's answers are given in advance (no terminal: ask() answers null).
import type { Config } from "../lib/config.js";
import type { CliCommand, CliIo } from "../cli/command.js";

export interface CapturedIo extends CliIo {
  stdout: string[];
  stderr: string[];
  /** Everything printed, both streams, one line per entry. */
  text(): string;
}

export function capturedIo(input: { stdin?: string; answers?: string[] } = {}): CapturedIo {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const answers = input.answers ? [...input.answers] : null;
  return {
    stdout,
    stderr,
    out: (line) => stdout.push(line),
    err: (line) => stderr.push(line),
    ask: async () => (answers ? (answers.shift() ?? "") : null),
    stdin: async () => input.stdin ?? "",
    text: () => [...stdout, ...stderr].join("\n"),
  };
}

/** The environment a test's configuration was loaded from, for runCli (which loads it again). */
export function cliEnv(config: Config, overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    NODE_ENV: "test",
    DATABASE_URL: config.DATABASE_URL,
    REDIS_URL: config.REDIS_URL,
    REDIS_PREFIX: config.REDIS_PREFIX,
    DATA_DIR: config.DATA_DIR,
    LOG_LEVEL: "silent",
    WORKER_CONCURRENCY: String(config.WORKER_CONCURRENCY),
    ...overrides,
  };
}

/** Runs one command in-process with a captured io: its exit code and what it printed. */
export async function runCommand(command: CliCommand, config: Config, values: Record<string, string | boolean | undefined>, positionals: string[] = []): Promise<{ code: number; io: CapturedIo }> {
  const io = capturedIo();
  return { code: await command.run({ config, values, positionals, io }), io };
}
