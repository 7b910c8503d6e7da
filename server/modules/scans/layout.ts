// How the pages of a scanned batch become booklets, for each scan layout. Pure: the same
// batch always gives the same booklets, which is what makes re-running a split harmless.
import type { PageHalf } from "../../lib/storage.js";

export type ScanLayout = "A4_BATCH" | "A3_DOUBLE" | "INDIVIDUAL_FILES";

export interface SourceFile {
  name: string;
  firstPage: number; // 0-based index of its first page in the batch
  pageCount: number;
}

export interface PlannedPage {
  scanPageIndex: number;
  half: PageHalf;
  position: number; // from 1, in reading order
}

export interface PlannedBooklet {
  index: number; // from 1
  pages: PlannedPage[];
  sourceName?: string;
  warnings: string[];
}

const range = (start: number, count: number) => Array.from({ length: count }, (_, i) => start + i);

function a4Batch(scanPageCount: number, pagesPerCopy: number): PlannedBooklet[] {
  return range(0, Math.ceil(scanPageCount / pagesPerCopy)).map((i) => {
    const first = i * pagesPerCopy;
    const count = Math.min(pagesPerCopy, scanPageCount - first);
    return {
      index: i + 1,
      pages: range(0, count).map((p) => ({ scanPageIndex: first + p, half: "FULL" as const, position: p + 1 })),
      warnings: count < pagesPerCopy ? [`Liasse incomplète : ${count} page(s) au lieu de ${pagesPerCopy}.`] : [],
    };
  });
}

/** A copie double scanned recto-verso: recto [P4 | P1], verso [P2 | P3]. One sheet, one booklet. */
function a3Double(scanPageCount: number): PlannedBooklet[] {
  return range(0, Math.ceil(scanPageCount / 2)).map((sheet) => {
    const recto = 2 * sheet;
    const hasVerso = recto + 1 < scanPageCount;
    const pages: PlannedPage[] = [
      { scanPageIndex: recto, half: "RIGHT", position: 1 },
      ...(hasVerso
        ? [
            { scanPageIndex: recto + 1, half: "LEFT" as const, position: 2 },
            { scanPageIndex: recto + 1, half: "RIGHT" as const, position: 3 },
          ]
        : []),
      { scanPageIndex: recto, half: "LEFT", position: hasVerso ? 4 : 2 },
    ];
    return { index: sheet + 1, pages, warnings: hasVerso ? [] : ["Feuille incomplète : le verso manque (nombre impair de pages scannées)."] };
  });
}

function individualFiles(files: SourceFile[]): PlannedBooklet[] {
  return files.map((file, i) => ({
    index: i + 1,
    sourceName: file.name,
    pages: range(0, file.pageCount).map((p) => ({ scanPageIndex: file.firstPage + p, half: "FULL" as const, position: p + 1 })),
    warnings: [],
  }));
}

export function planBooklets(input: { layout: ScanLayout; scanPageCount: number; pagesPerCopy: number; sourceFiles?: SourceFile[] | null }): PlannedBooklet[] {
  switch (input.layout) {
    case "A4_BATCH":
      return a4Batch(input.scanPageCount, input.pagesPerCopy);
    case "A3_DOUBLE":
      return a3Double(input.scanPageCount);
    case "INDIVIDUAL_FILES":
      return individualFiles(input.sourceFiles ?? [{ name: "scan.pdf", firstPage: 0, pageCount: input.scanPageCount }]);
  }
}

/** Whether a page of `widthPt` × `heightPt` (after /Rotate) fits the layout; a sentence if not. */
export function layoutMismatch(layout: ScanLayout, widthPt: number, heightPt: number): string | null {
  const landscape = widthPt > heightPt * 1.1;
  if (layout === "A3_DOUBLE" && !landscape) {
    return "Les pages scannées sont en portrait alors que l'examen attend des copies doubles A3 scannées à plat (paysage) : vérifiez la mise en page de l'examen ou les réglages du copieur.";
  }
  if (layout !== "A3_DOUBLE" && landscape && widthPt > 1000) {
    return "Les pages scannées sont au format A3 paysage alors que l'examen attend des pages A4 : choisissez la mise en page « copies doubles A3 » pour cet examen.";
  }
  return null;
}
