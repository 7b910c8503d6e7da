// Why a scan page was refused. `reason` is a French sentence written for the school's
// administrator, who sees it in the import report.
export class ScanPageError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "ScanPageError";
  }
}

/** 200000 → "200 000", the way the French reason sentences print numbers. */
export function frenchNumber(value: number): string {
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}
