// The `korrigo` entry points: the list of commands, each command's help, and the exit codes of
// usage mistakes and an invalid configuration; then the real processes (bin shim, cli.ts).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { capturedIo } from "../test/cli-io.js";
import { COMMANDS, runCli } from "./run.js";

const DEV_ENV = { NODE_ENV: "development", LOG_LEVEL: "silent" };

describe("korrigo (in-process)", () => {
  it("lists every command with no command, --help or help", async () => {
    for (const argv of [[], ["--help"], ["help"]]) {
      const io = capturedIo();
      expect(await runCli(argv, io, DEV_ENV)).toBe(0);
      for (const name of ["create-admin", "reset-password", "check-config", "migrate", "recover", "cleanup", "backup", "restore", "check-services", "seed-demo"]) {
        expect(io.stdout.join("\n")).toContain(`  ${name} `);
      }
    }
  });

  it("prints each command's help with --help (and `help <command>`), exit 0", async () => {
    for (const command of COMMANDS) {
      const io = capturedIo();
      expect(await runCli([command.name, "--help"], io, DEV_ENV)).toBe(0);
      expect(io.stdout.join("\n")).toBe(command.help);
      const again = capturedIo();
      expect(await runCli(["help", command.name], again, DEV_ENV)).toBe(0);
      expect(again.stdout).toEqual(io.stdout);
    }
  });

  it("answers a usage mistake with one line on stderr and exit 2", async () => {
    const cases = [["no-such-command"], ["recover", "--no-such-option"], ["recover", "extra"], ["migrate", "sideways"], ["create-admin", "--email", "not-an-address", "--name", "X"], ["create-admin", "--email"]];
    for (const argv of cases) {
      const io = capturedIo();
      expect(await runCli(argv, io, DEV_ENV), argv.join(" ")).toBe(2);
      expect(io.stdout).toEqual([]);
      expect(io.stderr).toHaveLength(1);
      expect(io.stderr[0]).toMatch(/^korrigo/);
    }
  });

  it("refuses to run a command on an invalid configuration: every problem, exit 78", async () => {
    const io = capturedIo();
    const env = { NODE_ENV: "production", PUBLIC_URL: "http://korrigo.example.fr", SESSION_SECRET: "short", LOG_LEVEL: "silent" };
    expect(await runCli(["recover"], io, env)).toBe(78);
    expect(io.stderr.join("\n")).toContain("SESSION_SECRET");
    expect(io.stderr.join("\n")).toContain("PUBLIC_URL");
  });
});

describe("korrigo (processes)", () => {
  const run = (args: string[]) => spawnSync(process.execPath, args, { encoding: "utf8", env: { PATH: process.env.PATH, NODE_ENV: "development" }, timeout: 60_000 });

  it("npx korrigo (scripts/korrigo.mjs) prints the list of commands, exit 0", () => {
    const result = run(["scripts/korrigo.mjs", "--help"]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("Usage: korrigo <command>");
    expect(result.stdout).toContain("  recover ");
  }, 60_000);

  it("server/cli.ts exits 2 on an unknown command, saying so on stderr", () => {
    const result = run(["--import", "tsx", "server/cli.ts", "frobnicate"]);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trim()).toBe('korrigo: unknown command "frobnicate". Run `korrigo --help` for the list of commands.');
  }, 60_000);
});
