// `korrigo check-services`: the quick check `npm start` does before starting anything.
import { missingTools, unreachableServices } from "../lib/services-check.js";
import { EXIT, type CliCommand } from "./command.js";

export const checkServicesCommand: CliCommand = {
  name: "check-services",
  summary: "check that PostgreSQL and Redis answer and the PDF tools are installed",
  help: `Usage: korrigo check-services

Checks that PostgreSQL and Redis answer at DATABASE_URL and REDIS_URL and that qpdf and
pdfimages are installed; says what is missing and how to start or install it.
(check-config checks all of this and more.)

Exit codes: 0 all there, 1 something is missing.`,
  async run({ config, io }) {
    const problems = [...(await unreachableServices(config.DATABASE_URL, config.REDIS_URL)), ...(await missingTools())];
    problems.forEach((p) => io.err(p));
    if (problems.length === 0) io.out("PostgreSQL and Redis answer; qpdf and pdfimages are installed.");
    return problems.length ? EXIT.FAILED : EXIT.OK;
  },
};
