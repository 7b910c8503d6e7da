// The shape of one `korrigo <command>`: its help, its options (node:util parseArgs) and what it
// does. server/cli/run.ts lists the commands and runs the one asked for.
import type { ParseArgsConfig } from "node:util";
import type { Config } from "../lib/config.js";

/** Exit codes, the same for every command (documented in docs/OPERATIONS.md). */
export const EXIT = {
  OK: 0,
  /** The work failed (a service down, a checksum mismatch…): the message says what. */
  FAILED: 1,
  /** Unknown command, bad or missing option. */
  USAGE: 2,
  /** Refused for safety (a non-empty database without --force, production without --yes…). */
  REFUSED: 3,
  /** The configuration is invalid (EX_CONFIG). */
  CONFIG: 78,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export interface CliIo {
  /** Results and progress, for the operator (stdout). */
  out(line: string): void;
  /** Problems (stderr). */
  err(line: string): void;
  /** Asks a question on the terminal; null when stdin is not a terminal. */
  ask(question: string, opts?: { secret?: boolean }): Promise<string | null>;
  /** Everything piped on stdin, for options such as --password-stdin. */
  stdin(): Promise<string>;
}

export type OptionValues = Record<string, string | boolean | undefined>;

export interface CliInput {
  config: Config;
  values: OptionValues;
  positionals: string[];
  io: CliIo;
}

interface CommandInfo {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  /** The whole `--help` text: usage line, options, examples. */
  help: string;
  options?: NonNullable<ParseArgsConfig["options"]>;
  /** Whether positionals after the command name are accepted (e.g. `restore DIR`). */
  positionals?: boolean;
}

export interface CliCommand extends CommandInfo {
  run(input: CliInput): Promise<ExitCode>;
}

/**
 * A command that must run even when the configuration is invalid (check-config): it gets the
 * environment and loads the configuration itself.
 */
export interface EnvironmentCommand extends CommandInfo {
  runWithEnvironment(input: Omit<CliInput, "config"> & { env: NodeJS.ProcessEnv }): Promise<ExitCode>;
}

/** A usage mistake: printed with a pointer to the command's help, exit code 2. */
export class UsageError extends Error {}

/** The operator said no, or the action is unsafe without a flag: exit code 3, with the message. */
export class RefusedError extends Error {}
