// Demo data for a first look at Korrigo: one school, an admin, two teachers, a class of
// students and a demo exam. Passwords and access codes are random and printed once.
import { randomInt } from "node:crypto";
import type { Db } from "../lib/db.js";
import { hashSecret } from "../lib/auth/secrets.js";
import { currentSchoolYear } from "../modules/students/service.js";
import { DEFAULT_NAME_BOX } from "../modules/exams/schemas.js";

const CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
const PASSWORD_ALPHABET = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

export function randomString(length: number, alphabet = PASSWORD_ALPHABET): string {
  return Array.from({ length }, () => alphabet[randomInt(alphabet.length)]).join("");
}

export function randomAccessCode(): string {
  const raw = randomString(8, CODE_ALPHABET);
  return `${raw.slice(0, 4)}-${raw.slice(4)}`;
}

const CLASS_NAME = "2nde B";
const STUDENTS: [string, string][] = [
  ["Léa", "Dubois"], ["Lucas", "Martin"], ["Chloé", "Bernard"], ["Hugo", "Petit"], ["Inès", "Robert"],
  ["Nathan", "Richard"], ["Manon", "Durand"], ["Louis", "Lefèvre"], ["Camille", "Moreau"], ["Gabriel", "Simon"],
  ["Jade", "Laurent"], ["Raphaël", "Michel"], ["Zoé", "Garcia"], ["Arthur", "David"], ["Maëlys", "Bertrand"],
  ["Tom", "Roux"], ["Lina", "Vincent"], ["Noah", "Fournier"], ["Emma", "Morel"], ["Adam", "Girard"],
  ["Louise", "André"], ["Jules", "Mercier"], ["Alice", "Blanc"], ["Ethan", "Guérin"],
];

export interface DemoLogins {
  staff: { role: string; email: string; password: string }[];
  students: { name: string; login: string; accessCode: string }[];
}

function studentLogin(first: string, last: string): string {
  const plain = (s: string) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^a-z]/g, "");
  return `${plain(first)}.${plain(last)}`;
}

/** Seeds the demo school when the database has no school yet; returns the logins, or null. */
export async function seedDemo(db: Db): Promise<DemoLogins | null> {
  if ((await db.school.count()) > 0) return null;
  const staff = [
    { role: "ADMIN" as const, email: "admin@demo.korrigo.fr", displayName: "Claire Administratrice" },
    { role: "TEACHER" as const, email: "m.durand@demo.korrigo.fr", displayName: "Marc Durand" },
    { role: "TEACHER" as const, email: "s.leroy@demo.korrigo.fr", displayName: "Sophie Leroy" },
  ].map((s) => ({ ...s, password: randomString(16) }));
  const students = STUDENTS.map(([first, last], i) => ({
    first, last, login: studentLogin(first, last), accessCode: randomAccessCode(), ine: `0${String(123456700 + i)}AB`,
  }));
  const [staffHashes, studentHashes] = await Promise.all([
    Promise.all(staff.map((s) => hashSecret(s.password))),
    Promise.all(students.map((s) => hashSecret(s.accessCode))),
  ]);

  await db.$transaction(async (tx) => {
    const school = await tx.school.create({ data: { name: "Lycée Victor Hugo (démo)", slug: "demo" } });
    const users = await Promise.all(
      staff.map((s, i) => tx.user.create({ data: { schoolId: school.id, email: s.email, displayName: s.displayName, role: s.role, passwordHash: staffHashes[i]! } })),
    );
    const created = await tx.student.createManyAndReturn({
      data: students.map((s, i) => ({
        schoolId: school.id, login: s.login, accessCodeHash: studentHashes[i]!, ine: s.ine,
        lastName: s.last.toUpperCase(), firstName: s.first, className: CLASS_NAME,
      })),
      select: { id: true },
    });
    const schoolYear = currentSchoolYear();
    await tx.enrollment.createMany({ data: created.map(({ id }) => ({ schoolId: school.id, studentId: id, schoolYear, className: CLASS_NAME })) });
    await tx.exam.create({
      data: {
        schoolId: school.id, title: "DS n°3 — Fonctions affines", subject: "Mathématiques", date: new Date("2026-11-20"),
        classNames: [CLASS_NAME], pagesPerCopy: 4, layout: "A4_BATCH", createdById: users[0]!.id,
        nameBox: DEFAULT_NAME_BOX,
        questions: {
          create: [
            { position: 1, label: "Exercice 1 — Lecture graphique", maxPoints: 4 },
            { position: 2, label: "Exercice 2 — Équations de droites", maxPoints: 6 },
            { position: 3, label: "Exercice 3 — Problème", maxPoints: 8 },
            { position: 4, label: "Rédaction et soin", maxPoints: 2 },
          ],
        },
      },
    });
  });
  return {
    staff: staff.map(({ role, email, password }) => ({ role, email, password })),
    students: students.map((s) => ({ name: `${s.first} ${s.last}`, login: s.login, accessCode: s.accessCode })),
  };
}

export function formatDemoLogins(logins: DemoLogins): string {
  const lines = [
    "",
    "Demo school created. These logins are shown only once — note them now",
    "(`npm run korrigo -- reset-password --email <email>` sets a new staff password).",
    "",
    "Staff (http://localhost:8080/connexion):",
    ...logins.staff.map((s) => `  ${s.role.padEnd(8)} ${s.email.padEnd(28)} ${s.password}`),
    "",
    "Students (http://localhost:8080/eleve/connexion):",
    ...logins.students.map((s) => `  ${s.name.padEnd(20)} ${s.login.padEnd(20)} ${s.accessCode}`),
    "",
  ];
  return lines.join("\n");
}
