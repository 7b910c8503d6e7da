// `korrigo seed-demo`: the demo school, on an empty database only (`npm start` does it too).
import { EXIT, type CliCommand } from "./command.js";
import { withDb } from "./context.js";
import { formatDemoLogins, seedDemo } from "./demo.js";

export const seedDemoCommand: CliCommand = {
  name: "seed-demo",
  summary: "create the demo school if the database has no school",
  help: `Usage: korrigo seed-demo

Creates a demo school (an admin, two teachers, a class of 24 students, a demo exam) when the
database has no school yet, and prints its logins once. Does nothing on a database in use.

Exit codes: 0 done or nothing to do, 1 failed.`,
  async run({ config, io }) {
    const logins = await withDb(config, seedDemo);
    io.out(logins ? formatDemoLogins(logins) : "The database already has a school: nothing seeded.");
    return EXIT.OK;
  },
};
