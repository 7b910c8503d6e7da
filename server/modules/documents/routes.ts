import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { parse } from "../../lib/http/validate.js";
import { requestMeta } from "../../lib/audit.js";
import { staffOf } from "../../lib/auth/principal.js";
import { sendStoredFile } from "../media/routes.js";
import { BIDI_CONTROLS } from "../../lib/file-names.js";
import { DocumentParams, ExamParams, UploadQuery } from "./schemas.js";
import { DOCUMENT_MAX_BYTES, documentFile, listDocuments, uploadDocument } from "./service.js";

/**
 * RFC 6266 / 5987: the display name survives any character without touching the header's syntax,
 * but for bidirectional controls, which would disguise its extension in the browser's dialog.
 */
export const contentDisposition = (type: "inline" | "attachment", name: string) =>
  `${type}; filename*=UTF-8''${encodeURIComponent(name.replace(BIDI_CONTROLS, "")).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
const inline = (name: string) => contentDisposition("inline", name);

/** `maxBytes` is a parameter so that tests can refuse a small file as too large. */
export function documentRoutes(ctx: AppContext, maxBytes = DOCUMENT_MAX_BYTES): SecureRouter {
  const routes = new SecureRouter();

  routes.post("/exams/:id/documents", allow("ADMIN"), async (req, res) => {
    const { id } = parse(ExamParams, req.params);
    const { kind } = parse(UploadQuery, req.query);
    res.status(201).json({ document: await uploadDocument(ctx, staffOf(req), id, kind, req, requestMeta(req), maxBytes) });
  });

  routes.get("/exams/:id/documents", allow("ADMIN", "TEACHER"), async (req, res) => {
    res.json({ documents: await listDocuments(ctx, staffOf(req), parse(ExamParams, req.params).id) });
  });

  routes.get("/documents/:id/file", allow("ADMIN", "TEACHER"), async (req, res) => {
    const file = await documentFile(ctx, staffOf(req), parse(DocumentParams, req.params).id);
    res.setHeader("Content-Disposition", inline(file.originalName));
    // Opened beside the copy in the editor: the SPA may frame it (the API's default forbids framing).
    await sendStoredFile(ctx, res, file.storagePath, { headers: { "Content-Security-Policy": "frame-ancestors 'self'", "X-Frame-Options": "SAMEORIGIN" } });
  });

  return routes;
}
