// The pages of a booklet on the desk: order, merge, move, discard. A booklet's pages are
// numbered 1..n in reading order; a cover sheet stays at position 0 (never shown to graders);
// discarded pages keep their booklet (to be restored there) but no position in it.
import type { Prisma } from "../../lib/db.js";
import { ConflictError, NotFoundError } from "../../lib/errors.js";

type Tx = Prisma.TransactionClient;

const active = { discardedAt: null, coverToken: null } satisfies Prisma.PageWhereInput;

export interface Placement {
  id: string;
  bookletId: string;
  position: number;
}

/** Puts pages in booklets at positions, in one statement whatever their number. */
export async function placePages(tx: Tx, placements: Placement[]): Promise<void> {
  if (placements.length === 0) return;
  await tx.$executeRaw`
    UPDATE "Page" AS p SET "bookletId" = v."bookletId", "position" = v."position", "updatedAt" = now()
    FROM unnest(${placements.map((x) => x.id)}::uuid[], ${placements.map((x) => x.bookletId)}::uuid[], ${placements.map((x) => x.position)}::int[]) AS v("id", "bookletId", "position")
    WHERE p."id" = v."id"`;
}

/** Numbers the booklet's active pages 1..n, keeping their order (`first` goes first among equals). */
export async function renumber(tx: Tx, bookletId: string, first?: { pageId: string; position: number }): Promise<void> {
  const pages = await tx.page.findMany({ where: { bookletId, ...active }, orderBy: [{ position: "asc" }, { scanPageIndex: "asc" }, { half: "asc" }], select: { id: true, position: true } });
  if (first) {
    const moving = pages.findIndex((p) => p.id === first.pageId);
    if (moving >= 0) pages.splice(Math.min(Math.max(first.position, 1), pages.length) - 1, 0, ...pages.splice(moving, 1));
  }
  await placePages(tx, pages.flatMap((page, i) => (page.position === i + 1 ? [] : [{ id: page.id, bookletId, position: i + 1 }])));
}

/** Moves every active page of `fromId` after the pages of `toId`, in their order. */
export async function appendPages(tx: Tx, fromId: string, toId: string): Promise<void> {
  const last = await tx.page.aggregate({ where: { bookletId: toId, ...active }, _max: { position: true } });
  const moving = await tx.page.findMany({ where: { bookletId: fromId, ...active }, orderBy: { position: "asc" }, select: { id: true } });
  const start = last._max.position ?? 0;
  await placePages(tx, moving.map((page, i) => ({ id: page.id, bookletId: toId, position: start + i + 1 })));
}

export interface EditableBooklet {
  id: string;
  schoolId: string;
  examId: string;
  batchId: string;
  index: number;
  copyId: string | null;
  status: string;
}

/** The booklet, locked for this transaction, if its pages may still change; 404 / 409 otherwise. */
export async function editableBooklet(tx: Tx, schoolId: string, bookletId: string): Promise<EditableBooklet> {
  await tx.$queryRaw`SELECT 1 FROM "Booklet" WHERE "id" = ${bookletId}::uuid FOR UPDATE`;
  const booklet = await tx.booklet.findFirst({ where: { id: bookletId, schoolId }, include: { copy: { select: { status: true } } } });
  if (!booklet) throw new NotFoundError("Liasse introuvable.");
  if (booklet.status === "MERGED") throw new ConflictError("Cette liasse a été fusionnée dans une autre : rechargez la page.", "BOOKLET_MERGED");
  if (booklet.copy && booklet.copy.status !== "STAGING" && booklet.copy.status !== "READY") {
    throw new ConflictError("La correction de cette copie a commencé : ses pages ne peuvent plus changer.", "GRADING_STARTED");
  }
  return booklet;
}
