// The exam's library of reusable comments ("Unité manquante", "Justifier"): any grader adds
// to it and places its entries in comment bubbles. A removed entry is only hidden: bubbles
// carry their own text, so nothing already written changes.
import type { AppContext } from "../../lib/context.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { NotFoundError } from "../../lib/errors.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { gradableExam } from "./copies.js";

export interface CommentTemplateDto {
  id: string;
  text: string;
}

const toDto = (c: { id: string; text: string }): CommentTemplateDto => ({ id: c.id, text: c.text });

export async function listCommentTemplates(ctx: AppContext, actor: StaffPrincipal, examId: string): Promise<CommentTemplateDto[]> {
  await gradableExam(ctx, actor, examId);
  const rows = await ctx.db.commentTemplate.findMany({ where: { examId, archivedAt: null }, orderBy: { createdAt: "asc" } });
  return rows.map(toDto);
}

/** Adds a comment to the library; one already there (whatever its case) is returned as it is. */
export async function addCommentTemplate(ctx: AppContext, actor: StaffPrincipal, examId: string, text: string, meta: RequestMeta): Promise<{ comment: CommentTemplateDto; created: boolean }> {
  await gradableExam(ctx, actor, examId);
  return ctx.db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`comments:${examId}`}))`;
    const same = await tx.commentTemplate.findFirst({ where: { examId, archivedAt: null, text: { equals: text, mode: "insensitive" } } });
    if (same) return { comment: toDto(same), created: false };
    const row = await tx.commentTemplate.create({ data: { schoolId: actor.schoolId, examId, text, createdById: actor.id } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "comment_template.created", targetType: "comment_template", targetId: row.id, data: { examId } }, meta);
    return { comment: toDto(row), created: true };
  });
}

export async function archiveCommentTemplate(ctx: AppContext, actor: StaffPrincipal, id: string, meta: RequestMeta): Promise<void> {
  const row = await ctx.db.commentTemplate.findFirst({ where: { id, schoolId: actor.schoolId } });
  if (!row) throw new NotFoundError("Commentaire introuvable.");
  await gradableExam(ctx, actor, row.examId);
  if (row.archivedAt) return;
  await ctx.db.$transaction(async (tx) => {
    await tx.commentTemplate.update({ where: { id }, data: { archivedAt: new Date() } });
    await audit(tx, { schoolId: actor.schoolId, actorType: "staff", actorId: actor.id, action: "comment_template.archived", targetType: "comment_template", targetId: id, data: { examId: row.examId } }, meta);
  });
}
