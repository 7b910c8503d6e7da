import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./config.js";

const SAFE_PRODUCTION = {
  NODE_ENV: "production",
  SESSION_SECRET: "x".repeat(48),
  DATABASE_URL: "postgresql://korrigo:S3cure-db-passw0rd@db:5432/korrigo",
  PUBLIC_URL: "https://korrigo.lycee-exemple.fr",
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("configuration", () => {
  it("gives development safe local defaults", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ NODE_ENV: "development", PORT: 8080, COOKIE_SECURE: false, production: false, WORKER_NICE: 10 });
    expect(config.SESSION_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it("accepts a safe production setting with Secure cookies", () => {
    expect(loadConfig(SAFE_PRODUCTION)).toMatchObject({ production: true, COOKIE_SECURE: true });
  });

  it("refuses each unsafe production setting with its own sentence", () => {
    expect(problems({ ...SAFE_PRODUCTION, SESSION_SECRET: "too-short" })).toEqual([expect.stringContaining("SESSION_SECRET")]);
    const { SESSION_SECRET: _omit, ...noSecret } = SAFE_PRODUCTION;
    expect(problems(noSecret)).toEqual([expect.stringContaining("SESSION_SECRET")]);
    expect(problems({ ...SAFE_PRODUCTION, DATABASE_URL: "postgresql://postgres:postgres@db/korrigo" })).toEqual([expect.stringContaining("database password")]);
    expect(problems({ ...SAFE_PRODUCTION, DATABASE_URL: "postgresql://postgres@db/korrigo" })).toEqual([expect.stringContaining("database password")]);
    expect(problems({ ...SAFE_PRODUCTION, PUBLIC_URL: "http://korrigo.lycee.fr" })).toEqual([expect.stringContaining("https://")]);
    expect(problems({ ...SAFE_PRODUCTION, COOKIE_SECURE: "false" })).toEqual([expect.stringContaining("COOKIE_SECURE")]);
  });

  it("reports malformed values", () => {
    expect(problems({ PORT: "eighty" })).toEqual([expect.stringContaining("PORT")]);
    expect(problems({ WORKER_NICE: "20" })).toEqual([expect.stringContaining("WORKER_NICE")]);
  });

  it("makes the API process refuse to start in production with a short SESSION_SECRET", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", "server/index.ts"], {
      env: { PATH: process.env.PATH, ...SAFE_PRODUCTION, SESSION_SECRET: "short" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.status).not.toBeNull();
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^korrigo: configuration: SESSION_SECRET must be set/)]);
  });
});
