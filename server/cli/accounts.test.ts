// create-admin and reset-password, in-process against a database of their own: the password
// from stdin, typed twice, or generated; the school chosen or created; refusals; sessions ended.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestEnv, type TestEnv } from "../test/harness.js";
import { capturedIo, cliEnv } from "../test/cli-io.js";
import { verifySecret } from "../lib/auth/secrets.js";
import { runCli } from "./run.js";

let env: TestEnv;
const korrigo = (argv: string[], io = capturedIo()) => runCli(argv, io, cliEnv(env.config));
const user = (email: string) => env.ctx.db.user.findUniqueOrThrow({ where: { email }, include: { school: true } });
const audited = (action: string, targetId: string) => env.ctx.db.auditLog.findMany({ where: { action, targetId } });

beforeAll(async () => {
  env = await createTestEnv();
});
afterAll(() => env.close());

describe("create-admin", () => {
  it("creates the first school and its admin, the password read from stdin; audited", async () => {
    const io = capturedIo({ stdin: "un mot de passe solide 2026\n" });
    const code = await korrigo(["create-admin", "--email", " Proviseur@Lycee-Hugo.fr ", "--name", "Anne Martin", "--school", "Lycée Victor Hugo", "--password-stdin"], io);
    expect(code).toBe(0);
    const admin = await user("proviseur@lycee-hugo.fr");
    expect(admin).toMatchObject({ role: "ADMIN", displayName: "Anne Martin", school: { name: "Lycée Victor Hugo", slug: "lycee-victor-hugo" } });
    expect(await verifySecret(admin.passwordHash, "un mot de passe solide 2026")).toBe(true);
    expect(io.text()).not.toContain("solide");
    expect(await audited("user.created_by_cli", admin.id)).toEqual([expect.objectContaining({ actorType: "system", schoolId: admin.schoolId, data: { role: "ADMIN", newSchool: true } })]);
  });

  it("puts a second admin in the only school, with a generated password shown once", async () => {
    const io = capturedIo();
    expect(await korrigo(["create-admin", "--email", "adjoint@lycee-hugo.fr", "--name", "Paul Adjoint"], io)).toBe(0);
    const password = /Password \(shown only once, note it now\): (\S+)/.exec(io.stdout.join("\n"))?.[1];
    expect(password).toHaveLength(20);
    const admin = await user("adjoint@lycee-hugo.fr");
    expect(admin.school.name).toBe("Lycée Victor Hugo");
    expect(await verifySecret(admin.passwordHash, password!)).toBe(true);
  });

  it("asks the password twice on a terminal, again after a refused or mistyped one", async () => {
    const io = capturedIo({ answers: ["court", "encore un bon mot de passe", "pas le meme", "encore un bon mot de passe", "encore un bon mot de passe"] });
    expect(await korrigo(["create-admin", "--email", "cpe@lycee-hugo.fr", "--name", "Claire Cpe", "--school", "lycee-victor-hugo"], io)).toBe(0);
    expect(io.stderr).toEqual([expect.stringContaining("12 caractères"), "The two passwords differ."]);
    expect(await verifySecret((await user("cpe@lycee-hugo.fr")).passwordHash, "encore un bon mot de passe")).toBe(true);
  });

  it("refuses an e-mail already taken (exit 3) and a weak password (exit 2), creating nothing", async () => {
    const taken = capturedIo({ stdin: "un autre mot de passe long\n" });
    expect(await korrigo(["create-admin", "--email", "proviseur@lycee-hugo.fr", "--name", "Autre", "--password-stdin"], taken)).toBe(3);
    expect(taken.stderr).toEqual([expect.stringContaining("proviseur@lycee-hugo.fr already exists")]);

    const weak = capturedIo({ stdin: "motdepasse\n" });
    expect(await korrigo(["create-admin", "--email", "faible@lycee-hugo.fr", "--name", "Faible", "--password-stdin"], weak)).toBe(2);
    expect(weak.stderr[0]).toContain("password refused: Le mot de passe doit contenir au moins 12 caractères.");
    const named = capturedIo({ stdin: "jean-dupont-2026-ok\n" });
    expect(await korrigo(["create-admin", "--email", "jean@lycee-hugo.fr", "--name", "Jean Dupont", "--password-stdin"], named)).toBe(2);
    expect(named.stderr[0]).toContain("votre nom");
    expect(await env.ctx.db.user.count({ where: { email: { in: ["faible@lycee-hugo.fr", "jean@lycee-hugo.fr"] } } })).toBe(0);
  });

  it("with several schools, a name no school has is refused unless --new-school says to create it", async () => {
    const unknown = capturedIo();
    expect(await korrigo(["create-admin", "--email", "a@lycee-camus.fr", "--name", "A B", "--school", "Lycée Camus"], unknown)).toBe(3);
    expect(unknown.stderr[0]).toContain("--new-school");
    expect(await korrigo(["create-admin", "--email", "a@lycee-camus.fr", "--name", "A B", "--school", "Lycée Camus", "--new-school"])).toBe(0);
    expect((await user("a@lycee-camus.fr")).school.name).toBe("Lycée Camus");

    const ambiguous = capturedIo();
    expect(await korrigo(["create-admin", "--email", "b@lycee-camus.fr", "--name", "B C"], ambiguous)).toBe(2);
    expect(ambiguous.stderr[0]).toContain("2 schools");
    expect(await korrigo(["create-admin", "--email", "b@lycee-camus.fr", "--name", "B C", "--school", "LYCEE CAMUS", "--new-school"])).toBe(3);
    expect(await env.ctx.db.school.count()).toBe(2);
  });
});

describe("reset-password", () => {
  it("sets the new password and ends every session of the account, not others; audited", async () => {
    const admin = await user("proviseur@lycee-hugo.fr");
    const other = await user("adjoint@lycee-hugo.fr");
    const session = (id: string) => ({ cookie: {}, passport: { user: { kind: "staff", id } } });
    await env.ctx.db.session.createMany({
      data: [
        { sid: "s-admin-1", sess: session(admin.id), expire: new Date(Date.now() + 3600_000) },
        { sid: "s-admin-2", sess: session(admin.id), expire: new Date(Date.now() + 3600_000) },
        { sid: "s-other", sess: session(other.id), expire: new Date(Date.now() + 3600_000) },
      ],
    });
    const io = capturedIo({ stdin: "nouveau mot de passe robuste\n" });
    expect(await korrigo(["reset-password", "--email", "Proviseur@lycee-hugo.fr", "--password-stdin"], io)).toBe(0);
    expect(await verifySecret((await user("proviseur@lycee-hugo.fr")).passwordHash, "nouveau mot de passe robuste")).toBe(true);
    expect((await env.ctx.db.session.findMany({ select: { sid: true } })).map((s) => s.sid)).toEqual(["s-other"]);
    expect(await audited("auth.password.reset_by_cli", admin.id)).toHaveLength(1);
  });

  it("generates a password when none is given, and says when no account has the e-mail (exit 1)", async () => {
    const io = capturedIo();
    expect(await korrigo(["reset-password", "--email", "adjoint@lycee-hugo.fr"], io)).toBe(0);
    const password = /New password for adjoint@lycee-hugo.fr \(shown only once\): (\S+)/.exec(io.stdout.join("\n"))?.[1];
    expect(await verifySecret((await user("adjoint@lycee-hugo.fr")).passwordHash, password!)).toBe(true);

    const missing = capturedIo();
    expect(await korrigo(["reset-password", "--email", "personne@lycee-hugo.fr"], missing)).toBe(1);
    expect(missing.stderr).toEqual(["korrigo reset-password: no staff account has the e-mail personne@lycee-hugo.fr."]);
  });
});
