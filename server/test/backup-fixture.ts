// What the backup and restore tests back up: a school whose exam has a subject document and two
// graded copies (rows and real files), made through the API and the graded-copy factory.
import { PDFDocument } from "pdf-lib";
import { createSchool, createStaff, staffClient, type TestEnv } from "./harness.js";
import { makeGradedCopies, type GradedCopy } from "./graded-factory.js";

async function subjectPdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText("Sujet du DS", { x: 50, y: 780 });
  return Buffer.from(await doc.save());
}

export async function seedGradedExam(env: TestEnv): Promise<{ documentPath: string; graded: GradedCopy[] }> {
  const schoolId = (await createSchool(env.ctx)).id;
  const adminUser = await createStaff(env.ctx, schoolId, "ADMIN");
  const admin = await staffClient(env.app, adminUser.email);
  const graderId = (await createStaff(env.ctx, schoolId, "TEACHER")).id;
  const post = (url: string) => admin.agent.post(url).set("X-CSRF-Token", admin.csrf);
  const examId = (await post("/api/exams").send({ title: "DS 3", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" }).expect(201)).body.exam.id as string;
  await admin.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", admin.csrf).send({ questions: [{ label: "Exercice 1", maxPoints: 20 }], reportScale: 20 }).expect(200);
  await post(`/api/exams/${examId}/documents?kind=SUBJECT`).attach("file", await subjectPdf(), "sujet.pdf").expect(201);
  const documentPath = (await env.ctx.db.examDocument.findFirstOrThrow({ where: { examId } })).storagePath;
  const graded = (await makeGradedCopies(env.ctx, { schoolId, examId, uploadedById: adminUser.id, graderId, copies: 2 })).copies;
  return { documentPath, graded };
}
