// The exam's documents as their card shows them: per kind, the current version and the earlier
// ones (versions are history: nothing is deleted), and what is refused before being sent.
import type { ExamDocument, ExamDocumentKind } from "../../api/types";
import { formatMegabytes } from "../../format";
import { i18n } from "../../i18n";

const { t } = i18n.global;

export const DOCUMENT_KINDS: readonly ExamDocumentKind[] = ["SUBJECT", "ANSWER_KEY", "MARKING_SCHEME"];

/** The server's limit (DOCUMENT_MAX_BYTES in server/modules/documents/service.ts). */
export const DOCUMENT_MAX_BYTES = 50 * 1024 * 1024;

export interface DocumentGroup {
  kind: ExamDocumentKind;
  current: ExamDocument | null;
  /** Newest first. */
  earlier: ExamDocument[];
}

/** One group per kind, always in the same order, even when a kind has no document yet. */
export function documentGroups(documents: readonly ExamDocument[]): DocumentGroup[] {
  return DOCUMENT_KINDS.map((kind) => {
    const versions = documents.filter((d) => d.kind === kind).sort((a, b) => b.version - a.version);
    return { kind, current: versions[0] ?? null, earlier: versions.slice(1) };
  });
}

/** Why a chosen file is not sent (the server would refuse it), or null to send it. */
export function refusedDocument(file: Pick<File, "name" | "size" | "type">, maxBytes = DOCUMENT_MAX_BYTES): string | null {
  if (!/\.pdf$/i.test(file.name) && file.type !== "application/pdf") return t("documents.notPdf", { name: file.name });
  if (file.size === 0) return t("documents.emptyFile", { name: file.name });
  if (file.size > maxBytes) return t("documents.tooLarge", { name: file.name, max: formatMegabytes(maxBytes) });
  return null;
}

/** A subject is often under a megabyte: "240 ko" rather than "0,2 Mo". */
export function formatSize(bytes: number): string {
  return bytes < 1024 * 1024 ? t("documents.kilobytes", { n: Math.max(1, Math.round(bytes / 1024)) }) : formatMegabytes(bytes);
}

export const kindName = (kind: ExamDocumentKind) => t(`documents.kinds.${kind}`);

/** What a link that opens the document says to a screen reader: its kind, version and file. */
export function openLabel(document: ExamDocument): string {
  return t("documents.openLabel", { kind: kindName(document.kind), version: document.version, name: document.originalName });
}

/** "Version 2 · 1,5 Mo · déposée par Marie Curie le 3 déc. 2026, 14:05". */
export function versionLine(document: ExamDocument): string {
  return t("documents.versionLine", {
    version: document.version,
    size: formatSize(document.sizeBytes),
    by: document.uploadedBy,
    at: i18n.global.d(new Date(document.createdAt), "dateTime"),
  });
}
