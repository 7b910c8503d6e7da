// The authorization matrix: for every route of the app, who gets through and what each of five
// principals gets back. matrix.test.ts calls every route as each principal and compares with this
// table; idor.test.ts reuses its requests to try another school's (or another student's) ids.
//
// Conventions:
// - One entry per route, keyed "METHOD /full/path" exactly as declaredRoutes(app) lists it. A
//   route missing here, or an entry naming no route, fails the suite.
// - `roles` is who the route is for, written here independently of the code: a principal outside
//   it must get 401 (anonymous) or 403 (any other session). `expect` gives the exact status of
//   every principal inside it, and only of those. "admin" and "teacher" are staff of school A,
//   "student" a student of school A whose graded copy is published; "otherAdmin" is an admin of
//   school B. Principals are called in the order of PRINCIPALS.
// - Path parameters get the ids of real objects of school A (world.ts builds the same objects
//   in every school), so an authorized principal gets past the guard and the school check, and
//   otherAdmin reaches the school check itself: 404, never 200 nor 403.
// - Bodies are built from the CALLER's own school (`own`): ids in a body are always the caller's,
//   so that otherAdmin's 404 can only come from the path's object.
// - Bodies are valid (a body refused by validation would answer 400 before any school check). A
//   route whose success would destroy the shared fixture is aimed at an object whose state makes
//   it refuse (409: a graded booklet on the desk, a copy nobody locked, an exam with grades), or
//   at a spare object it may consume (spareExam, spareRubricItem, spareComment), or sent a fake
//   lock token. Uploads get a JSON body (415 past the school check). Session-ending routes are
//   called with a fresh session per principal.
// - `idor` (used by idor.test.ts only) points the attack at an object, or sends a request, that
//   would succeed for the object's own school, so that a missing school check shows as a change.
import { exportCsv } from "../roster-factory.js";

export type Principal = "anonymous" | "student" | "teacher" | "admin" | "otherAdmin";
export type Role = "ADMIN" | "TEACHER" | "STUDENT";

/** Call order: the refused first, so that nothing they could do changes what the others see. */
export const PRINCIPALS: readonly Principal[] = ["anonymous", "student", "otherAdmin", "teacher", "admin"];

/** The role a principal's session carries (anonymous: none). */
export const ROLE_OF: Record<Principal, Role | null> = { anonymous: null, student: "STUDENT", teacher: "TEACHER", admin: "ADMIN", otherAdmin: "ADMIN" };

/** Objects every school of the test world has (world.ts): path parameters name one of them. */
export const OBJECT_KEYS = [
  "exam", // published to CLASS, with grades; graded by `teacher`
  "spareExam", // no copies: may be archived, deleted or have its scheme replaced
  "question", // question 1 of exam
  "batch", // exam's scan batch (DONE)
  "readyCopy", // READY, nobody holds its lock
  "readyBooklet", // readyCopy's booklet: editable on the desk, has a header crop
  "readyPage", // readyBooklet's first page, with its image and thumbnail
  "discardedPage", // readyBooklet's second page, discarded on the desk
  "gradedCopy", // the student's copy: GRADED, with its graded PDF
  "gradedBooklet", // gradedCopy's booklet: locked for the desk (grading started)
  "gradedPage", // gradedBooklet's first page
  "classmateCopy", // the classmate's copy: GRADED
  "student", // the student (gradedCopy's), with an INE
  "classmate", // another student of the same class (classmateCopy's)
  "codesStudent", // a student of class "Codes 3", without access code
  "teacher",
  "document", // exam's subject (a PDF)
  "rubricItem",
  "spareRubricItem",
  "comment", // exam's library comment "Justifier"
  "spareComment",
  "review", // the classmate's OPEN review request (question 1)
  "answeredReview", // the classmate's ANSWERED review request (question 2)
  "issue", // access codes issued to class "Codes 1", downloadable
] as const;
export type ObjectKey = (typeof OBJECT_KEYS)[number];
export type Objects = Record<ObjectKey, string>;

/** A path parameter takes an object's id; "className" takes the name of the exam's class. */
export type ParamValue = ObjectKey | "className";

export const CLASS = "2nde A";
export const REVIEW_DEADLINE = "2099-06-30T16:00:00.000Z";
/** Well-formed, and never the token of a lock. */
export const FAKE_LOCK_TOKEN = "not-a-lock-token-0000000000000000";

export interface Call {
  /** Path parameter → the object (of the target school) whose id it takes. */
  params?: Record<string, ParamValue>;
  /** The URL, for a route whose path has a wildcard instead of parameters. */
  url?: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** JSON body, from the caller's own objects. */
  body?: (own: Objects) => object;
  /** A small real PDF as multipart (field "file") instead of a JSON body. */
  upload?: boolean;
}

export interface Entry extends Call {
  roles: "public" | readonly Role[];
  expect: Partial<Record<Principal, number>>;
  /** Ends the caller's session: each principal calls it with a session of its own. */
  endsSession?: boolean;
  /** For idor.test.ts: a request that would succeed for the target school, and the status expected of an attacker (404). */
  idor?: Call & { expect?: number };
}

const ALL = "public";
const ADMIN = ["ADMIN"] as const;
const TEACHER = ["TEACHER"] as const;
const STAFF = ["ADMIN", "TEACHER"] as const;
const STUDENT = ["STUDENT"] as const;

/** The same status for the five principals (public routes that ignore the session). */
const everyone = (status: number) => ({ anonymous: status, student: status, teacher: status, admin: status, otherAdmin: status });
/** An admin route on an object of school A. */
const adminOnA = (status: number) => ({ admin: status, otherAdmin: 404 });
/** A staff route on an object of school A (the teacher grades the exam). */
const staffOnA = (status: number) => ({ admin: status, teacher: status, otherAdmin: 404 });

const rosterCsv = exportCsv([["Nom", "Prénom", "Classe", "Né(e) le", "INE"], ["DUPONT", "Léa", CLASS, "03/05/2010", "123456789AB"]], ";", "utf-8-bom").toString("base64");

export const MATRIX: Record<string, Entry> = {
  // Health and metrics: no session involved (metrics: a direct connection from an internal address).
  "GET /api/health/live": { roles: ALL, expect: everyone(200) },
  "GET /api/health/ready": { roles: ALL, expect: everyone(200) },
  "GET /api/health": { roles: ALL, expect: everyone(200) },
  "GET /metrics": { roles: ALL, expect: everyone(200) },

  // Authentication.
  "GET /api/auth/session": { roles: ALL, expect: everyone(200) },
  "POST /api/auth/login": { roles: ALL, expect: everyone(400), body: () => ({}) },
  "POST /api/auth/student-login": { roles: ALL, expect: everyone(400), body: () => ({}) },
  "POST /api/auth/logout": { roles: ALL, expect: everyone(204), endsSession: true },
  "POST /api/auth/password": { roles: STAFF, expect: { admin: 400, teacher: 400, otherAdmin: 400 }, body: () => ({}) },

  // Staff, exams, roster, worker.
  "GET /api/users": { roles: ADMIN, expect: { admin: 200, otherAdmin: 200 } },
  "GET /api/exams": { roles: STAFF, expect: { admin: 200, teacher: 200, otherAdmin: 200 } },
  "POST /api/exams": {
    roles: ADMIN, expect: { admin: 201, otherAdmin: 201 },
    body: () => ({ title: "Contrôle matrice", subject: "Maths", date: "2026-12-01", classNames: [CLASS], pagesPerCopy: 2, layout: "A4_BATCH" }),
  },
  "GET /api/exams/:id": { roles: STAFF, expect: staffOnA(200), params: { id: "exam" } },
  "PATCH /api/exams/:id": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" }, body: () => ({}) },
  "PUT /api/exams/:id/marking-scheme": {
    roles: ADMIN, expect: adminOnA(409), params: { id: "exam" },
    body: () => ({ questions: [{ label: "Exercice unique", maxPoints: 20 }], reportScale: 20 }),
    idor: { params: { id: "spareExam" } },
  },
  "POST /api/exams/:id/archive": { roles: ADMIN, expect: adminOnA(200), params: { id: "spareExam" } },
  "DELETE /api/exams/:id": { roles: ADMIN, expect: adminOnA(409), params: { id: "exam" }, idor: { params: { id: "spareExam" } } },
  "POST /api/students/import": { roles: ADMIN, expect: { admin: 200, otherAdmin: 200 }, body: () => ({ content: rosterCsv, schoolYear: "2026-2027" }) },
  "POST /api/system/ping": { roles: ADMIN, expect: { admin: 200, otherAdmin: 200 } },

  // Scans.
  "POST /api/exams/:id/scans": { roles: ADMIN, expect: adminOnA(415), params: { id: "exam" }, idor: { upload: true } },
  "GET /api/exams/:id/scans": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },
  "GET /api/scans/:batchId": { roles: ADMIN, expect: adminOnA(200), params: { batchId: "batch" } },
  "GET /api/scans/:batchId/progress": { roles: ADMIN, expect: adminOnA(200), params: { batchId: "batch" } },
  "POST /api/scans/:batchId/retry": { roles: ADMIN, expect: adminOnA(409), params: { batchId: "batch" } },
  "POST /api/scans/:batchId/pages/:pageId/retry": { roles: ADMIN, expect: adminOnA(409), params: { batchId: "batch", pageId: "readyPage" } },

  // Identification desk: booklet and page actions aimed at a booklet whose copy is graded (409).
  "GET /api/exams/:id/identification": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },
  "POST /api/exams/:id/identification/accept": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" }, body: () => ({ minConfidence: 0.9, dryRun: true }) },
  "POST /api/exams/:id/identification/rerun": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },
  "GET /api/exams/:id/cover-sheets.pdf": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },
  "POST /api/booklets/:id/identify": {
    roles: ADMIN, expect: adminOnA(409), params: { id: "gradedBooklet" }, body: (own) => ({ studentId: own.codesStudent, change: true }),
    idor: { params: { id: "readyBooklet" } },
  },
  "POST /api/booklets/:id/unidentify": { roles: ADMIN, expect: adminOnA(409), params: { id: "gradedBooklet" }, idor: { params: { id: "readyBooklet" } } },
  "POST /api/booklets/:id/set-aside": { roles: ADMIN, expect: adminOnA(409), params: { id: "gradedBooklet" }, body: () => ({ reason: "ABSENT" }) },
  "POST /api/booklets/:id/restore": { roles: ADMIN, expect: adminOnA(409), params: { id: "gradedBooklet" } },
  "POST /api/booklets/:id/merge": { roles: ADMIN, expect: adminOnA(409), params: { id: "gradedBooklet" }, body: (own) => ({ bookletId: own.readyBooklet }) },
  "POST /api/booklets/:id/split": { roles: ADMIN, expect: adminOnA(409), params: { id: "gradedBooklet" }, body: () => ({ position: 2 }) },
  "POST /api/booklets/:id/late-pages": {
    roles: ADMIN, expect: adminOnA(409), params: { id: "gradedBooklet" }, query: { position: "1" },
    idor: { params: { id: "readyBooklet" }, upload: true },
  },
  "GET /api/booklets/:id/header": { roles: ADMIN, expect: adminOnA(200), params: { id: "readyBooklet" } },
  "POST /api/desk/pages/:id/move": {
    roles: ADMIN, expect: adminOnA(409), params: { id: "gradedPage" }, body: (own) => ({ bookletId: own.gradedBooklet, position: 1 }),
  },
  "POST /api/desk/pages/:id/rotate": { roles: ADMIN, expect: adminOnA(409), params: { id: "gradedPage" }, body: () => ({ rotation: 90 }), idor: { params: { id: "readyPage" } } },
  "POST /api/desk/pages/:id/discard": { roles: ADMIN, expect: adminOnA(409), params: { id: "gradedPage" }, idor: { params: { id: "readyPage" } } },
  "POST /api/desk/pages/:id/restore": { roles: ADMIN, expect: adminOnA(409), params: { id: "gradedPage" }, idor: { params: { id: "discardedPage" } } },

  // Grading: assignment.
  "GET /api/exams/:id/graders": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },
  "PUT /api/exams/:id/graders": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" }, body: (own) => ({ userIds: [own.teacher] }) },
  "POST /api/exams/:id/dispatch": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" }, body: () => ({ mode: "even" }) },
  "PUT /api/copies/:id/grader": { roles: ADMIN, expect: adminOnA(200), params: { id: "readyCopy" }, body: (own) => ({ userId: own.teacher }) },
  "GET /api/grading/exams": { roles: TEACHER, expect: { teacher: 200 } },
  "GET /api/exams/:id/copies": { roles: STAFF, expect: staffOnA(200), params: { id: "exam" } },
  "GET /api/exams/:id/copies/next": { roles: TEACHER, expect: { teacher: 200 }, params: { id: "exam" } },
  "GET /api/copies/:id/history": { roles: ADMIN, expect: adminOnA(200), params: { id: "readyCopy" } },

  // Grading: locks and drafts, without ever holding a lock (a graded copy cannot be locked; the token is fake).
  "POST /api/copies/:id/lock": { roles: TEACHER, expect: { teacher: 409 }, params: { id: "gradedCopy" }, body: () => ({}), idor: { params: { id: "readyCopy" } } },
  "POST /api/copies/:id/lock/heartbeat": { roles: TEACHER, expect: { teacher: 409 }, params: { id: "readyCopy" }, body: () => ({ token: FAKE_LOCK_TOKEN }) },
  "DELETE /api/copies/:id/lock": { roles: TEACHER, expect: { teacher: 204 }, params: { id: "readyCopy" }, body: () => ({ token: FAKE_LOCK_TOKEN }) },
  "POST /api/copies/:id/lock/break": { roles: ADMIN, expect: adminOnA(409), params: { id: "readyCopy" } },
  "GET /api/copies/:id/draft": { roles: STAFF, expect: staffOnA(200), params: { id: "readyCopy" } },
  "PUT /api/copies/:id/draft": {
    roles: TEACHER, expect: { teacher: 409 }, params: { id: "readyCopy" }, headers: { "If-Match": '"0"' },
    body: () => ({ lockToken: FAKE_LOCK_TOKEN, annotations: [], scores: {} }),
  },
  "GET /api/copies/:id": { roles: STAFF, expect: staffOnA(200), params: { id: "readyCopy" } },
  "POST /api/copies/:id/finalize": { roles: TEACHER, expect: { teacher: 409 }, params: { id: "readyCopy" }, body: () => ({ lockToken: FAKE_LOCK_TOKEN, version: 1 }) },
  "POST /api/copies/:id/retry": { roles: STAFF, expect: staffOnA(409), params: { id: "readyCopy" } },
  "POST /api/copies/:id/reopen": { roles: ADMIN, expect: adminOnA(409), params: { id: "readyCopy" }, idor: { params: { id: "gradedCopy" } } },
  "GET /api/copies/:id/graded.pdf": { roles: STAFF, expect: staffOnA(200), params: { id: "gradedCopy" } },

  // Grading: rubric and comment library.
  "GET /api/exams/:id/rubric": { roles: STAFF, expect: staffOnA(200), params: { id: "exam" } },
  "POST /api/exams/:id/rubric/items": {
    roles: STAFF, expect: staffOnA(201), params: { id: "exam" }, body: (own) => ({ questionId: own.question, label: "Unité oubliée", points: 0.5 }),
  },
  "PATCH /api/rubric-items/:id": { roles: STAFF, expect: staffOnA(200), params: { id: "rubricItem" }, body: () => ({}), idor: { body: () => ({ label: "Changé par une autre école", points: 2 }) } },
  "DELETE /api/rubric-items/:id": { roles: STAFF, expect: staffOnA(204), params: { id: "spareRubricItem" } },
  "PUT /api/questions/:id/rubric-mode": { roles: STAFF, expect: staffOnA(200), params: { id: "question" }, body: () => ({ mode: "ADD" }), idor: { body: () => ({ mode: "SUBTRACT" }) } },
  "GET /api/exams/:id/comments": { roles: STAFF, expect: staffOnA(200), params: { id: "exam" } },
  "POST /api/exams/:id/comments": { roles: STAFF, expect: staffOnA(200), params: { id: "exam" }, body: () => ({ text: "Justifier" }), idor: { body: () => ({ text: "Écrit par une autre école" }) } },
  "DELETE /api/comments/:id": { roles: STAFF, expect: staffOnA(204), params: { id: "spareComment" } },

  // Documents.
  "POST /api/exams/:id/documents": { roles: ADMIN, expect: adminOnA(415), params: { id: "exam" }, query: { kind: "SUBJECT" }, idor: { upload: true } },
  "GET /api/exams/:id/documents": { roles: STAFF, expect: staffOnA(200), params: { id: "exam" } },
  "GET /api/documents/:id/file": { roles: STAFF, expect: staffOnA(200), params: { id: "document" } },

  // Access codes: each school has classes "Codes 1" (issued), "Codes 2" (without codes) and "Codes 3".
  "GET /api/access-codes/classes": { roles: ADMIN, expect: { admin: 200, otherAdmin: 200 } },
  // A class name is no id: another school's admin sees the class of that name in their own school.
  "GET /api/access-codes/classes/:className/students": { roles: ADMIN, expect: { admin: 200, otherAdmin: 200 }, params: { className: "className" }, idor: { expect: 200 } },
  "POST /api/access-codes": { roles: ADMIN, expect: { admin: 201, otherAdmin: 201 }, body: () => ({ className: "Codes 2", scope: "missing" }) },
  "POST /api/students/:id/access-code": { roles: ADMIN, expect: adminOnA(201), params: { id: "codesStudent" } },
  "GET /api/access-codes/issues/:issueId/slips.pdf": { roles: ADMIN, expect: adminOnA(200), params: { issueId: "issue" } },
  "GET /api/access-codes/issues/:issueId/codes.csv": { roles: ADMIN, expect: adminOnA(200), params: { issueId: "issue" } },

  // Review requests.
  "POST /api/me/copies/:id/reviews": { roles: STUDENT, expect: { student: 201 }, params: { id: "gradedCopy" }, body: (own) => ({ questionId: own.question, message: "Je pense avoir justifié." }) },
  "GET /api/reviews": { roles: STAFF, expect: { admin: 200, teacher: 200, otherAdmin: 200 } },
  "POST /api/reviews/:id/answer": {
    roles: STAFF, expect: staffOnA(409), params: { id: "answeredReview" }, body: () => ({ answer: "Note maintenue.", reopen: false }),
    idor: { params: { id: "review" } },
  },

  // Publication (the exam stays published to its class).
  "GET /api/exams/:id/publication": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },
  "POST /api/exams/:id/publication": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" }, body: () => ({ confirm: true }), idor: { params: { id: "spareExam" } } },
  "POST /api/exams/:id/unpublish": { roles: ADMIN, expect: adminOnA(400), params: { id: "exam" }, body: () => ({ classNames: ["Classe inconnue"] }), idor: { body: () => ({}) } },
  "PUT /api/exams/:id/review-deadline": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" }, body: () => ({ reviewDeadline: REVIEW_DEADLINE }), idor: { body: () => ({ reviewDeadline: null }) } },

  // Student portal.
  "GET /api/me/copies": { roles: STUDENT, expect: { student: 200 } },
  "GET /api/me/copies/:id/pdf": { roles: STUDENT, expect: { student: 200 }, params: { id: "gradedCopy" } },

  // Statistics and exports.
  "GET /api/exams/:id/statistics": { roles: STAFF, expect: staffOnA(200), params: { id: "exam" } },
  "GET /api/exams/:id/exports/pronote.csv": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },
  "GET /api/exams/:id/exports/detailed.csv": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },
  "GET /api/exams/:id/exports/graded-pdfs.zip": { roles: ADMIN, expect: adminOnA(200), params: { id: "exam" } },

  // Page images.
  "GET /api/pages/:id/image": { roles: STAFF, expect: staffOnA(200), params: { id: "readyPage" } },
  "GET /api/pages/:id/thumb": { roles: STAFF, expect: staffOnA(200), params: { id: "readyPage" } },

  // The SPA: any other GET outside /api (world.ts gives the app a built index.html).
  "GET /{*path}": { roles: ALL, expect: everyone(200), url: "/eleve/connexion" },
};

/** "GET /api/exams/:id" → its method and path. */
export function splitKey(key: string): { method: "get" | "post" | "put" | "patch" | "delete"; path: string } {
  const [method, path] = key.split(" ") as [string, string];
  return { method: method.toLowerCase() as "get", path };
}

export const routeKey = (route: { method: string; path: string }) => `${route.method.toUpperCase()} ${route.path}`;

/** The path parameters of a route ("/api/scans/:batchId/pages/:pageId/retry" → batchId, pageId). */
export const pathParams = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

/** May this principal's session pass the route's guard? */
export function admitted(entry: Entry, principal: Principal): boolean {
  if (entry.roles === "public") return true;
  const role = ROLE_OF[principal];
  return role !== null && entry.roles.includes(role);
}

/** The status the table expects: its own for an admitted principal, the guard's refusal otherwise. */
export function expectedStatus(entry: Entry, principal: Principal): number | undefined {
  if (admitted(entry, principal)) return entry.expect[principal];
  return principal === "anonymous" ? 401 : 403;
}

/** Entries that state a status for a principal the guard refuses, or none for one it admits. */
export function inconsistencies(key: string, entry: Entry): string[] {
  return PRINCIPALS.flatMap((p) => {
    const stated = entry.expect[p] !== undefined;
    if (admitted(entry, p) && !stated) return [`${key}: no expected status for ${p}, whom the roles admit`];
    if (!admitted(entry, p) && stated) return [`${key}: a status for ${p}, whom the roles refuse (401/403 are implied)`];
    return [];
  });
}
