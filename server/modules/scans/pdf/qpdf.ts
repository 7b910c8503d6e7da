// qpdf copying pages from scanned batches into new files: the split, a merge of several files, a
// page or a copy's pages cut out again. Every such copy decrypts (a copier's "permissions"
// encryption) and copies streams as they are (--stream-data=preserve): by default qpdf decodes
// LZW and chained filters to recompress them, and a 50 KiB page whose font file inflates to
// gigabytes kept it busy for minutes; a page's conversion decodes each stream under its own bound.
import { run, type ExecResult } from "../../../lib/exec.js";

/** `qpdf --decrypt --stream-data=preserve <args>`; `ok` also when qpdf only warned (exit 3). */
export async function copyWithQpdf(args: string[], timeoutMs: number): Promise<ExecResult & { ok: boolean }> {
  const result = await run("qpdf", ["--decrypt", "--stream-data=preserve", ...args], timeoutMs);
  return { ...result, ok: result.code === 0 || result.code === 3 };
}
