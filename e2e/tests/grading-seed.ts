// What the grading specs share: an exam prepared by the admin through the API (marking scheme,
// a scanned batch of READY copies identified by hand, its graders, copies dispatched), and a
// pen stroke drawn with the mouse.
import { expect, type Page } from "@playwright/test";
import { makeA4Batch } from "../../server/test/scan-factory.js";
import { body, staffApi, staffMember } from "./helpers.js";

const CLASS = "2nde B";

export interface ExamToGrade {
  examId: string;
  questionIds: [string, string];
}

/**
 * An exam with `copies` READY copies of two pages, graded by the staff whose e-mails are given;
 * with `subject`, a subject document to open beside the copy.
 */
export async function examToGrade(baseURL: string, options: { title: string; copies: number; graders: string[]; subject?: boolean }): Promise<ExamToGrade> {
  const { api, headers } = await staffApi(baseURL, staffMember("ADMIN"));
  try {
    const examInput = { title: options.title, subject: "Mathématiques", date: "2026-11-20", classNames: [CLASS], pagesPerCopy: 2, layout: "A4_BATCH" };
    const { exam } = await body<{ exam: { id: string } }>(await api.post("/api/exams", { headers, data: examInput }), 201);
    const scheme = { questions: [{ label: "Exercice 1", maxPoints: 4, step: 0.5 }, { label: "Exercice 2", maxPoints: 6, step: 0.25 }], reportScale: 20 };
    const { exam: withScheme } = await body<{ exam: { questions: { id: string }[] } }>(await api.put(`/api/exams/${exam.id}/marking-scheme`, { headers, data: scheme }));

    const scan = { name: "copies.pdf", mimeType: "application/pdf", buffer: Buffer.from(await makeA4Batch({ pages: 2 * options.copies })) };
    const { batch } = await body<{ batch: { id: string } }>(await api.post(`/api/exams/${exam.id}/scans`, { headers, multipart: { file: scan } }), 201);
    await expect
      .poll(async () => ((await (await api.get(`/api/scans/${batch.id}/progress`)).json()) as { progress: { status: string } }).progress.status, { timeout: 90_000 })
      .toBe("DONE");

    // The worker reads each booklet's header; nothing on these pages names a student: identified by hand.
    type Desk = { booklets: { id: string; status: string }[]; students: { id: string }[] };
    const desk = async () => body<Desk>(await api.get(`/api/exams/${exam.id}/identification`));
    await expect.poll(async () => (await desk()).booklets.filter((b) => b.status === "PENDING").length, { timeout: 120_000 }).toBe(options.copies);
    const { booklets, students } = await desk();
    for (const [i, booklet] of booklets.entries()) {
      await body(await api.post(`/api/booklets/${booklet.id}/identify`, { headers, data: { studentId: students[i]!.id } }));
    }

    if (options.subject) {
      const subject = { name: "sujet.pdf", mimeType: "application/pdf", buffer: Buffer.from(await makeA4Batch({ pages: 1, encoding: "vector" })) };
      await body(await api.post(`/api/exams/${exam.id}/documents?kind=SUBJECT`, { headers, multipart: { file: subject } }), 201);
    }

    const { users } = await body<{ users: { id: string; email: string }[] }>(await api.get("/api/users"));
    const graders = users.filter((u) => options.graders.includes(u.email)).map((u) => u.id);
    await body(await api.put(`/api/exams/${exam.id}/graders`, { headers, data: { userIds: graders } }));
    await body(await api.post(`/api/exams/${exam.id}/dispatch`, { headers, data: { mode: "even" } }));
    const [q1, q2] = withScheme.questions.map((q) => q.id);
    return { examId: exam.id, questionIds: [q1!, q2!] };
  } finally {
    await api.dispose();
  }
}

/** A pen stroke across the first page, as a mouse draws it. */
export async function drawStroke(page: Page): Promise<void> {
  const overlay = page.getByTestId("canvas-overlay").first();
  await expect(overlay).toBeVisible();
  const box = (await overlay.boundingBox())!;
  const at = (x: number, y: number) => [box.x + box.width * x, box.y + Math.min(box.height, 600) * y] as const;
  await page.mouse.move(...at(0.2, 0.3));
  await page.mouse.down();
  for (let i = 1; i <= 10; i += 1) await page.mouse.move(...at(0.2 + i * 0.04, 0.3 + (i % 2) * 0.05));
  await page.mouse.up();
}
