// Roster import: the preview of a CSV file, then, when the admin commits it, one transaction
// that adds new students and updates known ones (matched on the INE, else on name and birth
// date). Nobody is deleted. Each student's class is recorded for the school year.
import { randomUUID } from "node:crypto";
import type { Db, Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { UnprocessableError } from "../../lib/errors.js";
import { identityOf, readRoster, RosterError, type RosterLine, type RosterPreview, type RosterStudent } from "./roster.js";
import type { RosterImportInput } from "./schemas.js";

/** The school year under way on `date`: it starts on 1 August. */
export function currentSchoolYear(date = new Date()): string {
  const start = date.getUTCMonth() >= 7 ? date.getUTCFullYear() : date.getUTCFullYear() - 1;
  return `${start}-${start + 1}`;
}

type Known = Prisma.StudentGetPayload<{ include: { enrollments: true } }>;
type Outcome = "added" | "updated" | "unchanged" | "rejected";

interface PlannedLine extends RosterLine {
  outcome: Outcome;
  /** The known student the line updates, and what changes on them. */
  studentId?: string;
  update?: Prisma.StudentUpdateInput;
}

export interface RosterImportResult {
  schoolYear: string;
  preview: Omit<RosterPreview, "lines"> & { lines: PlannedLine[] };
  counts: Record<Outcome, number>;
  committed: boolean;
}

export async function importRoster(db: Db, actor: StaffPrincipal, input: RosterImportInput, meta: RequestMeta): Promise<RosterImportResult> {
  const preview = readPreview(input);
  const schoolYear = input.schoolYear ?? currentSchoolYear();
  if (!input.commit) return result(schoolYear, preview, plan(preview.lines, await knownStudents(db, actor.schoolId), schoolYear), false);
  if (preview.missingFields.length > 0) {
    throw new UnprocessableError(`Associez d'abord une colonne du fichier à : ${preview.missingFields.map(fieldLabel).join(", ")}.`, "ROSTER_MAPPING_NEEDED", { missingFields: preview.missingFields });
  }
  // A new school year updates every student: far longer than Prisma's 5-second default.
  return db.$transaction(async (tx) => {
    const lines = plan(preview.lines, await knownStudents(tx, actor.schoolId), schoolYear);
    await write(tx, actor.schoolId, schoolYear, lines);
    const outcome = result(schoolYear, preview, lines, true);
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "students.roster_imported", data: { schoolYear, counts: outcome.counts } }, meta);
    return outcome;
  }, { timeout: 120_000 });
}

function readPreview(input: RosterImportInput): RosterPreview {
  try {
    return readRoster(Buffer.from(input.content, "base64"), input.mapping);
  } catch (error) {
    if (error instanceof RosterError) throw new UnprocessableError(error.message, "ROSTER_UNREADABLE");
    throw error;
  }
}

function fieldLabel(field: string): string {
  return ({ lastName: "Nom", firstName: "Prénom", className: "Classe" } as Record<string, string>)[field] ?? field;
}

function knownStudents(db: Db | Prisma.TransactionClient, schoolId: string): Promise<Known[]> {
  return db.student.findMany({ where: { schoolId }, include: { enrollments: true } });
}

/** What each line will do (the plan is made again inside the committing transaction): matched on the INE, else on name and birth date among students without another INE. */
function plan(lines: RosterLine[], known: Known[], schoolYear: string): PlannedLine[] {
  const byIne = new Map(known.filter((s) => s.ine).map((s) => [s.ine!, s]));
  const byName = new Map(known.filter((s) => s.birthDate).map((s) => [identityOf({ ...asRoster(s), ine: null }), s]));
  const claimed = new Map<string, number>();
  return lines.map((line): PlannedLine => {
    if (!line.student) return { ...line, outcome: "rejected" };
    const match = (line.student.ine && byIne.get(line.student.ine)) || byName.get(identityOf({ ...line.student, ine: null }));
    const usable = match && (!line.student.ine || !match.ine || match.ine === line.student.ine) ? match : undefined;
    if (!usable) return { ...line, outcome: "added" };
    const earlier = claimed.get(usable.id);
    if (earlier !== undefined) return { line: line.line, errors: [`même élève qu'à la ligne ${earlier}`], outcome: "rejected" };
    claimed.set(usable.id, line.line);
    const update = changes(usable, line.student, schoolYear);
    return { ...line, studentId: usable.id, update, outcome: update ? "updated" : "unchanged" };
  });
}

function asRoster(s: Known): RosterStudent {
  return { lastName: s.lastName, firstName: s.firstName, className: s.className, birthDate: s.birthDate?.toISOString().slice(0, 10) ?? null, ine: s.ine, externalId: s.externalId };
}

/** The fields the line changes on a known student, or undefined when it changes nothing. */
function changes(known: Known, line: RosterStudent, schoolYear: string): Prisma.StudentUpdateInput | undefined {
  const current = asRoster(known);
  const data: Prisma.StudentUpdateInput = {};
  if (line.lastName !== current.lastName) data.lastName = line.lastName;
  if (line.firstName !== current.firstName) data.firstName = line.firstName;
  if (line.birthDate && line.birthDate !== current.birthDate) data.birthDate = new Date(line.birthDate);
  if (line.ine && line.ine !== current.ine) data.ine = line.ine;
  if (line.externalId && line.externalId !== current.externalId) data.externalId = line.externalId;
  const enrolled = known.enrollments.find((e) => e.schoolYear === schoolYear);
  const latest = known.enrollments.every((e) => e.schoolYear <= schoolYear);
  if (latest && line.className !== current.className) data.className = line.className;
  return Object.keys(data).length > 0 || enrolled?.className !== line.className ? data : undefined;
}

async function write(tx: Prisma.TransactionClient, schoolId: string, schoolYear: string, lines: PlannedLine[]): Promise<void> {
  const added = lines.filter((l) => l.outcome === "added").map((l) => ({ id: randomUUID(), ...l.student! }));
  const logins = await freeLogins(tx, added);
  // New students and their enrollments in two statements, whatever the roster's size.
  await tx.student.createMany({
    data: added.map((s, i) => ({
      id: s.id, schoolId, login: logins[i]!, accessCodeHash: null, lastName: s.lastName, firstName: s.firstName, className: s.className,
      birthDate: s.birthDate ? new Date(s.birthDate) : null, ine: s.ine, externalId: s.externalId,
    })),
  });
  await tx.enrollment.createMany({ data: added.map((s) => ({ schoolId, studentId: s.id, schoolYear, className: s.className })) });
  for (const line of lines.filter((l) => l.outcome === "updated")) {
    const studentId = line.studentId!;
    if (Object.keys(line.update!).length > 0) await tx.student.update({ where: { id: studentId }, data: line.update! });
    await tx.enrollment.upsert({
      where: { studentId_schoolYear: { studentId, schoolYear } },
      create: { schoolId, studentId, schoolYear, className: line.student!.className },
      update: { className: line.student!.className },
    });
  }
}

/** "prenom.nom" logins, numbered when taken (logins are unique across schools). */
async function freeLogins(tx: Prisma.TransactionClient, students: RosterStudent[]): Promise<string[]> {
  const bases = students.map((s) => `${slug(s.firstName)}.${slug(s.lastName)}`.slice(0, 60));
  const taken = new Set(
    bases.length === 0 ? [] : (await tx.student.findMany({ where: { OR: [...new Set(bases)].map((b) => ({ login: { startsWith: b } })) }, select: { login: true } })).map((s) => s.login),
  );
  return bases.map((base) => {
    let login = base;
    for (let n = 2; taken.has(login); n++) login = `${base}${n}`;
    taken.add(login);
    return login;
  });
}

function slug(name: string): string {
  return name.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "eleve";
}

function result(schoolYear: string, preview: RosterPreview, lines: PlannedLine[], committed: boolean): RosterImportResult {
  const counts = { added: 0, updated: 0, unchanged: 0, rejected: 0 };
  for (const line of lines) counts[line.outcome] += 1;
  return { schoolYear, preview: { ...preview, lines }, counts, committed };
}
