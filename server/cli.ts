// The `korrigo` process: `npm run korrigo -- <command>`, `npx korrigo <command>` (scripts/korrigo.mjs)
// or, in the Docker image, `node dist/server/cli.js <command>`. The commands are in server/cli/.
import { loadDotEnv } from "./lib/config.js";
import { processIo } from "./cli/io.js";
import { runCli } from "./cli/run.js";

loadDotEnv();
const io = processIo();
runCli(process.argv.slice(2), io, process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    io.err(`korrigo: ${(error as Error).message}`);
    process.exit(1);
  },
);
