// One school with an object of every kind a route takes an id for (an exam with its marking
// scheme, grader, scanned copy, booklet, page, rubric item, comment, review request), its users
// logged in, and the route table's paths filled with those objects: what the CSRF and input
// abuse suites call every route with.
import { randomUUID } from "node:crypto";
import { PDFDocument } from "pdf-lib";
import type { DeclaredRoute } from "../../lib/http/access.js";
import { makeGradableCopies } from "../copy-factory.js";
import { anonymousClient, createSchool, createStaff, staffClient, studentClient, type Client, type TestEnv } from "../harness.js";

export interface SchoolFixture {
  schoolId: string;
  examId: string;
  questionId: string;
  copyId: string;
  batchId: string;
  bookletId: string;
  pageId: string;
  studentId: string;
  studentLogin: string;
  rubricItemId: string;
  commentId: string;
  reviewId: string;
  documentId: string;
  adminEmail: string;
  clients: Record<"anonymous" | "admin" | "teacher" | "student", Client>;
}

/** A one-page PDF, as a subject or a scanned copy. */
export async function onePagePdf(label = "Sujet"): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([595, 842]).drawText(label, { x: 50, y: 780 });
  return Buffer.from(await doc.save());
}

export const EXAM = { title: "DS 1", subject: "Maths", date: "2026-11-20", classNames: ["2nde A"], pagesPerCopy: 2, layout: "A4_BATCH" };

/** Needs DATA_DIR set to a folder of the test's own (the copy's scan is stored there). */
export async function buildSchoolFixture(env: TestEnv): Promise<SchoolFixture> {
  const { ctx } = env;
  const schoolId = (await createSchool(ctx)).id;
  const admin = await createStaff(ctx, schoolId, "ADMIN");
  const teacher = await createStaff(ctx, schoolId, "TEACHER");
  const a = await staffClient(env.app, admin.email);
  const exam = await a.agent.post("/api/exams").set("X-CSRF-Token", a.csrf).send(EXAM).expect(201);
  const examId = exam.body.exam.id as string;
  await a.agent.put(`/api/exams/${examId}/marking-scheme`).set("X-CSRF-Token", a.csrf).send({ questions: [{ label: "Exercice 1", maxPoints: 20 }] }).expect(200);
  await a.agent.put(`/api/exams/${examId}/graders`).set("X-CSRF-Token", a.csrf).send({ userIds: [teacher.id] }).expect(200);
  const questionId = (await ctx.db.question.findFirstOrThrow({ where: { examId } })).id;
  const { batchId, copyIds } = await makeGradableCopies(ctx, { schoolId, examId, uploadedById: admin.id, copies: 1, layout: "A4_BATCH", pagesPerCopy: 2, dpi: 50 });
  const copyId = copyIds[0]!;
  const student = (await ctx.db.copy.findUniqueOrThrow({ where: { id: copyId }, include: { student: true } })).student!;
  await ctx.db.student.update({ where: { id: student.id }, data: { className: "2nde A" } });
  const bookletId = (await ctx.db.booklet.findFirstOrThrow({ where: { batchId } })).id;
  const pageId = (await ctx.db.page.findFirstOrThrow({ where: { batchId } })).id;
  const rubricItemId = (await ctx.db.rubricItem.create({ data: { schoolId, examId, questionId, position: 1, label: "Juste", points: 2, createdById: teacher.id } })).id;
  const commentId = (await ctx.db.commentTemplate.create({ data: { schoolId, examId, text: "Bien", createdById: teacher.id } })).id;
  const reviewId = (await ctx.db.reviewRequest.create({ data: { schoolId, copyId, questionId, studentId: student.id, message: "Pourquoi ?" } })).id;
  const document = await a.agent.post(`/api/exams/${examId}/documents?kind=SUBJECT`).set("X-CSRF-Token", a.csrf).attach("file", await onePagePdf(), "sujet.pdf").expect(201);
  const documentId = document.body.document.id as string;
  const clients = { anonymous: await anonymousClient(env.app), admin: a, teacher: await staffClient(env.app, teacher.email), student: await studentClient(env.app, student.login) };
  return { schoolId, examId, questionId, copyId, batchId, bookletId, pageId, studentId: student.id, studentLogin: student.login, rubricItemId, commentId, reviewId, documentId, adminEmail: admin.email, clients };
}

/** A real object of the fixture for each route parameter, by the path segment before it. */
const SAMPLE_PARAMS: Record<string, (f: SchoolFixture) => string> = {
  "exams/:id": (f) => f.examId,
  "copies/:id": (f) => f.copyId,
  "booklets/:id": (f) => f.bookletId,
  "pages/:id": (f) => f.pageId,
  "pages/:pageId": (f) => f.pageId,
  "scans/:batchId": (f) => f.batchId,
  "rubric-items/:id": (f) => f.rubricItemId,
  "questions/:id": (f) => f.questionId,
  "comments/:id": (f) => f.commentId,
  "reviews/:id": (f) => f.reviewId,
  "students/:id": (f) => f.studentId,
  "documents/:id": (f) => f.documentId,
  "classes/:className": () => "2nde A",
  // Code issues live in Redis for a few minutes: none exists, any id does.
  "issues/:issueId": () => randomUUID(),
};

/**
 * The route's path with each parameter filled: by `fill(key, sample)` (its result goes into the
 * URL as it is, already encoded), else by the fixture's object. A parameter this file does not
 * know fails the suite: a new kind of id needs its sample here.
 */
export function routeUrl(route: DeclaredRoute, f: SchoolFixture, fill?: (key: string, sample: string) => string): string {
  return route.path.replace(/([\w-]+)\/:(\w+)/g, (_match, segment: string, param: string) => {
    const key = `${segment}/:${param}`;
    const sample = SAMPLE_PARAMS[key];
    if (!sample) throw new Error(`${route.method.toUpperCase()} ${route.path}: no sample value for "${key}" — add one to SAMPLE_PARAMS in server/test/security/fixture.ts`);
    return `${segment}/${fill ? fill(key, sample(f)) : encodeURIComponent(sample(f))}`;
  });
}

/** Someone the route lets in: logout is tried on a logged-in session, the login forms anonymously. */
export function principalFor(route: DeclaredRoute, f: SchoolFixture): Client {
  if (route.access.kind === "public") return route.path.endsWith("/logout") ? f.clients.admin : f.clients.anonymous;
  const roles = route.access.roles;
  return roles.includes("ADMIN") ? f.clients.admin : roles.includes("TEACHER") ? f.clients.teacher : f.clients.student;
}

export const routeLabel = (route: DeclaredRoute) => `${route.method.toUpperCase()} ${route.path}`;

/** The request, with `token` as X-CSRF-Token when given and `body` as JSON. */
export function callRoute(client: Client, route: DeclaredRoute, url: string, token: string | undefined, body: object) {
  const req = client.agent[route.method](url);
  return (token === undefined ? req : req.set("X-CSRF-Token", token)).send(body);
}
