// Staff accounts from the command line: the first admin of a school (there is no sign-up page),
// and a new password for someone locked out. Passwords are typed twice on a terminal (hidden),
// read from stdin with --password-stdin, or generated and shown once; the policy of the web
// app applies (server/lib/auth/secrets.ts).
import { z } from "zod";
import type { Db, Prisma } from "../lib/db.js";
import { audit } from "../lib/audit.js";
import { hashSecret, passwordProblem } from "../lib/auth/secrets.js";
import { endStaffSessions } from "../modules/auth/service.js";
import { EXIT, RefusedError, UsageError, type CliCommand, type CliIo, type OptionValues } from "./command.js";
import { withDb } from "./context.js";
import { randomString } from "./demo.js";

const PASSWORD_OPTIONS = `  --password-stdin      read the password from stdin (first line), e.g. from a secret manager
                        Without it, the password is asked twice on a terminal (hidden; leave it
                        empty to generate one), or generated and printed once when there is no terminal.
                        Passwords need 12 characters or more and must not be common or contain the name.`;

function emailOption(values: OptionValues): string {
  const email = z.email().safeParse(typeof values.email === "string" ? values.email.trim().toLowerCase() : undefined);
  if (!email.success) throw new UsageError(values.email === undefined ? "--email is required" : `--email: "${String(values.email)}" is not an e-mail address`);
  return email.data;
}

/** What a password must not contain: the e-mail's name and the words of the display name. */
const personalWords = (email: string, displayName: string) => [email.split("@")[0] ?? "", ...displayName.split(/\s+/)];

function generatedPassword(personal: string[]): string {
  for (;;) {
    const password = randomString(20);
    if (!passwordProblem(password, personal)) return password;
  }
}

async function typedPassword(io: CliIo, personal: string[]): Promise<string | null> {
  for (let attempt = 1; attempt <= 3; attempt++) {
    const first = await io.ask("New password (leave empty to generate one): ", { secret: true });
    if (first === null || first === "") return null;
    const problem = passwordProblem(first, personal);
    if (problem) {
      io.err(`Password refused: ${problem}`);
      continue;
    }
    if ((await io.ask("The same password again: ", { secret: true })) === first) return first;
    io.err("The two passwords differ.");
  }
  throw new UsageError("no acceptable password after 3 attempts");
}

/** The new password, and whether it was generated (then it must be shown once). */
async function newPassword(io: CliIo, values: OptionValues, personal: string[]): Promise<{ password: string; generated: boolean }> {
  if (values["password-stdin"]) {
    const password = (await io.stdin()).split(/\r?\n/)[0] ?? "";
    const problem = passwordProblem(password, personal);
    if (problem) throw new UsageError(`password refused: ${problem}`);
    return { password, generated: false };
  }
  const typed = await typedPassword(io, personal);
  return typed === null ? { password: generatedPassword(personal), generated: true } : { password: typed, generated: false };
}

function schoolSlug(name: string, taken: Set<string>): string {
  const base = name.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "").slice(0, 60) || "etablissement";
  let slug = base;
  for (let n = 2; taken.has(slug); n++) slug = `${base}-${n}`;
  return slug;
}

interface SchoolChoice {
  /** Null: a school to create. */
  id: string | null;
  name: string;
  slug: string;
}

/**
 * The school of the new admin. One school (a lycée's own server): --school may be left out. An
 * académie's server has many: --school names one, and a name no school has is refused unless
 * --new-school says to create it, so that a typo never opens a second school.
 */
async function chooseSchool(db: Db, name: string | undefined, createNew: boolean): Promise<SchoolChoice> {
  const schools = await db.school.findMany({ select: { id: true, name: true, slug: true }, orderBy: { name: "asc" } });
  if (name === undefined) {
    if (createNew) throw new UsageError('--new-school needs --school "School name"');
    if (schools.length === 1) return schools[0]!;
    throw new UsageError(schools.length === 0 ? 'the database has no school yet: name it with --school "Lycée …"' : `the database has ${schools.length} schools: say which with --school "name"`);
  }
  const wanted = name.trim();
  if (!wanted) throw new UsageError("--school needs a name");
  const found = schools.find((s) => s.slug === wanted || s.name.localeCompare(wanted, "fr", { sensitivity: "base" }) === 0);
  if (found && createNew) throw new RefusedError(`a school named "${found.name}" already exists: leave out --new-school to add the admin to it`);
  if (found) return found;
  if (schools.length > 0 && !createNew) {
    throw new RefusedError(`no school is named "${wanted}" (the database has ${schools.length}): check the name, or add --new-school to create it`);
  }
  return { id: null, name: wanted, slug: schoolSlug(wanted, new Set(schools.map((s) => s.slug))) };
}

async function createAdmin(tx: Prisma.TransactionClient, school: SchoolChoice, user: { email: string; displayName: string; passwordHash: string }): Promise<void> {
  const schoolId = school.id ?? (await tx.school.create({ data: { name: school.name, slug: school.slug } })).id;
  const created = await tx.user.create({ data: { schoolId, role: "ADMIN", ...user } });
  await audit(tx, { schoolId, actorType: "system", action: "user.created_by_cli", targetType: "user", targetId: created.id, data: { role: "ADMIN", newSchool: school.id === null } });
}

export const createAdminCommand: CliCommand = {
  name: "create-admin",
  summary: "create an admin account (and its school, for the first one)",
  help: `Usage: korrigo create-admin --email E --name "Full Name" [--school "School name" [--new-school]] [--password-stdin]

Creates a staff account with the ADMIN role. Admins then create every other account in the app.

  --email E             the login (an e-mail not used by any account)
  --name "Full Name"    the name shown in the app and on graded copies
  --school "Name"       the school (its name or slug). May be left out when the database has one
                        school; on an empty database it names the school to create.
  --new-school          create the school named by --school even though the database has others
                        (an académie's server); without it a name no school has is refused.
${PASSWORD_OPTIONS}

Exit codes: 0 created, 2 bad option or password refused, 3 the e-mail is taken (or the school
choice is ambiguous), 78 invalid configuration.

Example: echo "$ADMIN_PASSWORD" | korrigo create-admin --email proviseur@lycee.fr --name "Anne Martin" --school "Lycée Victor Hugo" --password-stdin`,
  options: { email: { type: "string" }, name: { type: "string" }, school: { type: "string" }, "new-school": { type: "boolean" }, "password-stdin": { type: "boolean" } },
  async run({ config, values, io }) {
    const email = emailOption(values);
    const displayName = typeof values.name === "string" ? values.name.trim() : "";
    if (!displayName) throw new UsageError('--name "Full Name" is required');
    return withDb(config, async (db) => {
      if (await db.user.findUnique({ where: { email }, select: { id: true } })) {
        throw new RefusedError(`an account with the e-mail ${email} already exists (reset-password gives it a new password)`);
      }
      const school = await chooseSchool(db, values.school as string | undefined, values["new-school"] === true);
      const { password, generated } = await newPassword(io, values, personalWords(email, displayName));
      const passwordHash = await hashSecret(password);
      await db.$transaction((tx) => createAdmin(tx, school, { email, displayName, passwordHash }));
      io.out(`Created the admin account ${email} in ${school.id ? "" : "the new school "}"${school.name}".`);
      if (generated) io.out(`Password (shown only once, note it now): ${password}`);
      return EXIT.OK;
    });
  },
};

export const resetPasswordCommand: CliCommand = {
  name: "reset-password",
  summary: "give a staff account a new password and end its sessions",
  help: `Usage: korrigo reset-password --email E [--password-stdin]

Sets a new password for the staff account with this e-mail and ends all its sessions (audited).

  --email E             the account's e-mail
${PASSWORD_OPTIONS}

Exit codes: 0 done, 1 no such account, 2 bad option or password refused, 78 invalid configuration.`,
  options: { email: { type: "string" }, "password-stdin": { type: "boolean" } },
  async run({ config, values, io }) {
    const email = emailOption(values);
    return withDb(config, async (db) => {
      const user = await db.user.findUnique({ where: { email } });
      if (!user) {
        io.err(`korrigo reset-password: no staff account has the e-mail ${email}.`);
        return EXIT.FAILED;
      }
      const { password, generated } = await newPassword(io, values, personalWords(email, user.displayName));
      const passwordHash = await hashSecret(password);
      await db.$transaction(async (tx) => {
        await tx.user.update({ where: { id: user.id }, data: { passwordHash, passwordChangedAt: new Date() } });
        await endStaffSessions(tx, user.id);
        await audit(tx, { schoolId: user.schoolId, actorType: "system", targetType: "user", targetId: user.id, action: "auth.password.reset_by_cli" });
      });
      io.out(generated ? `New password for ${email} (shown only once): ${password}` : `New password set for ${email}.`);
      io.out("Their sessions were ended: they log in again with the new password.");
      return EXIT.OK;
    });
  },
};
