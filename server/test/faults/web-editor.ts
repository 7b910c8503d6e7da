// The SPA's grading editor, as the browser runs it, driven from Node against a real listening
// API: web/src/stores/grading.ts with its lock, autosave (debounce, retries with back-off) and
// edits kept in the browser until the server has them. Only what a browser gives for free is
// supplied here: a cookie jar and the page's origin for fetch. IndexedDB is the test file's
// stand-in (vi.mock("idb-keyval"), no fake-indexeddb installed).
//
// The SPA's sources are loaded by path at run time: they are type-checked by vue-tsc with the
// web's settings (DOM, bundler resolution), which the server's tsc does not share.
import { fileURLToPath } from "node:url";
import { createPinia, setActivePinia } from "pinia";
import { vi } from "vitest";

/** The part of the grading store these tests use (web/src/stores/grading.ts). */
export interface GradingEditor {
  readonly saveStatus: "saved" | "saving" | "offline" | "error" | "conflict" | "kept";
  readonly saved: { version: number; scores: Record<string, number | null> } | null;
  readonly content: { scores: Record<string, number | null> };
  readonly lock: { kind: string };
  readonly loadError: string | null;
  readonly saveError: string | null;
  open(copyId: string, asGrader: boolean): Promise<void>;
  setScore(questionId: string, value: number | null): void;
  close(): Promise<void>;
}

interface WebModules {
  api: { getSession(): Promise<unknown>; login(email: string, password: string): Promise<unknown> };
  useGradingStore: () => GradingEditor;
}

const webFile = (relative: string) => fileURLToPath(new URL(`../../../web/src/${relative}`, import.meta.url));

async function loadWeb(): Promise<WebModules> {
  const [client, grading] = await Promise.all([import(/* @vite-ignore */ webFile("api/client.ts")), import(/* @vite-ignore */ webFile("stores/grading.ts"))]);
  return { api: client.api, useGradingStore: grading.useGradingStore };
}

/** fetch as a page at `origin` makes it: relative URLs resolved against it, cookies kept. */
function browserFetch(origin: string): typeof fetch {
  const jar = new Map<string, string>();
  const nodeFetch = globalThis.fetch;
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input), origin);
    const headers = new Headers(init?.headers);
    if (jar.size > 0) headers.set("Cookie", [...jar].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await nodeFetch(url, { ...init, headers });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ""] = cookie.split(";");
      const at = pair.indexOf("=");
      if (at > 0) jar.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
    return response;
  };
}

/**
 * The teacher logged in on the SPA served at `origin`, with the grading store ready to open a
 * copy. Call vi.unstubAllGlobals() when done.
 */
export async function webEditor(origin: string, email: string, password: string): Promise<GradingEditor> {
  vi.stubGlobal("fetch", browserFetch(origin));
  const web = await loadWeb();
  setActivePinia(createPinia());
  await web.api.getSession();
  await web.api.login(email, password);
  return web.useGradingStore();
}
