// The audit log: who did what, to which data, from where. Never passwords or access codes.
import type { Request } from "express";
import type { Db, Prisma } from "./db.js";

export interface AuditEntry {
  schoolId?: string | null;
  actorType: "staff" | "student" | "anonymous" | "system";
  actorId?: string | null;
  action: string;
  targetType?: string;
  targetId?: string;
  data?: Prisma.InputJsonValue;
}

export interface RequestMeta {
  ip: string | null;
  requestId: string | null;
}

export function requestMeta(req: Request): RequestMeta {
  return { ip: req.ip ?? null, requestId: String(req.id ?? "") || null };
}

export async function audit(db: Db | Prisma.TransactionClient, entry: AuditEntry, meta?: RequestMeta): Promise<void> {
  await db.auditLog.create({ data: { ...entry, ip: meta?.ip ?? null, requestId: meta?.requestId ?? null } });
}
