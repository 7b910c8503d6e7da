// Every `korrigo` command, and runCli: picks the command, parses its options, loads the
// configuration and maps what goes wrong to one line on stderr and an exit code (command.ts).
// server/cli.ts is the process entry; tests call runCli in-process with their own io and env.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../lib/config.js";
import { EXIT, RefusedError, UsageError, type CliCommand, type CliIo, type EnvironmentCommand, type ExitCode } from "./command.js";
import { createAdminCommand, resetPasswordCommand } from "./accounts.js";
import { checkConfigCommand } from "./check-config.js";
import { checkServicesCommand } from "./check-services.js";
import { migrateCommand } from "./migrate.js";
import { recoverCommand } from "./recover.js";
import { cleanupCommand } from "./cleanup.js";
import { backupCommand } from "./backup.js";
import { restoreCommand } from "./restore.js";
import { seedDemoCommand } from "./seed-demo.js";

export const COMMANDS: (CliCommand | EnvironmentCommand)[] = [
  createAdminCommand,
  resetPasswordCommand,
  checkConfigCommand,
  checkServicesCommand,
  migrateCommand,
  backupCommand,
  restoreCommand,
  recoverCommand,
  cleanupCommand,
  seedDemoCommand,
];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    "Usage: korrigo <command> [options]",
    "       (npm run korrigo -- <command> [options], or npx korrigo <command> [options])",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    "",
    "Run `korrigo <command> --help` for a command's options.",
    "Exit codes: 0 ok, 1 failed, 2 usage error, 3 refused for safety, 78 invalid configuration.",
  ].join("\n");
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split("\n")[0];

/** node:util parseArgs' own mistakes (unknown option, missing value…) are usage errors too. */
const isParseArgsError = (error: unknown) => typeof (error as { code?: unknown })?.code === "string" && (error as { code: string }).code.startsWith("ERR_PARSE_ARGS_");

function failure(io: CliIo, name: string, error: unknown): ExitCode {
  if (error instanceof UsageError || isParseArgsError(error)) {
    // parseArgs goes on with advice on "--" after its first sentence: the help says more.
    io.err(`korrigo ${name}: ${firstLine(error)?.split(". ")[0]}. See \`korrigo ${name} --help\`.`);
    return EXIT.USAGE;
  }
  if (error instanceof RefusedError) {
    io.err(`korrigo ${name}: refused: ${firstLine(error)}.`);
    return EXIT.REFUSED;
  }
  if (error instanceof ConfigError) {
    error.problems.forEach((problem) => io.err(`korrigo: configuration: ${problem}`));
    return EXIT.CONFIG;
  }
  io.err(`korrigo ${name}: ${firstLine(error)}`);
  return EXIT.FAILED;
}

async function runCommand(command: CliCommand | EnvironmentCommand, args: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args, options: { ...command.options, help: { type: "boolean", short: "h" } }, allowPositionals: true, strict: true });
  if (values.help) {
    io.out(command.help);
    return EXIT.OK;
  }
  if (positionals.length > 0 && !command.positionals) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if ("runWithEnvironment" in command) return command.runWithEnvironment({ env, values, positionals, io });
  return command.run({ config: loadConfig(env), values, positionals, io });
}

/** Runs `korrigo <argv>`; `env` is what the configuration is read from (the process's, .env included). */
export async function runCli(argv: string[], io: CliIo, env: NodeJS.ProcessEnv): Promise<ExitCode> {
  const [name, ...args] = argv;
  if (name === undefined || name === "--help" || name === "-h" || (name === "help" && args.length === 0)) {
    io.out(overview());
    return EXIT.OK;
  }
  const wanted = name === "help" ? args[0]! : name;
  const command = COMMANDS.find((c) => c.name === wanted);
  if (!command) {
    io.err(`korrigo: unknown command "${wanted}". Run \`korrigo --help\` for the list of commands.`);
    return EXIT.USAGE;
  }
  try {
    return await runCommand(command, name === "help" ? ["--help"] : args, io, env);
  } catch (error) {
    return failure(io, command.name, error);
  }
}
