// The one HTTP client of the SPA: typed endpoint methods, CSRF token handling and
// error normalisation into ApiError.
import type {
  AcceptResponse,
  AccessCodeClassesResponse,
  AccessCodeStudentsResponse,
  CodeIssueResponse,
  ExamExportKind,
  IssueAccessCodesInput,
  PortalCopiesResponse,
  PublicationResponse,
  PublishInput,
  ReviewAnswerInput,
  ReviewRequestInput,
  ReviewsQuery,
  ReviewsResponse,
  StaffReviewResponse,
  StatisticsResponse,
  StudentReviewResponse,
  BatchProgressResponse,
  BatchesResponse,
  BatchResponse,
  CopiesResponse,
  CopyHistoryResponse,
  CopyResponse,
  CopyWorkspaceResponse,
  DeskBookletsResponse,
  DispatchInput,
  DraftContent,
  DraftResponse,
  ErrorBody,
  ExamDocumentKind,
  ExamDocumentResponse,
  ExamDocumentsResponse,
  ExamInput,
  ExamResponse,
  ExamsResponse,
  GradersResponse,
  GradingExamsResponse,
  HealthResponse,
  IdentificationResponse,
  LockResponse,
  LoginResponse,
  MarkingSchemeInput,
  NextCopyResponse,
  PageRotation,
  PingResponse,
  ReassignResponse,
  RerunResponse,
  RescoredResponse,
  RosterImportInput,
  RosterImportResponse,
  RubricItemInput,
  RubricItemPatch,
  RubricItemPatchResponse,
  RubricItemResponse,
  RubricMode,
  RubricResponse,
  CommentTemplateResponse,
  CommentTemplatesResponse,
  SavedDraftResponse,
  SessionResponse,
  SetAsideReason,
  UploadScanResponse,
  UsersResponse,
} from "./types";

export interface ApiErrorInit {
  status: number;
  code: string;
  message: string;
  requestId: string;
  retryAfterSeconds?: number;
  details?: unknown;
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  readonly retryAfterSeconds?: number;
  readonly details?: unknown;

  constructor(init: ApiErrorInit) {
    super(init.message);
    this.name = "ApiError";
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
    this.details = init.details;
  }
}

/** Code of errors raised when the server could not be reached at all (status 0). */
export const NETWORK_ERROR = "NETWORK_ERROR";
/** Code of error responses that do not follow the API error format (proxy page, HTML…). */
export const UNEXPECTED_RESPONSE = "UNEXPECTED_RESPONSE";

/** Code of uploads stopped by the caller (see UploadOptions.signal). */
export const ABORTED = "ABORTED";

/** Paths (relative to the API base) whose errors are shown by the login forms themselves. */
export const LOGIN_PATHS: readonly string[] = ["/auth/login", "/auth/student-login"];

export type ApiErrorListener = (error: ApiError, path: string) => void;

type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Extra headers (If-Match…), and keepalive for a request that must outlive the page. */
interface RequestOptions {
  headers?: Record<string, string>;
  keepalive?: boolean;
  /**
   * The caller shows the server being out of reach itself (the editor's save badge): network
   * errors and 5xx are not passed to the error listener. Other errors still are.
   */
  quiet?: boolean;
}

const unreachable = (error: ApiError) => error.code === NETWORK_ERROR || error.status >= 500;

export interface UploadOptions {
  /** Bytes of the request body sent so far, and its total size (0 when unknown). */
  onProgress?: (sent: number, total: number) => void;
  /** Aborting it stops the upload, which then fails with code ABORTED. */
  signal?: AbortSignal;
}

/** The part of XMLHttpRequest the client uses for uploads (fetch reports no upload progress). */
export type UploadRequest = Pick<
  XMLHttpRequest,
  "open" | "setRequestHeader" | "send" | "abort" | "getResponseHeader" | "status" | "responseText" | "upload" | "onload" | "onerror" | "onabort"
>;

function isErrorBody(value: unknown): value is ErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error;
}

function retryAfter(header: string | null): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : undefined;
}

function errorFrom(status: number, body: unknown, retryAfterHeader: string | null): ApiError {
  const error = isErrorBody(body) ? body.error : undefined;
  return new ApiError({
    status,
    code: error ? String(error.code) : UNEXPECTED_RESPONSE,
    message: error ? String(error.message) : `HTTP ${status}`,
    requestId: error?.requestId ? String(error.requestId) : "",
    retryAfterSeconds: retryAfter(retryAfterHeader),
    details: error?.details,
  });
}

async function toApiError(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  return errorFrom(response.status, body, response.headers.get("Retry-After"));
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

function networkError(cause: unknown): ApiError {
  const error = new ApiError({ status: 0, code: NETWORK_ERROR, message: "Network request failed", requestId: "" });
  error.cause = cause;
  return error;
}

const booklet = (id: string) => `/booklets/${encodeURIComponent(id)}`;
const deskPage = (id: string) => `/desk/pages/${encodeURIComponent(id)}`;
const exam = (id: string) => `/exams/${encodeURIComponent(id)}`;
const copy = (id: string) => `/copies/${encodeURIComponent(id)}`;
const myCopy = (id: string) => `/me/copies/${encodeURIComponent(id)}`;
const codeIssue = (id: string) => `/access-codes/issues/${encodeURIComponent(id)}`;

/** `?key=value&…` of the defined entries, or "" when there are none. */
function queryString(query: Readonly<Partial<Record<string, string>>>): string {
  const entries = Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined);
  return entries.length > 0 ? `?${new URLSearchParams(entries).toString()}` : "";
}

export class ApiClient {
  private csrfToken = "";
  private listener: ApiErrorListener | null = null;
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly uploadImpl: () => UploadRequest;

  constructor(
    baseUrl = "/api",
    fetchImpl: typeof fetch = (input, init) => fetch(input, init),
    uploadImpl: () => UploadRequest = () => new XMLHttpRequest(),
  ) {
    this.baseUrl = baseUrl;
    this.fetchImpl = fetchImpl;
    this.uploadImpl = uploadImpl;
  }

  /** Registers the application-wide error handler (session expiry, access denied…). */
  onError(listener: ApiErrorListener): void {
    this.listener = listener;
  }

  async getSession(): Promise<SessionResponse> {
    return this.keepToken(await this.request<SessionResponse>("GET", "/auth/session"));
  }

  async login(email: string, password: string): Promise<LoginResponse> {
    return this.keepToken(await this.request<LoginResponse>("POST", "/auth/login", { email, password }));
  }

  async studentLogin(login: string, accessCode: string): Promise<LoginResponse> {
    return this.keepToken(await this.request<LoginResponse>("POST", "/auth/student-login", { login, accessCode }));
  }

  /** Ends the session, then fetches a fresh anonymous session for its CSRF token. */
  async logout(): Promise<SessionResponse> {
    await this.request<void>("POST", "/auth/logout");
    return this.getSession();
  }

  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.request<void>("POST", "/auth/password", { currentPassword, newPassword });
  }

  listUsers(): Promise<UsersResponse> {
    return this.request<UsersResponse>("GET", "/users");
  }

  listExams(): Promise<ExamsResponse> {
    return this.request<ExamsResponse>("GET", "/exams");
  }

  getExam(id: string): Promise<ExamResponse> {
    return this.request<ExamResponse>("GET", `/exams/${encodeURIComponent(id)}`);
  }

  createExam(input: ExamInput): Promise<ExamResponse> {
    return this.request<ExamResponse>("POST", "/exams", input);
  }

  updateExam(id: string, patch: Partial<ExamInput>): Promise<ExamResponse> {
    return this.request<ExamResponse>("PATCH", `/exams/${encodeURIComponent(id)}`, patch);
  }

  setMarkingScheme(id: string, scheme: MarkingSchemeInput): Promise<ExamResponse> {
    return this.request<ExamResponse>("PUT", `/exams/${encodeURIComponent(id)}/marking-scheme`, scheme);
  }

  archiveExam(id: string): Promise<ExamResponse> {
    return this.request<ExamResponse>("POST", `/exams/${encodeURIComponent(id)}/archive`);
  }

  deleteExam(id: string): Promise<void> {
    return this.request<void>("DELETE", `/exams/${encodeURIComponent(id)}`);
  }

  listBatches(examId: string): Promise<BatchesResponse> {
    return this.request<BatchesResponse>("GET", `/exams/${encodeURIComponent(examId)}/scans`);
  }

  getBatch(batchId: string): Promise<BatchResponse> {
    return this.request<BatchResponse>("GET", `/scans/${encodeURIComponent(batchId)}`);
  }

  getBatchProgress(batchId: string): Promise<BatchProgressResponse> {
    return this.request<BatchProgressResponse>("GET", `/scans/${encodeURIComponent(batchId)}/progress`);
  }

  /** Queues the batch's failed pages (or its failed split) again. */
  retryBatch(batchId: string): Promise<BatchResponse> {
    return this.request<BatchResponse>("POST", `/scans/${encodeURIComponent(batchId)}/retry`);
  }

  retryPage(batchId: string, pageId: string): Promise<BatchResponse> {
    return this.request<BatchResponse>("POST", `/scans/${encodeURIComponent(batchId)}/pages/${encodeURIComponent(pageId)}/retry`);
  }

  /** Uploads the copier's file(s) as multipart field `file`, reporting the upload's progress. */
  uploadScan(examId: string, files: readonly File[], options: UploadOptions = {}): Promise<UploadScanResponse> {
    const form = new FormData();
    for (const file of files) form.append("file", file, file.name);
    return this.reported(`/exams/${encodeURIComponent(examId)}/scans`, (path) => this.sendForm<UploadScanResponse>(path, form, options, true));
  }

  /** A roster CSV: its preview (commit false) or its import (commit true). */
  importRoster(input: RosterImportInput): Promise<RosterImportResponse> {
    return this.request<RosterImportResponse>("POST", "/students/import", input);
  }

  /** The identification desk of an exam: booklets, roster, discarded pages. */
  getIdentification(examId: string): Promise<IdentificationResponse> {
    return this.request<IdentificationResponse>("GET", `/exams/${encodeURIComponent(examId)}/identification`);
  }

  /** change: replace the student of a booklet already identified (else the server answers 409). */
  identifyBooklet(bookletId: string, studentId: string, change = false): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${booklet(bookletId)}/identify`, change ? { studentId, change } : { studentId });
  }

  unidentifyBooklet(bookletId: string): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${booklet(bookletId)}/unidentify`);
  }

  setBookletAside(bookletId: string, reason: SetAsideReason): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${booklet(bookletId)}/set-aside`, { reason });
  }

  restoreBooklet(bookletId: string): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${booklet(bookletId)}/restore`);
  }

  /** The other booklet's pages are appended to this one, which it is then merged into. */
  mergeBooklets(bookletId: string, otherId: string): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${booklet(bookletId)}/merge`, { bookletId: otherId });
  }

  /** Pages from `position` on become a new booklet (read again by the worker). */
  splitBooklet(bookletId: string, position: number): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${booklet(bookletId)}/split`, { position });
  }

  movePage(pageId: string, bookletId: string, position: number): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${deskPage(pageId)}/move`, { bookletId, position });
  }

  rotatePage(pageId: string, rotation: PageRotation): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${deskPage(pageId)}/rotate`, { rotation });
  }

  discardPage(pageId: string): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${deskPage(pageId)}/discard`);
  }

  /** Brings a discarded page back, into its booklet (or `to.bookletId`), last unless `to.position`. */
  restorePage(pageId: string, to: { bookletId?: string; position?: number } = {}): Promise<DeskBookletsResponse> {
    return this.request<DeskBookletsResponse>("POST", `${deskPage(pageId)}/restore`, to);
  }

  /** minConfidence in 0.5–1; dryRun only plans (the preview), otherwise the plan is applied. */
  acceptSuggestions(examId: string, minConfidence: number, dryRun: boolean): Promise<AcceptResponse> {
    return this.request<AcceptResponse>("POST", `/exams/${encodeURIComponent(examId)}/identification/accept`, { minConfidence, dryRun });
  }

  rerunIdentification(examId: string): Promise<RerunResponse> {
    return this.request<RerunResponse>("POST", `/exams/${encodeURIComponent(examId)}/identification/rerun`);
  }

  /** The printable cover sheets (PDF) of the exam's students, of the given classes (all when empty). */
  coverSheets(examId: string, classes: readonly string[] = []): Promise<Blob> {
    const query = classes.length > 0 ? `?classes=${encodeURIComponent(classes.join(","))}` : "";
    return this.reported(`/exams/${encodeURIComponent(examId)}/cover-sheets.pdf${query}`, (path) => this.download(path));
  }

  /** A late sheet (one PDF) for a booklet: once converted, its pages go in at `position` (from 1). */
  uploadLatePages(bookletId: string, position: number, file: File, options: UploadOptions = {}): Promise<UploadScanResponse> {
    const form = new FormData();
    form.append("file", file, file.name);
    return this.reported(`${booklet(bookletId)}/late-pages?position=${position}`, (path) => this.sendForm<UploadScanResponse>(path, form, options, true));
  }

  /** Address of the crop of a booklet's header (only when the booklet hasHeaderCrop). */
  bookletHeaderUrl(bookletId: string): string {
    return `${this.baseUrl}${booklet(bookletId)}/header`;
  }

  /** Address of a page's image or thumbnail. */
  pageUrl(pageId: string, kind: "image" | "thumb"): string {
    return `${this.baseUrl}/pages/${encodeURIComponent(pageId)}/${kind}`;
  }

  // ---- Grading: a teacher's exams and copies, the copy workspace (lock, draft, finalize), rubrics

  gradingExams(): Promise<GradingExamsResponse> {
    return this.request<GradingExamsResponse>("GET", "/grading/exams");
  }

  /** The exam's copies; mine: only those dispatched to the caller. */
  examCopies(examId: string, mine = false): Promise<CopiesResponse> {
    return this.request<CopiesResponse>("GET", `${exam(examId)}/copies${mine ? "?mine=1" : ""}`);
  }

  /** The next copy to grade for the caller (404 when none is left). */
  nextCopy(examId: string): Promise<NextCopyResponse> {
    return this.request<NextCopyResponse>("GET", `${exam(examId)}/copies/next`);
  }

  /** The copy with its exam (marking scheme) and pages: also what is polled while it finalizes. */
  getCopy(copyId: string): Promise<CopyWorkspaceResponse> {
    return this.request<CopyWorkspaceResponse>("GET", copy(copyId));
  }

  /** takeOver: the caller's lock held in another tab or device moves here. */
  lockCopy(copyId: string, takeOver = false): Promise<LockResponse> {
    return this.request<LockResponse>("POST", `${copy(copyId)}/lock`, takeOver ? { takeOver } : {});
  }

  renewLock(copyId: string, token: string): Promise<LockResponse> {
    return this.request<LockResponse>("POST", `${copy(copyId)}/lock/heartbeat`, { token }, { quiet: true });
  }

  /** keepalive: sent even while the page unloads (sendBeacon cannot DELETE). */
  releaseLock(copyId: string, token: string, keepalive = false): Promise<void> {
    return this.request<void>("DELETE", `${copy(copyId)}/lock`, { token }, { keepalive });
  }

  getDraft(copyId: string): Promise<DraftResponse> {
    return this.request<DraftResponse>("GET", `${copy(copyId)}/draft`);
  }

  /** baseVersion: the draft version the edits started from (412 STALE_VERSION otherwise). */
  /** The saved draft: what was sent, as the version the server made of it (with the scores it derived). */
  async saveDraft(copyId: string, baseVersion: number, lockToken: string, content: DraftContent): Promise<DraftResponse> {
    const { draft } = await this.request<SavedDraftResponse>("PUT", `${copy(copyId)}/draft`, { lockToken, ...content }, { headers: { "If-Match": `"${baseVersion}"` }, quiet: true });
    return { draft: { ...content, ...draft } };
  }

  /** version: the saved draft version to finalize. Answers 202 with the copy FINALIZING. */
  finalizeCopy(copyId: string, lockToken: string, version: number): Promise<CopyResponse> {
    return this.request<CopyResponse>("POST", `${copy(copyId)}/finalize`, { lockToken, version });
  }

  retryCopy(copyId: string): Promise<CopyResponse> {
    return this.request<CopyResponse>("POST", `${copy(copyId)}/retry`);
  }

  getRubric(examId: string): Promise<RubricResponse> {
    return this.request<RubricResponse>("GET", `${exam(examId)}/rubric`);
  }

  addRubricItem(examId: string, input: RubricItemInput): Promise<RubricItemResponse> {
    return this.request<RubricItemResponse>("POST", `${exam(examId)}/rubric/items`, input);
  }

  /** The answer counts the copies re-scored by the change (and graded PDFs made again). */
  updateRubricItem(itemId: string, patch: RubricItemPatch): Promise<RubricItemPatchResponse> {
    return this.request<RubricItemPatchResponse>("PATCH", `/rubric-items/${encodeURIComponent(itemId)}`, patch);
  }

  /** Takes an item off the list; copies that applied it keep it. */
  removeRubricItem(itemId: string): Promise<void> {
    return this.request<void>("DELETE", `/rubric-items/${encodeURIComponent(itemId)}`);
  }

  setRubricMode(questionId: string, mode: RubricMode): Promise<RescoredResponse> {
    return this.request<RescoredResponse>("PUT", `/questions/${encodeURIComponent(questionId)}/rubric-mode`, { mode });
  }

  /** The exam's library of reusable comments. */
  commentTemplates(examId: string): Promise<CommentTemplatesResponse> {
    return this.request<CommentTemplatesResponse>("GET", `${exam(examId)}/comments`);
  }

  /** Adds a comment to the library (one already there, whatever its case, comes back as it is). */
  addCommentTemplate(examId: string, text: string): Promise<CommentTemplateResponse> {
    return this.request<CommentTemplateResponse>("POST", `${exam(examId)}/comments`, { text });
  }

  removeCommentTemplate(commentId: string): Promise<void> {
    return this.request<void>("DELETE", `/comments/${encodeURIComponent(commentId)}`);
  }

  examDocuments(examId: string): Promise<ExamDocumentsResponse> {
    return this.request<ExamDocumentsResponse>("GET", `${exam(examId)}/documents`);
  }

  // ---- Grading administration: graders and dispatch, a copy's grader, lock, reopening, history; documents

  examGraders(examId: string): Promise<GradersResponse> {
    return this.request<GradersResponse>("GET", `${exam(examId)}/graders`);
  }

  /** The exam's graders become exactly these teachers. */
  setExamGraders(examId: string, userIds: readonly string[]): Promise<GradersResponse> {
    return this.request<GradersResponse>("PUT", `${exam(examId)}/graders`, { userIds });
  }

  dispatchCopies(examId: string, input: DispatchInput): Promise<GradersResponse> {
    return this.request<GradersResponse>("POST", `${exam(examId)}/dispatch`, input);
  }

  reassignCopy(copyId: string, userId: string): Promise<ReassignResponse> {
    return this.request<ReassignResponse>("PUT", `${copy(copyId)}/grader`, { userId });
  }

  breakCopyLock(copyId: string): Promise<void> {
    return this.request<void>("POST", `${copy(copyId)}/lock/break`);
  }

  /** A graded copy is to be graded again; its graded PDF stays in its history. */
  reopenCopy(copyId: string): Promise<CopyWorkspaceResponse> {
    return this.request<CopyWorkspaceResponse>("POST", `${copy(copyId)}/reopen`);
  }

  copyHistory(copyId: string): Promise<CopyHistoryResponse> {
    return this.request<CopyHistoryResponse>("GET", `${copy(copyId)}/history`);
  }

  /** Address of a graded copy's current PDF (sent as a download). */
  gradedPdfUrl(copyId: string): string {
    return `${this.baseUrl}${copy(copyId)}/graded.pdf`;
  }

  /** A new version of the exam's subject, answer key or marking scheme (one PDF, multipart field `file`). */
  uploadExamDocument(examId: string, kind: ExamDocumentKind, file: File, options: UploadOptions = {}): Promise<ExamDocumentResponse> {
    const form = new FormData();
    form.append("file", file, file.name);
    return this.reported(`${exam(examId)}/documents?kind=${kind}`, (path) => this.sendForm<ExamDocumentResponse>(path, form, options, true));
  }

  // ---- Publication, student portal, review requests, access codes, exports, statistics

  getPublication(examId: string): Promise<PublicationResponse> {
    return this.request<PublicationResponse>("GET", `${exam(examId)}/publication`);
  }

  /** Answers 409 PUBLISH_WARNINGS (details: PublicationWarnings) unless confirm or nothing to warn about. */
  publishExam(examId: string, input: PublishInput = {}): Promise<PublicationResponse> {
    return this.request<PublicationResponse>("POST", `${exam(examId)}/publication`, input);
  }

  unpublishExam(examId: string, input: { classNames?: string[] } = {}): Promise<PublicationResponse> {
    return this.request<PublicationResponse>("POST", `${exam(examId)}/unpublish`, input);
  }

  /** reviewDeadline: an ISO date-time, or null for no review requests at all. */
  setReviewDeadline(examId: string, reviewDeadline: string | null): Promise<PublicationResponse> {
    return this.request<PublicationResponse>("PUT", `${exam(examId)}/review-deadline`, { reviewDeadline });
  }

  /** The student's published copies, newest exam first. */
  myCopies(): Promise<PortalCopiesResponse> {
    return this.request<PortalCopiesResponse>("GET", "/me/copies");
  }

  /** Address of the student's graded PDF of a copy (sent as a download). */
  myCopyPdfUrl(copyId: string): string {
    return `${this.baseUrl}${myCopy(copyId)}/pdf`;
  }

  requestReview(copyId: string, input: ReviewRequestInput): Promise<StudentReviewResponse> {
    return this.request<StudentReviewResponse>("POST", `${myCopy(copyId)}/reviews`, input);
  }

  listReviews(query: ReviewsQuery = {}): Promise<ReviewsResponse> {
    return this.request<ReviewsResponse>("GET", `/reviews${queryString({ ...query })}`);
  }

  answerReview(reviewId: string, input: ReviewAnswerInput): Promise<StaffReviewResponse> {
    return this.request<StaffReviewResponse>("POST", `/reviews/${encodeURIComponent(reviewId)}/answer`, input);
  }

  accessCodeClasses(): Promise<AccessCodeClassesResponse> {
    return this.request<AccessCodeClassesResponse>("GET", "/access-codes/classes");
  }

  /** The class's students, disabled ones included; an unknown class has none. */
  accessCodeStudents(className: string): Promise<AccessCodeStudentsResponse> {
    return this.request<AccessCodeStudentsResponse>("GET", `/access-codes/classes/${encodeURIComponent(className)}/students`);
  }

  issueAccessCodes(input: IssueAccessCodesInput): Promise<CodeIssueResponse> {
    return this.request<CodeIssueResponse>("POST", "/access-codes", input);
  }

  reissueAccessCode(studentId: string): Promise<CodeIssueResponse> {
    return this.request<CodeIssueResponse>("POST", `/students/${encodeURIComponent(studentId)}/access-code`);
  }

  /** Address of the printable slips of an issue (410 ISSUE_EXPIRED after 30 minutes). */
  accessCodeSlipsUrl(issueId: string): string {
    return `${this.baseUrl}${codeIssue(issueId)}/slips.pdf`;
  }

  /** Address of the CSV of an issue (410 ISSUE_EXPIRED after 30 minutes). */
  accessCodesCsvUrl(issueId: string): string {
    return `${this.baseUrl}${codeIssue(issueId)}/codes.csv`;
  }

  /** Address of one of the exam's exports (sent as a download). */
  examExportUrl(examId: string, kind: ExamExportKind): string {
    return `${this.baseUrl}${exam(examId)}/exports/${kind}`;
  }

  examStatistics(examId: string): Promise<StatisticsResponse> {
    return this.request<StatisticsResponse>("GET", `${exam(examId)}/statistics`);
  }

  pingWorker(): Promise<PingResponse> {
    return this.request<PingResponse>("POST", "/system/ping");
  }

  health(): Promise<HealthResponse> {
    return this.request<HealthResponse>("GET", "/health");
  }

  private keepToken<T extends { csrfToken: string }>(response: T): T {
    this.csrfToken = response.csrfToken;
    return response;
  }

  private request<T>(method: Method, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.reported(path, () => this.send<T>(method, path, body, true, options), options.quiet);
  }

  /** Runs a request, telling the error listener about its failure (except a caller's abort). */
  private async reported<T>(path: string, attempt: (path: string) => Promise<T>, quiet = false): Promise<T> {
    try {
      return await attempt(path);
    } catch (error) {
      if (error instanceof ApiError && error.code !== ABORTED && !(quiet && unreachable(error))) this.listener?.(error, path);
      throw error;
    }
  }

  private async refreshToken(): Promise<void> {
    this.keepToken(await this.send<SessionResponse>("GET", "/auth/session", undefined, false));
  }

  private async send<T>(method: Method, path: string, body: unknown, mayRetry: boolean, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    if (method !== "GET" && this.csrfToken) headers["X-CSRF-Token"] = this.csrfToken;

    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, {
        method,
        headers,
        credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
        keepalive: options.keepalive,
      });
    } catch (cause) {
      throw networkError(cause);
    }

    if (response.ok) {
      if (response.status === 204) return undefined as T;
      try {
        return (await response.json()) as T;
      } catch {
        throw new ApiError({ status: response.status, code: UNEXPECTED_RESPONSE, message: "Invalid JSON", requestId: "" });
      }
    }

    const error = await toApiError(response);
    if (mayRetry && error.status === 403 && error.code === "CSRF_INVALID") {
      await this.refreshToken();
      return this.send<T>(method, path, body, false, options);
    }
    throw error;
  }

  /** A GET whose answer is a file; errors come as the usual JSON. */
  private async download(path: string): Promise<Blob> {
    let response: Response;
    try {
      response = await this.fetchImpl(this.baseUrl + path, { method: "GET", headers: { Accept: "application/pdf, application/json" }, credentials: "same-origin" });
    } catch (cause) {
      throw networkError(cause);
    }
    if (!response.ok) throw await toApiError(response);
    return response.blob();
  }

  private async sendForm<T>(path: string, form: FormData, options: UploadOptions, mayRetry: boolean): Promise<T> {
    const { status, text, retryAfterHeader } = await this.post(path, form, options);
    if (status >= 200 && status < 300) {
      const body = parseJson(text);
      if (body === null) throw new ApiError({ status, code: UNEXPECTED_RESPONSE, message: "Invalid JSON", requestId: "" });
      return body as T;
    }
    const error = errorFrom(status, parseJson(text), retryAfterHeader);
    if (mayRetry && error.status === 403 && error.code === "CSRF_INVALID") {
      await this.refreshToken();
      return this.sendForm<T>(path, form, options, false);
    }
    throw error;
  }

  private post(path: string, form: FormData, options: UploadOptions): Promise<{ status: number; text: string; retryAfterHeader: string | null }> {
    const { onProgress, signal } = options;
    return new Promise((resolve, reject) => {
      const aborted = () => new ApiError({ status: 0, code: ABORTED, message: "Upload aborted", requestId: "" });
      if (signal?.aborted) return reject(aborted());
      const xhr = this.uploadImpl();
      const abort = () => xhr.abort();
      const done = () => signal?.removeEventListener("abort", abort);
      xhr.open("POST", this.baseUrl + path);
      xhr.setRequestHeader("Accept", "application/json");
      if (this.csrfToken) xhr.setRequestHeader("X-CSRF-Token", this.csrfToken);
      if (onProgress) xhr.upload.onprogress = (event) => onProgress(event.loaded, event.lengthComputable ? event.total : 0);
      xhr.onload = () => {
        done();
        resolve({ status: xhr.status, text: xhr.responseText, retryAfterHeader: xhr.getResponseHeader("Retry-After") });
      };
      xhr.onerror = (event) => {
        done();
        reject(networkError(event));
      };
      xhr.onabort = () => {
        done();
        reject(aborted());
      };
      signal?.addEventListener("abort", abort);
      xhr.send(form);
    });
  }
}

export const api = new ApiClient();
