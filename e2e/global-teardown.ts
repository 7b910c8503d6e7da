// Stops the e2e stack and drops its database and Redis keys (from e2e/.run/state.json).
import { stopStack } from "./stack.js";

export default async function globalTeardown(): Promise<void> {
  await stopStack();
}
