// Exports end to end on fixture exams: the Pronote and detailed CSV byte for byte, the ZIP of
// graded PDFs (names, contents, streamed with flat memory for 35 copies of 1 MB), audit, access.
import { createHash } from "node:crypto";
import { createWriteStream, readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, unlink } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";
import yauzl from "yauzl";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSchool, createStaff, createStudent, createTestEnv, staffClient, studentClient, waitFor, type Client, type TestEnv } from "../../test/harness.js";
import { createFixtureStudent, ds3Fixture, makeMarksFixture, type FixtureCopy, type MarksFixture } from "../../test/marks-fixture.js";
import { safePart, zipEntries } from "./zip.js";
import type { RosterLine } from "./pronote.js";
import type { GradedResult } from "../statistics/service.js";

let env: TestEnv;
let dataDir: string;
let schoolId: string;
let adminId: string;
let ds3: MarksFixture;
let admin: Client;
let teacher: Client;
let student: Client;
let otherAdmin: Client;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "korrigo-exports-"));
  env = await createTestEnv({ DATA_DIR: dataDir });
  schoolId = (await createSchool(env.ctx)).id;
  const a = await createStaff(env.ctx, schoolId, "ADMIN");
  adminId = a.id;
  const t = await createStaff(env.ctx, schoolId, "TEACHER");
  ds3 = await ds3Fixture(env.ctx, schoolId, adminId);
  await env.ctx.db.examGrader.create({ data: { examId: ds3.examId, userId: t.id } });
  // The harness' student is in 2nde A: moved out of the exam's classes so the expected files stay as written.
  const s = await env.ctx.db.student.update({ where: { id: (await createStudent(env.ctx, schoolId)).id }, data: { className: "Tle Z" } });
  const elsewhere = (await createSchool(env.ctx, "Autre lycée")).id;
  // Same class name in another school: never in this school's export.
  await createFixtureStudent(env.ctx, elsewhere, { lastName: "AUTRE", firstName: "Élève", className: "2nde A" });
  const otherAdminRow = await createStaff(env.ctx, elsewhere, "ADMIN");
  [admin, teacher, student, otherAdmin] = await Promise.all([staffClient(env.app, a.email), staffClient(env.app, t.email), studentClient(env.app, s.login), staffClient(env.app, otherAdminRow.email)]);
}, 60_000);
afterAll(async () => {
  await env.close();
  await rm(dataDir, { recursive: true, force: true });
});

const exportUrl = (examId: string, file: string) => `/api/exams/${examId}/exports/${file}`;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const bytes = (lines: string[]) => Buffer.concat([BOM, Buffer.from(lines.map((l) => `${l}\r\n`).join(""), "utf8")]);
const binary = (stream: IncomingMessage, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c));
  stream.on("end", () => done(null, Buffer.concat(chunks)));
  stream.on("error", (err) => done(err, Buffer.alloc(0)));
};
const getFile = (client: Client, url: string) => client.agent.get(url).buffer(true).parse(binary as never);

/** A CSV download: its headers, and its bytes equal to these lines (compared as text first, for a readable diff). */
function expectCsv(res: { headers: Record<string, string>; body: unknown }, encodedName: string, lines: string[]): void {
  expect(res.headers["content-type"]).toBe("text/csv; charset=utf-8");
  expect(res.headers["content-disposition"]).toBe(`attachment; filename*=UTF-8''${encodedName}`);
  expect(res.headers["cache-control"]).toBe("private, no-store");
  const expected = bytes(lines);
  expect((res.body as Buffer).toString("utf8")).toBe(expected.toString("utf8"));
  expect(Buffer.compare(res.body as Buffer, expected)).toBe(0);
}

async function exportAudits(examId: string) {
  const rows = await env.ctx.db.auditLog.findMany({ where: { action: "exam.exported", targetId: examId }, orderBy: { id: "asc" } });
  return rows.map((r) => ({ actorType: r.actorType, actorId: r.actorId, schoolId: r.schoolId, data: r.data }));
}

describe("Pronote CSV", () => {
  it("is the expected file byte for byte: BOM, ';', CRLF, decimal comma, Abs, unidentified copies apart", async () => {
    const res = await getFile(admin, exportUrl(ds3.examId, "pronote.csv")).expect(200);
    expectCsv(res, "DS%203%20-%20Maths%20-%20Pronote.csv", [
      "Nom;Prénom;Classe;INE;Note",
      "'=SOMME(A1:A9);Zoé;2nde A;;12",
      "DURAND;Léa;2nde A;123456789AA;14,5",
      "MARTIN;Hugo;2nde A;123456789AC;Abs",
      "BERNARD;Chloé;2nde B;123456789AD;Abs",
      "PETIT;Noé;2nde B;123456789AE;13,25",
      "",
      "Copies non identifiées;;;;",
      ";;;X0001;9,5",
      ";;;X0002;17",
    ]);
  });

  it("neutralises a name starting with '=': the spreadsheet shows it as text", async () => {
    const text = ((await getFile(admin, exportUrl(ds3.examId, "pronote.csv")).expect(200)).body as Buffer).toString("utf8");
    expect(text).toContain("\r\n'=SOMME(A1:A9);Zoé;");
    expect(text).not.toMatch(/(^|\n|;)=SOMME/);
  });

  it("has no unidentified section when every graded copy has its student", async () => {
    const exam = await makeMarksFixture(env.ctx, {
      schoolId,
      createdById: adminId,
      exam: { title: "Interro", subject: "SVT", classNames: ["1re D"], reportScale: 10 },
      questions: [["Q1", 3]],
      copies: [{ anonymousCode: "D0001", student: { lastName: "Roux", firstName: "Ève", className: "1re D" }, versions: [[2]] }],
    });
    const res = await getFile(admin, exportUrl(exam.examId, "pronote.csv")).expect(200);
    expectCsv(res, "Interro%20-%20SVT%20-%20Pronote.csv", ["Nom;Prénom;Classe;INE;Note", "Roux;Ève;1re D;;6,67"]);
  });
});

describe("detailed CSV", () => {
  it("lists every question's score, total and mark, then the statistics of each column", async () => {
    const res = await getFile(admin, exportUrl(ds3.examId, "detailed.csv")).expect(200);
    expectCsv(res, "DS%203%20-%20Maths%20-%20D%C3%A9tail.csv", [
      "Nom;Prénom;Classe;INE;Code anonyme;Exercice 1 (/15);Exercice 2 (/25);Total;Note",
      "'=SOMME(A1:A9);Zoé;2nde A;;A0002;9;15;24;12",
      "DURAND;Léa;2nde A;123456789AA;A0001;12;17;29;14,5",
      "MARTIN;Hugo;2nde A;123456789AC;;;;;Abs",
      "BERNARD;Chloé;2nde B;123456789AD;;;;;Abs",
      "PETIT;Noé;2nde B;123456789AE;B0002;10,5;16;26,5;13,25",
      ";;;;X0001;6;13;19;9,5",
      ";;;;X0002;15;19;34;17",
      "",
      "Moyenne;;;;;10,5;16;26,5;13,25",
      "Médiane;;;;;10,5;16;26,5;13,25",
      "Écart-type;;;;;3;2;5;2,5",
      "Min;;;;;6;13;19;9,5",
      "Max;;;;;15;19;34;17",
    ]);
  });
});

// ---- ZIP

/** The archive's entries: name → sha256 of the content (each entry read as a stream). */
function unzipDigests(file: string): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const found = new Map<string, string>();
      zip.on("error", reject);
      zip.on("end", () => resolve(found));
      zip.on("entry", (entry: yauzl.Entry) => {
        expect(entry.compressionMethod).toBe(0);
        zip.openReadStream(entry, (openErr, stream) => {
          if (openErr || !stream) return reject(openErr);
          const hash = createHash("sha256");
          stream.on("data", (c: Buffer) => hash.update(c));
          stream.on("error", reject);
          stream.on("end", () => {
            found.set(entry.fileName, hash.digest("hex"));
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

const sha256Of = async (relative: string) => createHash("sha256").update(await readFile(path.join(dataDir, relative))).digest("hex");

// A full collection before each sample: what is measured is memory still held, not garbage
// waiting for the collector (which would make the measure depend on when it runs).
v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;
const liveBytes = () => {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

const SAMPLE_EVERY = 2 * 1024 * 1024;

/**
 * Downloads to a file through a stream (the client keeps nothing in memory), sampling the
 * process' live memory every 2 MB received (by progress, not by time: a busy machine
 * changes the pace, not the number of samples); returns its peak growth over the start.
 */
async function measuredDownload(client: Client, url: string, file: string) {
  // Freed array buffers are released by a background sweeper: let it finish before the baseline.
  gc();
  await new Promise((resolve) => setTimeout(resolve, 100));
  gc();
  const start = liveBytes();
  let peak = start;
  const sample = () => {
    gc();
    peak = Math.max(peak, liveBytes());
  };
  let received = 0;
  const res = await client.agent
    .get(url)
    .buffer(true)
    .parse(((stream: IncomingMessage, done: (err: Error | null, body: null) => void) => {
      const out = createWriteStream(file);
      stream.on("data", (chunk: Buffer) => {
        received += chunk.length;
        if (received >= SAMPLE_EVERY) {
          received = 0;
          sample();
        }
      });
      stream.pipe(out);
      out.on("finish", () => done(null, null));
      stream.on("error", (err) => done(err, null));
    }) as never);
  sample();
  return { res, liveGrowth: peak - start };
}

describe("ZIP of graded PDFs", () => {
  it("holds the latest graded PDF of each GRADED copy, named CLASSE_NOM_Prénom or NON-IDENTIFIEE_<code>", async () => {
    const file = path.join(dataDir, "ds3.zip");
    const { res } = await measuredDownload(admin, exportUrl(ds3.examId, "graded-pdfs.zip"), file);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/zip");
    expect(res.headers["content-disposition"]).toBe("attachment; filename*=UTF-8''DS%203%20-%20Maths%20-%20Copies%20corrig%C3%A9es.zip");
    expect(res.headers["cache-control"]).toBe("private, no-store");
    const digests = await unzipDigests(file);
    const expected: [string, string][] = [
      ["2nde A_=SOMME(A1-A9)_Zoé.pdf", "A0002"],
      ["2nde A_DURAND_Léa.pdf", "A0001"],
      ["2nde B_PETIT_Noé.pdf", "B0002"],
      ["NON-IDENTIFIEE_X0001.pdf", "X0001"],
      ["NON-IDENTIFIEE_X0002.pdf", "X0002"],
    ];
    expect([...digests.keys()]).toEqual(expected.map(([name]) => name));
    for (const [name, code] of expected) expect(digests.get(name), name).toBe(await sha256Of(ds3.pdfPaths.get(code)!));
    // PETIT's regraded copy: version 2, not the first PDF.
    expect(ds3.pdfPaths.get("B0002")).toMatch(/-v2\.pdf$/);
  });

  it("streams 35 copies of 1 MB with flat memory and contains the 35 PDFs", { timeout: 120_000 }, async () => {
    const MB = 1024 * 1024;
    const copies = (count: number, prefix: string): FixtureCopy[] =>
      Array.from({ length: count }, (_, i) => ({
        anonymousCode: `${prefix}${String(i + 1).padStart(3, "0")}`,
        // Two students with the same name: the second file gets " (2)".
        student: { lastName: i === 1 ? "MOREAU" : `ÉLÈVE${i + 1}`, firstName: i <= 1 ? "Jules" : "Sam", className: "1re C" },
        versions: [[i % 20]],
      }));
    const exam = (title: string, count: number, prefix: string) =>
      makeMarksFixture(env.ctx, { schoolId, createdById: adminId, padBytes: MB, exam: { title, subject: "Physique", classNames: ["1re C"] }, questions: [["Q", 20]], copies: copies(count, prefix) });
    const large = await exam("DS 4", 35, "L");
    await env.ctx.db.student.updateMany({ where: { id: large.studentIds.get("ÉLÈVE1 Jules") }, data: { lastName: "MOREAU" } });
    const small = await exam("DS 5", 3, "S");

    const smallRun = await measuredDownload(admin, exportUrl(small.examId, "graded-pdfs.zip"), path.join(dataDir, "small.zip"));
    expect(smallRun.res.status).toBe(200);
    const file = path.join(dataDir, "large.zip");
    const largeRun = await measuredDownload(admin, exportUrl(large.examId, "graded-pdfs.zip"), file);
    expect(largeRun.res.status).toBe(200);
    const { size } = await stat(file);
    expect(size).toBeGreaterThan(35 * MB);
    // Buffering the archive or the PDFs would hold 35 MB; streaming holds a few chunks.
    // Buffering the archive, or the PDFs, would hold about the archive's size (35 MB) at some
    // point; streaming holds a constant working set of buffers, the same for 3 copies as for 35.
    // (Live memory, not RSS: the fixture's freed megabytes stay in the process, and a buffering
    // implementation could reuse them without any RSS growth.) Measured: about 8 MB either way.
    expect(largeRun.liveGrowth).toBeLessThan(size / 3);
    expect(largeRun.liveGrowth - smallRun.liveGrowth).toBeLessThan(4 * MB);

    const digests = await unzipDigests(file);
    expect(digests.size).toBe(35);
    // Natural order: ÉLÈVE3 before ÉLÈVE10.
    expect([...digests.keys()].slice(0, 3)).toEqual(["1re C_ÉLÈVE3_Sam.pdf", "1re C_ÉLÈVE4_Sam.pdf", "1re C_ÉLÈVE5_Sam.pdf"]);
    expect(digests.has("1re C_MOREAU_Jules.pdf") && digests.has("1re C_MOREAU_Jules (2).pdf")).toBe(true);
    const stored = await env.ctx.db.gradedPdf.findMany({ where: { copy: { examId: large.examId } }, select: { sha256: true } });
    expect(new Set(digests.values())).toEqual(new Set(stored.map((p) => p.sha256)));
    await unlink(file);

    // A download cancelled after its first bytes: the PDF being read is closed, not left open.
    await new Promise<void>((resolve) => {
      const request = admin.agent.get(exportUrl(large.examId, "graded-pdfs.zip")).buffer(true);
      request.parse(((stream: IncomingMessage) => stream.once("data", () => {
        stream.destroy();
        resolve();
      })) as never);
      request.end(() => resolve());
    });
    const openPdfs = () => readdirSync("/proc/self/fd").filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`).startsWith(path.join(dataDir, "graded"));
      } catch {
        return false; // closed meanwhile
      }
    });
    expect(await waitFor(async () => openPdfs(), (fds) => fds.length === 0, 5_000)).toEqual([]);
  });

  it("refuses before the first byte when a graded PDF is missing from storage", async () => {
    const exam = await makeMarksFixture(env.ctx, {
      schoolId,
      createdById: adminId,
      exam: { title: "DS 6", subject: "Histoire", classNames: ["Tle A"] },
      questions: [["Q", 20]],
      copies: [{ anonymousCode: "M0001", student: null, versions: [[12]] }],
    });
    await unlink(path.join(dataDir, exam.pdfPaths.get("M0001")!));
    const res = await admin.agent.get(exportUrl(exam.examId, "graded-pdfs.zip")).expect(409);
    expect(res.body.error).toMatchObject({ code: "GRADED_PDF_MISSING", details: { copies: ["M0001"] } });
    expect(res.body.error.message).toContain("M0001");
    expect(await exportAudits(exam.examId)).toEqual([]);
  });
});

describe("ZIP entry names", () => {
  const student = (className: string, lastName: string, firstName: string) => ({ id: `${lastName}-${firstName}`, className, lastName, firstName, ine: null });
  const result = (code: string) => ({ anonymousCode: code, pdfPath: `graded/${code}.pdf` }) as GradedResult;

  it("replaces what file systems refuse, and ignores case when making names unique", () => {
    expect(safePart('a/b\\c:d*e?f"g<h>i|j\u0007k')).toBe("a-b-c-d-e-f-g-h-i-j-k");
    // A bidirectional override would show "Léa\u202Efdp.exe" as "Léaexe.pdf".
    expect(safePart("Léa\u202Efdp.exe")).toBe("Léa-fdp.exe");
    expect(safePart("  ..Terminale  S.. ")).toBe("Terminale S");
    expect(safePart("...")).toBe("-");
    const lines: RosterLine[] = [
      { student: student("2nde A", "Dupont", "Marie"), result: result("C1") },
      { student: student("2nde A", "DUPONT", "marie"), result: result("C2") },
      { student: student("2nde A", "Dupont", "Marie"), result: result("C3") },
      { student: student("2nde A", "Absent", "Paul"), result: null },
    ];
    expect(zipEntries(lines, [result("../X 1")]).map((e) => e.name)).toEqual([
      "2nde A_Dupont_Marie.pdf",
      "2nde A_DUPONT_marie (2).pdf",
      "2nde A_Dupont_Marie (3).pdf",
      "NON-IDENTIFIEE_-X 1.pdf",
    ]);
  });
});

describe("audit and access", () => {
  it("audits every export with its kind and counts, never names or marks", async () => {
    const audits = await exportAudits(ds3.examId);
    const actorId = audits[0]?.actorId;
    expect(audits.length).toBeGreaterThanOrEqual(4);
    expect(audits.every((a) => a.actorType === "staff" && a.schoolId === schoolId && a.actorId === actorId)).toBe(true);
    expect(audits.map((a) => a.data)).toEqual(
      expect.arrayContaining([
        { kind: "pronote.csv", students: 5, gradedCopies: 5 },
        { kind: "detailed.csv", students: 5, gradedCopies: 5 },
        { kind: "graded-pdfs.zip", students: 5, gradedCopies: 5 },
      ]),
    );
  });

  it("is for the school's admins only: teachers and students 403, other schools 404", async () => {
    for (const file of ["pronote.csv", "detailed.csv", "graded-pdfs.zip"]) {
      await teacher.agent.get(exportUrl(ds3.examId, file)).expect(403);
      await student.agent.get(exportUrl(ds3.examId, file)).expect(403);
      await otherAdmin.agent.get(exportUrl(ds3.examId, file)).expect(404);
    }
    await admin.agent.get(exportUrl("pas-un-id", "pronote.csv")).expect(400);
  });
});
