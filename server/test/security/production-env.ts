// The app as production builds it (NODE_ENV=production and the settings production insists on),
// for the tests of session cookies and security headers, and a client that talks to it the way
// a browser does through the TLS-terminating proxy (nginx): X-Forwarded-Proto and a cookie jar
// that keeps Secure cookies (supertest's agent never sends those over plain http).
import { randomBytes } from "node:crypto";
import { inject } from "vitest";
import request from "supertest";
import type { Express } from "express";
import { loadConfig } from "../../lib/config.js";
import { closeContext, createContext } from "../../lib/context.js";
import { dropDatabase, ensureDatabase } from "../../lib/database.js";
import { createApp } from "../../app.js";
import { testConfig, type TestEnv } from "../harness.js";

export const PRODUCTION_PUBLIC_URL = "https://korrigo.lycee-test.fr";

/** `url` with a strong password in it: production refuses an empty or default one. */
function withStrongPassword(url: string): string {
  const parsed = new URL(url);
  parsed.username ||= "postgres";
  parsed.password = randomBytes(24).toString("base64url");
  return parsed.toString();
}

/**
 * loadConfig validates a real production environment (it throws on any unsafe setting), then
 * only the database address is swapped back to this test file's database, whose local password
 * may be empty (trust authentication): everything else is what production runs with.
 */
export async function createProductionEnv(overrides: Record<string, string> = {}): Promise<TestEnv> {
  const test = testConfig();
  const production = loadConfig({
    NODE_ENV: "production",
    DATABASE_URL: withStrongPassword(test.DATABASE_URL),
    REDIS_URL: test.REDIS_URL,
    REDIS_PREFIX: test.REDIS_PREFIX,
    SESSION_SECRET: randomBytes(48).toString("base64"),
    PUBLIC_URL: PRODUCTION_PUBLIC_URL,
    // One proxy (nginx) in front: its X-Forwarded-Proto is believed, nobody else's.
    TRUST_PROXY: "1",
    LOG_LEVEL: "silent",
    WORKER_METRICS_PORT: "0",
    ...overrides,
  });
  const config = { ...production, DATABASE_URL: test.DATABASE_URL };
  await ensureDatabase(config.DATABASE_URL, inject("templateDatabase"));
  const ctx = createContext(config, "test");
  return {
    ctx,
    config,
    app: createApp(ctx),
    async close() {
      const keys = await ctx.redis.keys(`${config.REDIS_PREFIX}:*`);
      if (keys.length > 0) await ctx.redis.del(...keys);
      await closeContext(ctx);
      await dropDatabase(config.DATABASE_URL);
    },
  };
}

export interface SetCookie {
  name: string;
  value: string;
  /** Attribute names in lower case; flags (HttpOnly, Secure) have the value "". */
  attributes: Map<string, string>;
}

export function parseSetCookie(line: string): SetCookie {
  const [pair = "", ...rest] = line.split(";").map((part) => part.trim());
  const eq = pair.indexOf("=");
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const at = part.indexOf("=");
    attributes.set((at < 0 ? part : part.slice(0, at)).toLowerCase(), at < 0 ? "" : part.slice(at + 1));
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

export function setCookies(res: request.Response): SetCookie[] {
  return ([] as string[]).concat(res.headers["set-cookie"] ?? []).map(parseSetCookie);
}

/** The session id inside a signed express-session cookie value ("s:<id>.<signature>"). */
export function sessionIdOf(cookieValue: string): string {
  const decoded = decodeURIComponent(cookieValue);
  return decoded.slice(2, decoded.lastIndexOf("."));
}

const expired = (cookie: SetCookie) => cookie.value === "" || new Date(cookie.attributes.get("expires") ?? "9999-12-31").getTime() <= Date.now();

interface Call {
  body?: unknown;
  csrf?: string;
  headers?: Record<string, string>;
}

/**
 * A browser behind the proxy: every request says it came over https (`forwardedProto`, or
 * nothing for a plain-http request straight to the API), and the cookies it is given are sent
 * back, Secure ones included, as a browser on the https site would.
 */
export class Browser {
  readonly jar = new Map<string, string>();

  constructor(
    private readonly app: Express,
    private readonly forwardedProto: string | null = "https",
  ) {}

  /** The cookies as a Cookie header, for a request built by hand (a multipart upload). */
  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async call(method: "get" | "post" | "put" | "patch" | "delete", path: string, options: Call = {}): Promise<request.Response> {
    let req = request(this.app)[method](path);
    if (this.forwardedProto) req = req.set("X-Forwarded-Proto", this.forwardedProto);
    if (this.jar.size > 0) req = req.set("Cookie", this.cookieHeader());
    if (options.csrf) req = req.set("X-CSRF-Token", options.csrf);
    for (const [name, value] of Object.entries(options.headers ?? {})) req = req.set(name, value);
    const res = await (options.body === undefined ? req : req.send(options.body as object));
    for (const cookie of setCookies(res)) {
      if (expired(cookie)) this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, cookie.value);
    }
    return res;
  }
}
