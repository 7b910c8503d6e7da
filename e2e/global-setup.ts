// Starts the e2e stack; the tests reach it through nginx at KORRIGO_E2E_BASE_URL, which the
// workers inherit (they re-read playwright.config.ts after this has run).
import { startStack } from "./stack.js";

export default async function globalSetup(): Promise<void> {
  const { baseURL } = await startStack();
  process.env.KORRIGO_E2E_BASE_URL = baseURL;
  process.stdout.write(`e2e: stack ready at ${baseURL}\n`);
}
