// Browser tests against the built app behind nginx; global-setup.ts starts the stack.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "./tests",
  globalSetup: "./global-setup.ts",
  globalTeardown: "./global-teardown.ts",
  // One worker: the machine has two cores, and the API, worker and nginx need them too.
  workers: 1,
  retries: 0,
  reporter: "list",
  forbidOnly: !!process.env.CI,
  outputDir: "../test-results",
  use: {
    // Unset while the runner loads this file; set by global-setup before workers load it.
    baseURL: process.env.KORRIGO_E2E_BASE_URL,
    locale: "fr-FR",
    screenshot: "only-on-failure",
    trace: "retain-on-failure",
    // The system chromium from apt (no browser download); CHROMIUM_PATH overrides it
    // where the browser lives elsewhere (GitHub's runners ship Google Chrome).
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    },
  },
});
