// What the page viewer (PageDialog) and page images take: a page's addresses and size, from a
// batch on the exam page or from a booklet on the identification desk.
import type { Batch, PageRotation, ScanPage } from "../api/types";

export type PageSource = Pick<ScanPage, "id" | "position" | "imageUrl" | "thumbUrl" | "width" | "height">;

export interface ViewerPage {
  page: PageSource;
  /** The index of the page's booklet, for the title. */
  booklet: number;
  rotation?: PageRotation;
  /** The dialog's title, when "Liasse N — page P" does not fit (a cover sheet, a discarded page). */
  title?: string;
}

/** The converted pages of a batch, booklet after booklet. */
export function batchViewerPages(batch: Batch | null): ViewerPage[] {
  return (batch?.booklets ?? []).flatMap((booklet) => booklet.pages.filter((p) => p.status === "DONE").map((page) => ({ page, booklet: booklet.index })));
}
