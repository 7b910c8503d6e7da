// Who grades what: an admin assigns teachers to an exam, then shares its copies out among them
// (evenly at random, or whole classes each) and may move one copy to another grader.
import { randomInt } from "node:crypto";
import type { AppContext } from "../../lib/context.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, InvalidError, NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { findExam } from "../exams/service.js";

export async function listGraders(ctx: AppContext, schoolId: string, examId: string) {
  await findExam(ctx.db, schoolId, examId);
  const graders = await ctx.db.examGrader.findMany({ where: { examId }, include: { user: { select: { id: true, displayName: true, email: true } } }, orderBy: { user: { displayName: "asc" } } });
  const counts = await ctx.db.copy.groupBy({ by: ["graderId"], where: { examId, graderId: { not: null } }, _count: { _all: true } });
  return graders.map((g) => ({ ...g.user, copies: counts.find((c) => c.graderId === g.userId)?._count._all ?? 0 }));
}

/** The exam's graders become exactly these teachers of the school. */
export async function setGraders(ctx: AppContext, actor: StaffPrincipal, examId: string, userIds: string[], meta: RequestMeta) {
  await findExam(ctx.db, actor.schoolId, examId);
  const wanted = [...new Set(userIds)];
  const teachers = await ctx.db.user.findMany({ where: { id: { in: wanted }, schoolId: actor.schoolId, role: "TEACHER", disabled: false }, select: { id: true } });
  if (teachers.length !== wanted.length) throw new InvalidError("Seuls les enseignants actifs de l'établissement peuvent corriger un examen.");
  await ctx.db.$transaction(async (tx) => {
    await tx.examGrader.deleteMany({ where: { examId, userId: { notIn: wanted } } });
    await tx.examGrader.createMany({ data: wanted.map((userId) => ({ examId, userId })), skipDuplicates: true });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.graders_set", targetType: "exam", targetId: examId, data: { graders: wanted } }, meta);
  });
  return listGraders(ctx, actor.schoolId, examId);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

/**
 * Shares the copies nobody is grading among the exam's graders: "even" deals them out at
 * random one by one; "class" gives whole classes, the largest first to the least loaded.
 * Copies already dispatched keep their grader unless `redistribute`.
 */
export async function dispatchCopies(ctx: AppContext, actor: StaffPrincipal, examId: string, input: { mode: "even" | "class"; redistribute: boolean }, meta: RequestMeta) {
  await findExam(ctx.db, actor.schoolId, examId);
  await ctx.db.$transaction(async (tx) => {
    const graders = (await tx.examGrader.findMany({ where: { examId }, select: { userId: true } })).map((g) => g.userId);
    if (graders.length === 0) throw new ConflictError("Attribuez d'abord l'examen à des correcteurs.", "NO_GRADERS");
    const copies = await tx.copy.findMany({
      where: { examId, status: "READY", ...(input.redistribute ? {} : { OR: [{ graderId: null }, { graderId: { notIn: graders } }] }) },
      select: { id: true, student: { select: { className: true } } },
    });
    const load = new Map(graders.map((g) => [g, 0]));
    if (!input.redistribute) {
      for (const row of await tx.copy.groupBy({ by: ["graderId"], where: { examId, graderId: { in: graders }, id: { notIn: copies.map((c) => c.id) } }, _count: { _all: true } })) load.set(row.graderId!, row._count._all);
    }
    const leastLoaded = () => [...load].sort((a, b) => a[1] - b[1])[0]![0];
    const groups = input.mode === "even" ? shuffle(copies).map((c) => [c]) : classGroups(copies);
    for (const group of groups) {
      const grader = leastLoaded();
      await tx.copy.updateMany({ where: { id: { in: group.map((c) => c.id) } }, data: { graderId: grader } });
      load.set(grader, load.get(grader)! + group.length);
    }
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "exam.copies_dispatched", targetType: "exam", targetId: examId, data: { mode: input.mode, copies: copies.length } }, meta);
  }, { timeout: 30_000 });
  return listGraders(ctx, actor.schoolId, examId);
}

function classGroups<C extends { student: { className: string } | null }>(copies: C[]): C[][] {
  const byClass = new Map<string, C[]>();
  for (const c of copies) {
    const key = c.student?.className ?? "";
    byClass.set(key, [...(byClass.get(key) ?? []), c]);
  }
  return [...byClass.values()].sort((a, b) => b.length - a.length);
}

/** Moves one copy to another grader of the exam (audited). */
export async function reassignCopy(ctx: AppContext, actor: StaffPrincipal, copyId: string, userId: string, meta: RequestMeta) {
  const copy = await ctx.db.copy.findFirst({ where: { id: copyId, schoolId: actor.schoolId }, select: { id: true, examId: true, graderId: true } });
  if (!copy) throw new NotFoundError("Copie introuvable.");
  if (!(await ctx.db.examGrader.findUnique({ where: { examId_userId: { examId: copy.examId, userId } } }))) {
    throw new InvalidError("Ce professeur ne corrige pas cet examen : attribuez-le-lui d'abord.");
  }
  await ctx.db.$transaction(async (tx) => {
    await tx.copy.update({ where: { id: copyId }, data: { graderId: userId } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "copy.reassigned", targetType: "copy", targetId: copyId, data: { from: copy.graderId, to: userId } }, meta);
  });
  return { copyId, graderId: userId };
}
