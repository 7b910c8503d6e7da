// Desk records for unit tests: a booklet (to identify, one page) or a student, with what differs.
import type { DeskBooklet, DeskStudent } from "../api/types";

export function deskBooklet(id: string, over: Partial<DeskBooklet> = {}): DeskBooklet {
  return {
    id,
    batchId: "batch-1",
    batchName: "copies.pdf",
    index: Number(id.replace(/\D/g, "")) || 1,
    status: "PENDING",
    method: null,
    setAsideReason: null,
    readError: null,
    header: null,
    coverSheet: false,
    sourceName: null,
    suggestions: [],
    copy: null,
    studentId: null,
    hasHeaderCrop: true,
    warnings: [],
    pages: [{ id: `${id}-p1`, position: 1, status: "DONE", rotation: 0, nearBlank: false, cover: false, width: 100, height: 141 }],
    ...over,
  };
}

export function deskStudent(id: string, lastName: string, firstName: string, className = "3e A"): DeskStudent {
  return { id, lastName, firstName, className, birthDate: null, copyId: null };
}
