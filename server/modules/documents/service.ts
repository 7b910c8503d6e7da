// An exam's documents (subject, answer key, marking scheme): each upload is a new version of
// its kind, kept for good (versions are history), readable by admins and the exam's graders.
import { randomUUID } from "node:crypto";
import type { Request } from "express";
import type { AppContext } from "../../lib/context.js";
import { Prisma } from "../../lib/db.js";
import { audit, type RequestMeta } from "../../lib/audit.js";
import { ConflictError, DomainError, NotFoundError, UnsupportedMediaError } from "../../lib/errors.js";
import { Scratch, storedPath } from "../../lib/storage.js";
import type { StaffPrincipal } from "../../lib/auth/principal.js";
import { findExam } from "../exams/service.js";
import { gradableExam } from "../grading/copies.js";
import { checkPdf } from "../scans/check.js";
import { receiveFiles, type ReceivedFile } from "../scans/upload.js";
import type { DocumentKind } from "./schemas.js";

export const DOCUMENT_MAX_BYTES = 50 * 1024 * 1024;
/** A subject or an answer key is a few pages; anything much longer is not one. */
const MAX_PAGES = 500;
const MAX_IMAGE_PIXELS = 80_000_000;
const MAX_NAME_LENGTH = 200;

const withUploader = { uploadedBy: { select: { displayName: true } } } satisfies Prisma.ExamDocumentInclude;
type DocumentRow = Prisma.ExamDocumentGetPayload<{ include: typeof withUploader }>;

function toDocument(row: DocumentRow) {
  return {
    id: row.id,
    kind: row.kind,
    version: row.version,
    originalName: row.originalName,
    sizeBytes: row.sizeBytes,
    createdAt: row.createdAt.toISOString(),
    uploadedBy: row.uploadedBy.displayName,
    url: `/api/documents/${row.id}/file`,
  };
}

/** The uploaded file's name, for display only: no control characters, bounded length. */
export function displayName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/\s+/g, " ").replace(/[\u0000-\u001f\u007f-\u009f]/g, "").trim();
  return [...clean].slice(0, MAX_NAME_LENGTH).join("").trimEnd() || "document.pdf";
}

/** The scans' structural checks, with a refusal worded for a document rather than a scan. */
async function checkDocument(file: ReceivedFile, name: string, ctx: AppContext): Promise<void> {
  try {
    await checkPdf(file.path, name, { maxPages: MAX_PAGES, checkSeconds: ctx.config.SCAN_CHECK_SECONDS, maxImagePixels: MAX_IMAGE_PIXELS });
  } catch (error) {
    if (error instanceof DomainError && error.code === "NOT_A_PDF") {
      throw new UnsupportedMediaError(`« ${name} » n'est pas un fichier PDF : enregistrez le document au format PDF puis envoyez-le.`, "NOT_A_PDF");
    }
    throw error;
  }
}

interface NewDocument {
  id: string;
  actor: StaffPrincipal;
  examId: string;
  kind: DocumentKind;
  file: ReceivedFile;
  originalName: string;
  storagePath: string;
}

const isUniqueViolation = (error: unknown) => error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";

/** Version = the kind's latest + 1; two uploads racing for the same number: the loser tries once more. */
async function createVersion(ctx: AppContext, d: NewDocument, meta: RequestMeta, retried = false): Promise<DocumentRow> {
  try {
    return await ctx.db.$transaction(async (tx) => {
      const latest = await tx.examDocument.aggregate({ where: { examId: d.examId, kind: d.kind }, _max: { version: true } });
      const row = await tx.examDocument.create({
        data: {
          id: d.id, schoolId: d.actor.schoolId, examId: d.examId, kind: d.kind, version: (latest._max.version ?? 0) + 1,
          originalName: d.originalName, storagePath: d.storagePath, sha256: d.file.sha256, sizeBytes: d.file.size, uploadedById: d.actor.id,
        },
        include: withUploader,
      });
      await audit(tx, {
        schoolId: d.actor.schoolId, actorType: "staff", actorId: d.actor.id, action: "exam.document.uploaded", targetType: "exam_document", targetId: d.id,
        data: { examId: d.examId, kind: d.kind, version: row.version, sha256: d.file.sha256, bytes: d.file.size },
      }, meta);
      return row;
    });
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    if (retried) throw new ConflictError("Une autre version de ce document vient d'être déposée en même temps : réessayez.", "DOCUMENT_VERSION_RACE");
    return createVersion(ctx, d, meta, true);
  }
}

/** Streams the PDF to a temporary file, checks it, moves it to its place, then records the version. */
export async function uploadDocument(
  ctx: AppContext, actor: StaffPrincipal, examId: string, kind: DocumentKind, req: Request, meta: RequestMeta, maxBytes = DOCUMENT_MAX_BYTES,
) {
  await findExam(ctx.db, actor.schoolId, examId);
  return Scratch.ofApi(ctx.config.DATA_DIR).withFolder("document-", async (dir) => {
    // receiveFiles resolves with at least one file, and maxFiles refuses a second one.
    const file = (await receiveFiles(req, dir, { maxBytes, maxFiles: 1 }))[0]!;
    const originalName = displayName(file.name);
    await checkDocument(file, originalName, ctx);
    const id = randomUUID();
    const storagePath = storedPath.examDocument(actor.schoolId, id);
    await ctx.files.putFile(storagePath, file.path);
    try {
      return toDocument(await createVersion(ctx, { id, actor, examId, kind, file, originalName, storagePath }, meta));
    } catch (error) {
      await ctx.files.remove(storagePath);
      throw error;
    }
  });
}

/** Every version of every kind, the newest first within each kind. */
export async function listDocuments(ctx: AppContext, actor: StaffPrincipal, examId: string) {
  await gradableExam(ctx, actor, examId);
  const rows = await ctx.db.examDocument.findMany({ where: { examId, schoolId: actor.schoolId }, include: withUploader, orderBy: [{ kind: "asc" }, { version: "desc" }] });
  return rows.map(toDocument);
}

/** The stored file of one version, if the caller may read the exam's documents. */
export async function documentFile(ctx: AppContext, actor: StaffPrincipal, documentId: string) {
  const row = await ctx.db.examDocument.findFirst({ where: { id: documentId, schoolId: actor.schoolId }, select: { examId: true, storagePath: true, originalName: true } });
  if (!row) throw new NotFoundError("Document introuvable.");
  await gradableExam(ctx, actor, row.examId);
  return { storagePath: row.storagePath, originalName: row.originalName };
}
