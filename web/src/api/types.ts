// Response types of the Korrigo HTTP API (base path /api).

export type StaffRole = "ADMIN" | "TEACHER";

export interface School {
  id: string;
  name: string;
}

export interface StaffSessionUser {
  kind: "staff";
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  school: School;
}

export interface StudentSessionUser {
  kind: "student";
  id: string;
  login: string;
  firstName: string;
  lastName: string;
  className: string;
  school: School;
}

export type SessionUser = StaffSessionUser | StudentSessionUser;

export interface SessionResponse {
  user: SessionUser | null;
  csrfToken: string;
}

export interface LoginResponse {
  user: SessionUser;
  csrfToken: string;
}

export interface StaffUser {
  id: string;
  email: string;
  displayName: string;
  role: StaffRole;
  disabled: boolean;
  lastLoginAt: string | null;
}

export interface UsersResponse {
  users: StaffUser[];
}

export type ExamStatus = "DRAFT" | "OPEN" | "PUBLISHED" | "ARCHIVED";

/** How the copier's file is cut into booklets (one per student). */
export type ExamLayout = "A3_DOUBLE" | "A4_BATCH" | "INDIVIDUAL_FILES";

/** What the name box on page 1 holds: a free box with lines, or the boxed CMEN header. */
export type HeaderKind = "FREE_BOX" | "CMEN";

export type CopyStatus = "STAGING" | "READY" | "LOCKED" | "FINALIZING" | "GRADED" | "FAILED";

/** A rectangle on a page, in page-relative coordinates (0–1 from the top-left corner). */
export interface NameBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Question {
  id: string;
  position: number;
  label: string;
  maxPoints: number;
  /** Smallest increment of a score: 0.25, 0.5 or 1. */
  step: QuestionStep;
  rubricMode: RubricMode;
}

export type QuestionStep = 0.25 | 0.5 | 1;
export type RubricMode = "ADD" | "SUBTRACT";

export interface Exam {
  id: string;
  title: string;
  subject: string;
  /** Calendar day, YYYY-MM-DD. */
  date: string;
  classNames: string[];
  pagesPerCopy: number;
  layout: ExamLayout;
  nameBox: NameBox;
  headerKind: HeaderKind;
  status: ExamStatus;
  reportScale: number;
  questions: Question[];
  questionCount: number;
  totalPoints: number;
  copyCounts: Record<CopyStatus, number>;
}

export interface ExamsResponse {
  exams: Exam[];
}

export interface ExamResponse {
  exam: Exam;
}

export interface ExamInput {
  title: string;
  subject: string;
  /** YYYY-MM-DD. */
  date: string;
  classNames: string[];
  pagesPerCopy: number;
  layout?: ExamLayout;
  nameBox?: NameBox;
  /** Defaults from the layout on the server: CMEN for A3_DOUBLE, FREE_BOX otherwise. */
  headerKind?: HeaderKind;
}

export interface MarkingSchemeInput {
  questions: { label: string; maxPoints: number; step: QuestionStep }[];
  reportScale: number;
}

export type BatchStatus = "UPLOADED" | "PROCESSING" | "DONE" | "FAILED";
export type BatchStage = "queued" | "split" | "pages";
export type PageStatus = "PENDING" | "DONE" | "FAILED";

export interface ScanPage {
  id: string;
  position: number;
  status: PageStatus;
  nearBlank: boolean;
  error: string | null;
  /** Pixel size of the page image, once rendered. */
  width: number | null;
  height: number | null;
  /** A QR cover sheet: it starts its booklet (position 0) and is never shown to graders. */
  cover: boolean;
  imageUrl: string;
  thumbUrl: string;
}

export interface Booklet {
  id: string;
  /** 1-based order in the batch. */
  index: number;
  /** The uploaded file the booklet came from (individual files only). */
  sourceName: string | null;
  status: BookletStatus;
  warnings: string[];
  pages: ScanPage[];
}

export interface Batch {
  id: string;
  examId: string;
  status: BatchStatus;
  stage: BatchStage | null;
  layout: ExamLayout;
  originalName: string;
  sizeBytes: number;
  scanPageCount: number;
  pagesTotal: number;
  pagesDone: number;
  pagesFailed: number;
  error: string | null;
  warnings: string[];
  createdAt: string;
  booklets: Booklet[];
}

/** The part of a batch that changes while the worker processes it (cheap to poll). */
export type BatchProgress = Pick<Batch, "id" | "status" | "stage" | "scanPageCount" | "pagesTotal" | "pagesDone" | "pagesFailed" | "error">;

export interface BatchProgressResponse {
  progress: BatchProgress;
}

export interface BatchesResponse {
  batches: Batch[];
}

export interface BatchResponse {
  batch: Batch;
}

export interface UploadScanResponse {
  batch: Batch;
  /** True when the same file had already been uploaded for this exam: batch is that one. */
  duplicate: boolean;
}

export interface PingResponse {
  ok: true;
  roundTripMs: number;
  workerId: string;
}

export interface HealthCheck {
  ok: boolean;
  message?: string;
}

export interface HealthResponse {
  status: "ok" | "degraded";
  version: string;
  commit: string;
  uptimeSeconds: number;
  checks: Record<string, HealthCheck>;
}

export type RosterField = "lastName" | "firstName" | "className" | "birthDate" | "ine" | "externalId";

export interface RosterStudent {
  lastName: string;
  firstName: string;
  className: string;
  birthDate: string | null;
  ine: string | null;
  externalId: string | null;
}

export interface RosterLine {
  line: number;
  student?: RosterStudent;
  errors: string[];
  outcome: "added" | "updated" | "unchanged" | "rejected";
}

export interface RosterImportInput {
  /** The file's bytes in base64. */
  content: string;
  mapping: Record<string, RosterField | null>;
  commit: boolean;
}

export interface RosterImportResponse {
  schoolYear: string;
  committed: boolean;
  counts: Record<RosterLine["outcome"], number>;
  preview: {
    encoding: "utf-8" | "windows-1252";
    delimiter: ";" | "," | "\t";
    headers: string[];
    columns: Partial<Record<RosterField, number>>;
    unknownHeaders: string[];
    missingFields: RosterField[];
    lines: RosterLine[];
  };
}

/** Where a booklet is on the identification desk (MERGED ones are never listed). */
export type BookletStatus = "READING" | "PENDING" | "IDENTIFIED" | "SET_ASIDE" | "MERGED";
export type IdentificationMethod = "QR" | "OCR" | "MANUAL";
export type SetAsideReason = "ABSENT" | "UNREADABLE";
export type PageRotation = 0 | 90 | 180 | 270;

/** What OCR read in a booklet's header. */
export interface HeaderReading {
  lastName: string | null;
  firstName: string | null;
  /** YYYY-MM-DD. */
  birthDate: string | null;
  /** "Copie n° k / n" on a continuation sheet. */
  sheet: { k: number; n: number } | null;
  text: string | null;
}

export interface Suggestion {
  studentId: string;
  /** 0–1. */
  confidence: number;
}

export interface DeskPage {
  id: string;
  position: number;
  status: PageStatus;
  rotation: PageRotation;
  nearBlank: boolean;
  /** A cover sheet (position 0): never moved, discarded or shown to graders. */
  cover: boolean;
  width: number | null;
  height: number | null;
}

export interface DeskBooklet {
  id: string;
  batchId: string;
  batchName: string;
  /** 1-based order in its batch. */
  index: number;
  status: BookletStatus;
  method: IdentificationMethod | null;
  setAsideReason: SetAsideReason | null;
  readError: string | null;
  header: HeaderReading | null;
  coverSheet: boolean;
  sourceName: string | null;
  /** Best first, at most 3. */
  suggestions: Suggestion[];
  copy: { id: string; anonymousCode: string; status: CopyStatus } | null;
  studentId: string | null;
  hasHeaderCrop: boolean;
  warnings: string[];
  pages: DeskPage[];
}

export interface DeskStudent {
  id: string;
  lastName: string;
  firstName: string;
  /** YYYY-MM-DD. */
  birthDate: string | null;
  className: string;
  copyId: string | null;
}

export interface DeskSummary {
  booklets: number;
  reading: number;
  pending: number;
  identified: number;
  setAside: number;
}

export interface DiscardedPage {
  id: string;
  bookletId: string;
  discardedAt: string;
}

export interface IdentificationResponse {
  exam: { id: string; title: string; headerKind: HeaderKind; classNames: string[]; coverSheets: number };
  summary: DeskSummary;
  booklets: DeskBooklet[];
  students: DeskStudent[];
  discardedPages: DiscardedPage[];
}

/** What a desk action changed (a booklet merged into another comes back as MERGED). */
export interface DeskBookletsResponse {
  booklets: DeskBooklet[];
}

export interface AcceptPlanItem {
  bookletId: string;
  index: number;
  batchName: string;
  studentId: string;
  confidence: number;
}

export interface AcceptResponse {
  plan: AcceptPlanItem[];
  applied: number;
}

export interface RerunResponse {
  decided: number;
  identified: number;
  merged: number;
}

/** One field's problem in a 400 response (details of VALIDATION_FAILED). */
export interface ErrorDetail {
  path: string;
  message: string;
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    requestId: string;
    details?: unknown;
  };
}

// ---- Grading: annotations (page-relative coordinates 0–1, `page` = the page's position from 1)

/** A point of a freehand stroke: x, y and pressure (0–1). */
export type StrokePoint = [number, number, number];

interface AnnotationBase {
  /** Generated by the browser (e.g. crypto.randomUUID()), at most 64 characters. */
  id: string;
  page: number;
}

export interface StrokeAnnotation extends AnnotationBase {
  type: "pen" | "highlighter";
  color: string;
  /** Stroke width as a fraction of the page width (at most 0.05). */
  width: number;
  points: StrokePoint[];
}

export interface LineAnnotation extends AnnotationBase {
  type: "line" | "arrow";
  color: string;
  width: number;
  from: [number, number];
  to: [number, number];
}

export interface TextAnnotation extends AnnotationBase {
  type: "text";
  color: string;
  x: number;
  y: number;
  w: number;
  h: number;
  /** Font size as a fraction of the page width (at most 0.1). */
  size: number;
  text: string;
}

export interface StampAnnotation extends AnnotationBase {
  type: "tick" | "cross";
  color: string;
  x: number;
  y: number;
  /** Fraction of the page width (at most 0.2). */
  size: number;
}

export interface CommentAnnotation extends AnnotationBase {
  type: "comment";
  color: string;
  x: number;
  y: number;
  text: string;
}

/** Where a question's score is written on the page. */
export interface ScoreAnnotation extends AnnotationBase {
  type: "score";
  questionId: string;
  x: number;
  y: number;
}

/** A rubric item stamped on the page: shows the item's current wording and points. */
export interface RubricAnnotation extends AnnotationBase {
  type: "rubric";
  itemId: string;
  x: number;
  y: number;
}

export type Annotation = StrokeAnnotation | LineAnnotation | TextAnnotation | StampAnnotation | CommentAnnotation | ScoreAnnotation | RubricAnnotation;
export type AnnotationType = Annotation["type"];

// ---- Grading: teachers' lists, the copy workspace, drafts, rubrics, exam documents

export interface GradingExam {
  id: string;
  title: string;
  subject: string;
  /** YYYY-MM-DD. */
  date: string;
  status: ExamStatus;
  /** Copies dispatched to the caller, and how many of them are graded. */
  myCopies: number;
  myGraded: number;
}

export interface GradingExamsResponse {
  exams: GradingExam[];
}

/** Who holds a copy's lock (a display name), whether it is the caller, and until when. */
export interface CopyLockHolder {
  holder: string;
  mine: boolean;
  expiresAt: string;
}

export interface CopyStudent {
  lastName: string;
  firstName: string;
  className: string;
}

export interface CopySummary {
  id: string;
  anonymousCode: string;
  status: CopyStatus;
  grader: { id: string; displayName: string } | null;
  lock: CopyLockHolder | null;
  totalScore: number | null;
  /** Null for graders when the exam is graded anonymously. */
  student: CopyStudent | null;
}

export interface CopiesResponse {
  copies: CopySummary[];
}

export interface NextCopyResponse {
  copyId: string;
}

export interface GradedPdf {
  version: number;
  createdAt: string;
  sizeBytes: number;
  sha256: string;
  url: string;
}

export interface GradingCopy extends Omit<CopySummary, "grader"> {
  examId: string;
  failureReason: string | null;
  finalizedAt: string | null;
  gradedPdf: GradedPdf | null;
}

export interface GradingPage {
  id: string;
  /** From 1: what annotations name as their `page`. */
  position: number;
  width: number;
  height: number;
  imageUrl: string;
  thumbUrl: string;
}

export interface GradingExamInfo {
  id: string;
  title: string;
  subject: string;
  reportScale: number;
  anonymousGrading: boolean;
  questions: Question[];
}

export interface CopyWorkspaceResponse {
  copy: GradingCopy;
  exam: GradingExamInfo;
  pages: GradingPage[];
}

export interface CopyResponse {
  copy: GradingCopy;
}

export interface CopyLock {
  copyId: string;
  token: string;
  expiresAt: string;
}

export interface LockResponse {
  lock: CopyLock;
}

/** What a teacher edits on a copy: what a draft holds besides its version. */
export interface DraftContent {
  annotations: Annotation[];
  /** Question id → points; null = left blank on purpose; a question not listed is not scored yet. */
  scores: Record<string, number | null>;
  /** The general comment (appréciation). */
  comment: string;
  /** Question id → the rubric items applied to this copy. */
  rubric: Record<string, string[]>;
  /** Questions whose score was typed by hand rather than derived from their rubric items. */
  overrides: string[];
}

export interface GradingDraft extends DraftContent {
  copyId: string;
  version: number;
  savedAt: string | null;
}

export interface DraftResponse {
  draft: GradingDraft;
}

/** A save's answer: the version made and the scores the server derived, not the annotations sent. */
export interface SavedDraftResponse {
  draft: Pick<GradingDraft, "copyId" | "version" | "scores" | "savedAt">;
}

/** Details of 422 MISSING_SCORES on finalize. */
export interface MissingScores {
  questions: { id: string; label: string }[];
}

export interface RubricItem {
  id: string;
  label: string;
  /** At least 0: added to the score (ADD) or taken off the maximum (SUBTRACT). */
  points: number;
  shortcut: string | null;
  position: number;
  /** How many copies use it. */
  usage: number;
}

export interface QuestionRubric {
  questionId: string;
  mode: RubricMode;
  items: RubricItem[];
}

export interface RubricResponse {
  questions: QuestionRubric[];
}

/** An entry of the exam's library of reusable comments. */
export interface CommentTemplate {
  id: string;
  text: string;
}

export interface CommentTemplatesResponse {
  comments: CommentTemplate[];
}

export interface CommentTemplateResponse {
  comment: CommentTemplate;
}

export interface RubricItemInput {
  questionId: string;
  label: string;
  points: number;
  shortcut?: string | null;
}

export type RubricItemPatch = Partial<Pick<RubricItem, "label" | "points" | "shortcut">>;

/** Copies whose score a rubric change altered, and how many graded PDFs were made again. */
export interface Rescored {
  copies: number;
  regenerated: number;
}

export interface RubricItemResponse {
  item: RubricItem;
}

export interface RubricItemPatchResponse {
  item: RubricItem;
  rescored: Rescored;
}

export interface RescoredResponse {
  rescored: Rescored;
}

export type ExamDocumentKind = "SUBJECT" | "ANSWER_KEY" | "MARKING_SCHEME";

export interface ExamDocument {
  id: string;
  kind: ExamDocumentKind;
  version: number;
  originalName: string;
  sizeBytes: number;
  createdAt: string;
  /** Display name of who uploaded it. */
  uploadedBy: string;
  url: string;
}

export interface ExamDocumentsResponse {
  documents: ExamDocument[];
}

export interface ExamDocumentResponse {
  document: ExamDocument;
}

// ---- Grading administration (admins): graders and dispatch, a copy's grader, lock, reopening, history

export interface ExamGrader {
  id: string;
  displayName: string;
  email: string;
  /** Copies of the exam dispatched to this grader. */
  copies: number;
}

export interface GradersResponse {
  graders: ExamGrader[];
}

/** even: copies dealt out at random in equal numbers; class: whole classes to each grader. */
export type DispatchMode = "even" | "class";

export interface DispatchInput {
  mode: DispatchMode;
  /** Also move copies already dispatched (never those being graded). */
  redistribute: boolean;
}

export interface ReassignResponse {
  copyId: string;
  graderId: string;
}

export interface CopyHistoryEvent {
  /** locked, unlocked, lock_broken, draft_saved, finalize_requested, finalize_retried, graded, failed, reopened, rescored… */
  type: string;
  at: string;
  /** Display name; null for what the worker did. */
  actor: string | null;
  fromStatus: CopyStatus | null;
  toStatus: CopyStatus | null;
  data: unknown;
}

export interface CopyHistoryResponse {
  events: CopyHistoryEvent[];
}

// ---- Issue 6: publication, student portal, review requests, access codes, exports, statistics

/** What an admin is told before publishing: copies not graded yet, booklets nobody is attached to. */
export interface PublicationWarnings {
  /** Copies not GRADED (STAGING included). */
  ungradedCopies: { copyId: string; anonymousCode: string; studentName: string | null; className: string | null; status: string }[];
  /** Booklets of the exam not yet identified or attached to a student copy. */
  unidentifiedBooklets: number;
}

export interface PublicationClass {
  className: string;
  published: boolean;
  publishedAt: string | null;
  students: number;
  gradedCopies: number;
}

export interface PublicationDto {
  examId: string;
  reviewDeadline: string | null;
  classes: PublicationClass[];
  /** For all the exam's classes. */
  warnings: PublicationWarnings;
}

export interface PublicationResponse {
  publication: PublicationDto;
}

export interface PublishInput {
  /** Default: all the exam's classes. */
  classNames?: string[];
  /** Publish despite the warnings (otherwise 409 PUBLISH_WARNINGS with them as details). */
  confirm?: boolean;
}

export type ReviewStatus = "OPEN" | "ANSWERED";

export interface StudentReviewDto {
  id: string;
  questionId: string;
  message: string;
  status: ReviewStatus;
  answer: string | null;
  answeredAt: string | null;
  reopened: boolean;
  createdAt: string;
}

export interface PortalCopyQuestion {
  id: string;
  label: string;
  maxPoints: number;
  score: number | null;
}

export interface PortalCopyDto {
  copyId: string;
  examId: string;
  title: string;
  subject: string;
  date: string;
  /** On the report scale, rounded to 2 decimals. */
  mark: number;
  reportScale: number;
  totalScore: number;
  maxTotal: number;
  /** The copy was reopened and is being graded again. */
  underReview: boolean;
  /** The latest graded PDF's creation. */
  gradedAt: string;
  /** From the latest graded version. */
  questions: PortalCopyQuestion[];
  reviewDeadline: string | null;
  /** The deadline has not passed. */
  canRequestReview: boolean;
  reviews: StudentReviewDto[];
}

export interface PortalCopiesResponse {
  copies: PortalCopyDto[];
}

export interface ReviewRequestInput {
  questionId: string;
  /** 1–1000 characters. */
  message: string;
}

export interface StudentReviewResponse {
  review: StudentReviewDto;
}

export interface StaffReviewDto {
  id: string;
  copyId: string;
  examId: string;
  examTitle: string;
  questionId: string;
  questionLabel: string;
  /** null when the exam is anonymous and the caller is a teacher: anonymousCode only then. */
  student: { name: string; className: string } | null;
  anonymousCode: string;
  message: string;
  status: ReviewStatus;
  answer: string | null;
  answeredAt: string | null;
  answeredBy: string | null;
  reopened: boolean;
  createdAt: string;
  copyStatus: string;
}

export type ReviewFilterStatus = ReviewStatus | "ALL";

export interface ReviewsQuery {
  /** Default OPEN. */
  status?: ReviewFilterStatus;
  examId?: string;
}

export interface ReviewsResponse {
  reviews: StaffReviewDto[];
}

export interface ReviewAnswerInput {
  /** 1–2000 characters. */
  answer: string;
  /** The copy goes back to grading (its graded PDF is kept in its history). */
  reopen: boolean;
}

export interface StaffReviewResponse {
  review: StaffReviewDto;
}

export interface AccessCodeClassDto {
  className: string;
  /** Active students of the class. */
  students: number;
  withCode: number;
  lastIssuedAt: string | null;
}

export interface AccessCodeClassesResponse {
  classes: AccessCodeClassDto[];
}

/** A student of a class on the access codes page: whether they have a code, never the code. */
export interface AccessCodeStudentDto {
  id: string;
  lastName: string;
  firstName: string;
  login: string;
  /** A disabled account cannot be given a code. */
  disabled: boolean;
  hasCode: boolean;
  codeIssuedAt: string | null;
}

export interface AccessCodeStudentsResponse {
  students: AccessCodeStudentDto[];
}

/** all: every student of the class gets a new code; missing: only those without one. */
export type AccessCodeScope = "all" | "missing";

export interface IssueAccessCodesInput {
  className: string;
  scope: AccessCodeScope;
}

/** Codes just made: their slips and CSV can be downloaded until expiresAt (30 minutes). */
export interface CodeIssueDto {
  id: string;
  className: string | null;
  count: number;
  expiresAt: string;
}

export interface CodeIssueResponse {
  issue: CodeIssueDto;
}

export type ExamExportKind = "pronote.csv" | "detailed.csv" | "graded-pdfs.zip";

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

/** Marks on the report scale; the histogram's last bin is closed. */
export interface Stats {
  count: number;
  mean: number | null;
  median: number | null;
  stdDev: number | null;
  min: number | null;
  max: number | null;
  histogram: HistogramBin[];
}

export interface QuestionStats {
  id: string;
  label: string;
  maxPoints: number;
  averageScore: number | null;
  averageRatio: number | null;
}

export interface StatisticsDto {
  examId: string;
  reportScale: number;
  overall: Stats;
  classes: ({ className: string } & Stats)[];
  questions: QuestionStats[];
}

export interface StatisticsResponse {
  statistics: StatisticsDto;
}
