// The production nginx configuration, rendered by nginx/render.ts and run by Debian's nginx in
// front of a small HTTP upstream standing in for the API: what a browser and the API see.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import { connect, createServer as createTcpServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxBodyBytes, prepareNginxPrefix } from "../../../nginx/render.js";
import { loadConfig } from "../../lib/config.js";

const NGINX_BIN = process.env.NGINX_BIN ?? "/usr/sbin/nginx";
const SCAN_MAX_BYTES = 1024 * 1024;
const UPLOAD_LIMIT = maxBodyBytes({ SCAN_MAX_BYTES });
/** The proxy in front of nginx: connections from this loopback address are believed. */
const TRUSTED_PROXY = "127.0.0.2";
const INDEX_HTML = "<!doctype html><title>Korrigo</title><div id=app></div>";
const BUNDLE = "export const korrigo = () => 'copies, barèmes, annotations';\n".repeat(400);
const PAGE_IMAGE = "pretend this is a page image";

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

/** What the stand-in API was sent, answered back as JSON by /api/echo and the upload route. */
interface Seen {
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  bodyBytes: number;
}

let dir: string;
let port: number;
let upstream: Server;
let nginx: ChildProcess;
let nginxArgs: string[];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createTcpServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: free } = server.address() as AddressInfo;
      server.close(() => resolve(free));
    });
  });
}

/** The stand-in API: echoes what reached it, hands a page image to nginx, or drops the connection. */
function startUpstream(): Promise<Server> {
  const server = createHttpServer((req, res) => {
    if (req.url === "/api/pages/p1/image") {
      res.setHeader("X-Accel-Redirect", "/_protected/pages/p1.webp");
      res.setHeader("Cache-Control", "private, max-age=300");
      res.end();
      return;
    }
    if (req.url === "/api/crash") {
      req.socket.destroy();
      return;
    }
    let bodyBytes = 0;
    req.on("data", (chunk: Buffer) => (bodyBytes += chunk.length));
    req.on("end", () => {
      const seen: Seen = { headers: req.headers, rawHeaders: req.rawHeaders, bodyBytes };
      res.setHeader("Content-Type", "application/json");
      res.end(JSON.stringify(seen));
    });
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

function send(
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer; localAddress?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, path: target, method: options.method ?? "GET", headers: options.headers, localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    // nginx may refuse an oversized body before reading it and close the connection: the
    // answer still arrives, the rest of the upload is simply not wanted.
    req.on("error", (error: NodeJS.ErrnoException) => (error.code === "EPIPE" || error.code === "ECONNRESET" ? undefined : reject(error)));
    req.end(options.body);
  });
}

const seenBy = (reply: Reply) => JSON.parse(reply.body.toString("utf8")) as Seen;
const count = (rawHeaders: string[], name: string) => rawHeaders.filter((h, i) => i % 2 === 0 && h.toLowerCase() === name).length;

async function waitForPort(deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (nginx.exitCode !== null) throw new Error(`nginx exited with ${nginx.exitCode}`);
    const opened = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => resolve(true)).once("error", () => resolve(false));
      socket.once("close", () => socket.destroy());
    });
    if (opened) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port} within ${deadlineMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "korrigo-nginx-"));
  const web = path.join(dir, "web");
  const data = path.join(dir, "data");
  mkdirSync(path.join(web, "assets"), { recursive: true });
  mkdirSync(path.join(data, "pages"), { recursive: true });
  writeFileSync(path.join(web, "index.html"), INDEX_HTML);
  writeFileSync(path.join(web, "assets", "index-3f2a9c.js"), BUNDLE);
  writeFileSync(path.join(data, "pages", "p1.webp"), PAGE_IMAGE);

  upstream = await startUpstream();
  port = await freePort();
  nginxArgs = prepareNginxPrefix(
    path.join(dir, "nginx"),
    {
      KORRIGO_LISTEN: `127.0.0.1:${port}`,
      KORRIGO_API_UPSTREAM: `127.0.0.1:${(upstream.address() as AddressInfo).port}`,
      KORRIGO_WEB_ROOT: web,
      KORRIGO_DATA_DIR: data,
      KORRIGO_TRUSTED_PROXIES: TRUSTED_PROXY,
    },
    { SCAN_MAX_BYTES },
  );
  nginx = spawn(NGINX_BIN, nginxArgs, { stdio: "ignore" });
  await waitForPort(10_000);
});

afterAll(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = once(nginx, "exit");
    nginx.kill("SIGTERM");
    await exited;
  }
  await new Promise((resolve) => upstream?.close(resolve));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("nginx configuration", () => {
  it("passes nginx -t", () => {
    const check = spawnSync(NGINX_BIN, ["-t", ...nginxArgs], { encoding: "utf8" });
    expect(check.stderr).toContain("test is successful");
    expect(check.status).toBe(0);
  });

  it("sends the security headers once each on the SPA", async () => {
    const reply = await send("/");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(reply.headers["content-security-policy"]).toContain("script-src 'self'");
    expect(reply.headers["strict-transport-security"]).toMatch(/^max-age=\d+/);
    expect(reply.headers["x-content-type-options"]).toBe("nosniff");
    expect(reply.headers["referrer-policy"]).toBe("no-referrer");
    expect(reply.headers["permissions-policy"]).toContain("camera=()");
    for (const name of ["content-security-policy", "strict-transport-security", "x-content-type-options", "cache-control"]) {
      expect(count(reply.rawHeaders, name)).toBe(1);
    }
    expect(reply.headers.server).toBe("nginx");
  });

  it("caches hashed assets for a year and always revalidates index.html and client routes", async () => {
    const asset = await send("/assets/index-3f2a9c.js");
    expect(asset.status).toBe(200);
    expect(asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(asset.headers["content-security-policy"]).toContain("default-src 'self'");

    const index = await send("/index.html");
    expect(index.headers["cache-control"]).toBe("no-cache");
    expect(index.headers["x-content-type-options"]).toBe("nosniff");

    const route = await send("/correction/copies/42");
    expect(route.status).toBe(200);
    expect(route.body.toString()).toBe(INDEX_HTML);
    expect(route.headers["cache-control"]).toBe("no-cache");
  });

  it("falls back to the SPA for client routes but not for a missing asset", async () => {
    expect((await send("/connexion")).body.toString()).toBe(INDEX_HTML);
    expect((await send("/assets/index-000000.js")).status).toBe(404);
  });

  it("never forwards /metrics to the API: only /api/ is proxied", async () => {
    const reply = await send("/metrics", { headers: { Authorization: "Bearer guess" } });
    expect(reply.body.toString()).toBe(INDEX_HTML);
  });

  it("keeps /_protected/ unreachable from outside but serves it on the API's X-Accel-Redirect", async () => {
    expect((await send("/_protected/pages/p1.webp")).status).toBe(404);
    const image = await send("/api/pages/p1/image");
    expect(image.status).toBe(200);
    expect(image.body.toString()).toBe(PAGE_IMAGE);
    expect(image.headers["cache-control"]).toBe("private, max-age=300");
    // The editor frames exam documents: same origin only, and still nosniff.
    expect(count(image.rawHeaders, "content-security-policy")).toBe(1);
    expect(image.headers["content-security-policy"]).toBe("frame-ancestors 'self'");
    expect(image.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("refuses an upload over the API's limit with the API's JSON error shape", async () => {
    const reply = await send("/api/exams/e1/scans", { method: "POST", body: Buffer.alloc(UPLOAD_LIMIT + 1) });
    expect(reply.status).toBe(413);
    const body = JSON.parse(reply.body.toString("utf8")) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(body.error.requestId).toMatch(/^[0-9a-f]{32}$/);
  });

  it("streams an upload up to the limit to the API, and keeps other API bodies small", async () => {
    const upload = await send("/api/exams/e1/scans", { method: "POST", body: Buffer.alloc(UPLOAD_LIMIT) });
    expect(upload.status).toBe(200);
    expect(seenBy(upload).bodyBytes).toBe(UPLOAD_LIMIT);

    const late = await send("/api/booklets/b1/late-pages?position=2", { method: "POST", body: Buffer.alloc(SCAN_MAX_BYTES) });
    expect(seenBy(late).bodyBytes).toBe(SCAN_MAX_BYTES);

    expect((await send("/api/echo", { method: "POST", body: Buffer.alloc(3 * 1024 * 1024) })).status).toBe(413);
  });

  it("gives the API the real client address, whatever X-Forwarded-For the client sends", async () => {
    const forged = await send("/api/echo", { headers: { "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https" } });
    const seen = seenBy(forged);
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(count(seen.rawHeaders, "x-forwarded-for")).toBe(1);
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
    expect(seen.headers["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
  });

  it("believes the trusted proxy in front, and only the hop it added", async () => {
    const viaProxy = await send("/api/echo", {
      localAddress: TRUSTED_PROXY,
      headers: { "X-Forwarded-For": "198.51.100.4, 203.0.113.9", "X-Forwarded-Proto": "https" },
    });
    const seen = seenBy(viaProxy);
    expect(seen.headers["x-forwarded-for"]).toBe("203.0.113.9");
    expect(seen.headers["x-forwarded-proto"]).toBe("https");
  });

  it("answers in the API's JSON error shape when the API fails", async () => {
    const reply = await send("/api/crash");
    expect(reply.status).toBe(502);
    expect(reply.headers["content-type"]).toContain("application/json");
    expect((JSON.parse(reply.body.toString("utf8")) as { error: { code: string } }).error.code).toBe("UNAVAILABLE");
  });

  it("gzips a large bundle for a client that accepts it", async () => {
    const reply = await send("/assets/index-3f2a9c.js", { headers: { "Accept-Encoding": "gzip" } });
    expect(reply.headers["content-encoding"]).toBe("gzip");
    expect(reply.headers.vary).toContain("Accept-Encoding");
    expect(reply.body.length).toBeLessThan(Buffer.byteLength(BUNDLE) / 10);
    expect(gunzipSync(reply.body).toString("utf8")).toBe(BUNDLE);
  });
});

describe("the image's upload limit (nginx/max-body.envsh)", () => {
  /** What the official image's entrypoint exports before rendering the template. */
  const envshLimit = (env: Record<string, string>) => {
    const run = spawnSync("sh", ["-c", '. nginx/max-body.envsh && printf %s "$KORRIGO_MAX_BODY"'], { encoding: "utf8", env: { PATH: process.env.PATH, ...env } });
    expect(run.stderr).toBe("");
    return Number(run.stdout);
  };

  it("is the API's limit, by default and when SCAN_MAX_BYTES is set", () => {
    expect(envshLimit({})).toBe(maxBodyBytes(loadConfig({})));
    expect(envshLimit({ SCAN_MAX_BYTES: "" })).toBe(maxBodyBytes(loadConfig({})));
    expect(envshLimit({ SCAN_MAX_BYTES: "123456789" })).toBe(maxBodyBytes(loadConfig({ SCAN_MAX_BYTES: "123456789" })));
  });
});
