// A worker thread of FlattenPool: loads the copy's source pages once, draws the graded PDF,
// writes it to the task's local file and answers its sha256 and size (the PDF's bytes never
// cross threads; the job stores the file).
import { createHash } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { loadPdf } from "../../scans/pdf/page.js";
import { renderGradedPdf } from "./render.js";
import type { FlattenTask, WrittenPdf } from "./pool.js";

export default async function flatten(task: FlattenTask): Promise<WrittenPdf> {
  const files = new Map<string, Awaited<ReturnType<typeof loadPdf>>>();
  for (const file of new Set(task.sources.map((s) => s.file))) files.set(file, await loadPdf(await readFile(file)));
  const pages = task.sources.map((source, i) => ({ ...task.pages[i]!, pdf: files.get(source.file)!, pageIndex: source.pageIndex, sourceKey: `${source.file}#${source.pageIndex}` }));
  const bytes = await renderGradedPdf({ ...task.input, pages, gradedAt: new Date(task.input.gradedAt) });
  await writeFile(task.target, bytes);
  return { sha256: createHash("sha256").update(bytes).digest("hex"), sizeBytes: bytes.byteLength };
}
