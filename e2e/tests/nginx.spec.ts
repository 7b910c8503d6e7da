// What nginx itself adds in front of the app: SPA fallback, caching, proxying, hidden version.
import { expect, test } from "@playwright/test";

test("deep links get index.html, revalidated on every visit", async ({ request }) => {
  const res = await request.get("/enseignant");
  expect(res.status()).toBe(200);
  expect(res.headers()["content-type"]).toContain("text/html");
  expect(res.headers()["cache-control"]).toBe("no-cache");
  expect(await res.text()).toContain('<div id="app">');
});

test("hashed assets are cached for a year and compressed", async ({ request }) => {
  const html = await (await request.get("/")).text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  expect(script, "index.html references a bundle under /assets/").toBeTruthy();
  const res = await request.get(script!, { headers: { "Accept-Encoding": "gzip" } });
  expect(res.status()).toBe(200);
  expect(res.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  expect(res.headers()["content-encoding"]).toBe("gzip");
  expect((await request.get("/assets/does-not-exist.js")).status()).toBe(404);
});

test("/api/ reaches the API with nginx's request id, and nginx hides its version", async ({ request }) => {
  const res = await request.get("/api/health/ready");
  expect(res.status()).toBe(200);
  expect(((await res.json()) as { status: string }).status).toBe("ready");
  // nginx's $request_id is 32 hex digits; the API echoes the id it was given.
  expect(res.headers()["x-request-id"]).toMatch(/^[0-9a-f]{32}$/);
  expect(res.headers()["server"]).toBe("nginx");
});

test("the X-Accel-Redirect location cannot be fetched directly", async ({ request }) => {
  expect((await request.get("/_protected/anything")).status()).toBe(404);
});
