// The identification desk of the exam open on it: its booklets, the roster, discarded pages,
// the booklet shown large, and the actions on them. An action's answer (the booklets it
// changed) is put in place without reloading the desk; the desk is reloaded every few seconds
// while the worker still reads booklets or a late sheet is on its way.
import { defineStore } from "pinia";
import { computed, ref, shallowRef } from "vue";
import { api, ApiError } from "../api/client";
import type {
  AcceptPlanItem,
  DeskBooklet,
  DeskBookletsResponse,
  DeskStudent,
  DeskSummary,
  DiscardedPage,
  IdentificationResponse,
  PageRotation,
  SetAsideReason,
} from "../api/types";
import { applyChanges, holders, nextPending, summaryOf, visibleBooklets, type DeskFilter, type DeskSort } from "../components/desk";
import { inlineErrorMessage, loadErrorMessage } from "../errors";
import { i18n } from "../i18n";

const { t } = i18n.global;

export const POLL_MS = 3000;
/** After a failed reload, wait longer before the next one. */
const POLL_BACKOFF_MS = 10_000;
/** How long the desk waits for a late sheet's pages before it stops looking for them. */
const LATE_SHEET_MS = 5 * 60_000;

interface LateSheet {
  bookletId: string;
  index: number;
  /** The booklet's page count when the sheet was sent: more means it has arrived. */
  pages: number;
  until: number;
}

export const useIdentificationStore = defineStore("identification", () => {
  const examId = ref<string | null>(null);
  const exam = shallowRef<IdentificationResponse["exam"] | null>(null);
  // Shallow: every change replaces the list, nothing edits a record in place.
  const booklets = shallowRef<DeskBooklet[]>([]);
  const students = shallowRef<DeskStudent[]>([]);
  const discarded = shallowRef<DiscardedPage[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const pollError = ref<string | null>(null);

  /** An action is under way: others wait (the buttons are disabled, keys ignored). */
  const busy = ref(false);
  /** Why the last action on a booklet (or page) was refused, shown with the booklet. */
  const actionError = ref<string | null>(null);
  /** Why the last exam-wide action (accept, re-run) failed, shown above the desk. */
  const examError = ref<string | null>(null);
  /** What the last action achieved, when there is more to say than what the desk shows. */
  const message = ref<string | null>(null);

  const filter = ref<DeskFilter>("pending");
  const sort = ref<DeskSort>("scan");
  const currentId = ref<string | null>(null);
  const late = ref<LateSheet[]>([]);

  /** The preview of "accept every suggestion above X %", while its dialog is open. */
  const plan = shallowRef<{ percent: number; items: AcceptPlanItem[] } | null>(null);

  /** The exam page's summary of the desk (loaded without the rest). */
  const overview = shallowRef<{ examId: string; summary: DeskSummary } | null>(null);

  const summary = computed(() => summaryOf(booklets.value));
  const visible = computed(() => visibleBooklets(booklets.value, filter.value, sort.value));
  const current = computed(() => booklets.value.find((b) => b.id === currentId.value) ?? null);
  const studentsById = computed(() => new Map(students.value.map((s) => [s.id, s])));
  /** Students who have a copy already, with the booklet that gave it to them. */
  const takenBy = computed(() => holders(booklets.value));

  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped whenever the desk changes: a reload that started before is dropped when it lands. */
  let version = 0;

  function firstToIdentify(): string | null {
    const list = visible.value;
    return (list.find((b) => b.status === "PENDING") ?? list[0])?.id ?? null;
  }

  /** Late sheets whose pages arrived (or that took too long) are no longer waited for. */
  function settleLateSheets(): void {
    if (late.value.length === 0) return;
    const now = Date.now();
    const waiting: LateSheet[] = [];
    for (const sheet of late.value) {
      const booklet = booklets.value.find((b) => b.id === sheet.bookletId);
      if (!booklet || booklet.pages.length > sheet.pages) message.value = t("desk.late.arrived", { index: sheet.index });
      else if (now > sheet.until) message.value = t("desk.late.slow", { index: sheet.index });
      else waiting.push(sheet);
    }
    late.value = waiting;
  }

  function take(view: IdentificationResponse): void {
    exam.value = view.exam;
    booklets.value = view.booklets;
    students.value = view.students;
    discarded.value = view.discardedPages;
    if (!current.value) currentId.value = firstToIdentify();
    settleLateSheets();
  }

  function stop(): void {
    version += 1;
    clearTimeout(timer);
    timer = undefined;
  }

  function schedule(delay = POLL_MS): void {
    if (timer !== undefined || !examId.value) return;
    if (!booklets.value.some((b) => b.status === "READING") && late.value.length === 0) return;
    timer = setTimeout(() => void refresh(), delay);
  }

  /** Reloads the desk as it is on the server, keeping the booklet shown. */
  async function refresh(): Promise<void> {
    clearTimeout(timer);
    timer = undefined;
    const id = examId.value;
    if (!id) return;
    const started = version;
    let delay = POLL_MS;
    try {
      const view = await api.getIdentification(id);
      if (started !== version) return schedule();
      pollError.value = null;
      take(view);
    } catch (e) {
      if (started !== version) return;
      // Signed out: the global handler takes the user to the login page; stop here.
      if (e instanceof ApiError && e.code === "UNAUTHENTICATED") return;
      pollError.value = t("desk.pollError");
      delay = POLL_BACKOFF_MS;
    }
    schedule(delay);
  }

  async function open(id: string): Promise<void> {
    stop();
    if (examId.value !== id) {
      exam.value = null;
      booklets.value = [];
      students.value = [];
      discarded.value = [];
      currentId.value = null;
      late.value = [];
      plan.value = null;
      filter.value = "pending";
    }
    examId.value = id;
    actionError.value = examError.value = null;
    message.value = null;
    pollError.value = null;
    loading.value = true;
    error.value = null;
    const started = version;
    try {
      const view = await api.getIdentification(id);
      if (started === version) take(view);
    } catch (e) {
      error.value = loadErrorMessage(e);
    } finally {
      loading.value = false;
    }
    schedule();
  }

  /** Leaving the desk: no more reloads. */
  function close(): void {
    stop();
  }

  function select(id: string | null): void {
    currentId.value = id;
    actionError.value = null;
  }

  /** The next (1) or previous (−1) booklet of the list shown. */
  function step(delta: 1 | -1): void {
    const list = visible.value;
    if (list.length === 0) return;
    const at = list.findIndex((b) => b.id === currentId.value);
    const next = at < 0 ? list[0] : list[Math.min(Math.max(at + delta, 0), list.length - 1)];
    select(next?.id ?? null);
  }

  function setFilter(value: DeskFilter): void {
    filter.value = value;
    if (!visible.value.some((b) => b.id === currentId.value)) select(visible.value[0]?.id ?? null);
  }

  function setSort(value: DeskSort): void {
    sort.value = value;
  }

  /**
   * Runs an action that answers with the booklets it changed and puts them in place. With
   * `advance`, the desk then shows the next booklet to identify. Resolves to whether it worked.
   */
  async function act(call: () => Promise<DeskBookletsResponse>, options: { advance?: string } = {}): Promise<boolean> {
    if (busy.value) return false;
    busy.value = true;
    actionError.value = examError.value = null;
    message.value = null;
    const order = visible.value.map((b) => b.id);
    try {
      const { booklets: changed } = await call();
      version += 1;
      booklets.value = applyChanges(booklets.value, changed);
      if (options.advance) {
        currentId.value = nextPending(order, options.advance, booklets.value) ?? currentId.value;
      } else if (!current.value) {
        // The booklet shown was merged into another: show that one.
        currentId.value = changed.find((b) => b.status !== "MERGED")?.id ?? firstToIdentify();
      }
      schedule();
      return true;
    } catch (e) {
      actionError.value = inlineErrorMessage(e);
      // Someone else changed the desk meanwhile: show it as it is now.
      if (e instanceof ApiError && e.status === 409) void refresh();
      return false;
    } finally {
      busy.value = false;
    }
  }

  function identify(bookletId: string, studentId: string): Promise<boolean> {
    const booklet = booklets.value.find((b) => b.id === bookletId);
    // Only a deliberate change of an identified booklet may replace its student.
    const change = booklet?.status === "IDENTIFIED";
    return act(() => api.identifyBooklet(bookletId, studentId, change), { advance: bookletId });
  }

  function unidentify(bookletId: string): Promise<boolean> {
    return act(() => api.unidentifyBooklet(bookletId));
  }

  function setAside(bookletId: string, reason: SetAsideReason): Promise<boolean> {
    return act(() => api.setBookletAside(bookletId, reason), { advance: bookletId });
  }

  function restore(bookletId: string): Promise<boolean> {
    return act(() => api.restoreBooklet(bookletId));
  }

  /** `otherId`'s pages go after `bookletId`'s; `otherId` leaves the desk. */
  function merge(bookletId: string, otherId: string): Promise<boolean> {
    return act(() => api.mergeBooklets(bookletId, otherId));
  }

  function split(bookletId: string, position: number): Promise<boolean> {
    return act(() => api.splitBooklet(bookletId, position));
  }

  function movePage(pageId: string, bookletId: string, position: number): Promise<boolean> {
    return act(() => api.movePage(pageId, bookletId, position));
  }

  function rotatePage(pageId: string, rotation: PageRotation): Promise<boolean> {
    return act(() => api.rotatePage(pageId, rotation));
  }

  async function discardPage(pageId: string, bookletId: string): Promise<boolean> {
    const done = await act(() => api.discardPage(pageId));
    if (done && !discarded.value.some((p) => p.id === pageId)) {
      discarded.value = [{ id: pageId, bookletId, discardedAt: new Date().toISOString() }, ...discarded.value];
    }
    return done;
  }

  async function restorePage(pageId: string, bookletId?: string): Promise<boolean> {
    const done = await act(() => api.restorePage(pageId, bookletId ? { bookletId } : {}));
    if (done) discarded.value = discarded.value.filter((p) => p.id !== pageId);
    return done;
  }

  /** Runs an exam-wide action, then reloads the desk (it may have changed any booklet) unless told not to. */
  async function examWide<T>(call: (id: string) => Promise<T>, done: (result: T) => string | null, reload = true): Promise<boolean> {
    const id = examId.value;
    if (!id || busy.value) return false;
    busy.value = true;
    actionError.value = examError.value = null;
    message.value = null;
    try {
      const result = await call(id);
      if (reload) version += 1;
      message.value = done(result);
    } catch (e) {
      examError.value = inlineErrorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
    if (reload) await refresh();
    return true;
  }

  /** The preview of accepting every suggestion of at least `percent` %. */
  async function previewAccept(percent: number): Promise<boolean> {
    return examWide(
      (id) => api.acceptSuggestions(id, percent / 100, true),
      ({ plan: items }) => {
        plan.value = { percent, items };
        return null;
      },
      false,
    );
  }

  async function applyAccept(): Promise<boolean> {
    const preview = plan.value;
    if (!preview) return false;
    const done = await examWide(
      (id) => api.acceptSuggestions(id, preview.percent / 100, false),
      ({ applied }) => t("desk.accept.applied", applied),
    );
    if (done) {
      plan.value = null;
      if (current.value?.status !== "PENDING") currentId.value = firstToIdentify();
    }
    return done;
  }

  function cancelAccept(): void {
    plan.value = null;
  }

  function rerun(): Promise<boolean> {
    return examWide(
      (id) => api.rerunIdentification(id),
      (result) => t("desk.rerunDone", { ...result }),
    );
  }

  /** A late sheet for a booklet: the desk looks for its pages until they are there. */
  async function addLateSheet(bookletId: string, position: number, file: File): Promise<boolean> {
    const booklet = booklets.value.find((b) => b.id === bookletId);
    if (!booklet || busy.value) return false;
    busy.value = true;
    actionError.value = examError.value = null;
    message.value = null;
    try {
      const { duplicate } = await api.uploadLatePages(bookletId, position, file);
      if (duplicate) {
        message.value = t("desk.late.duplicate");
      } else {
        late.value = [...late.value, { bookletId, index: booklet.index, pages: booklet.pages.length, until: Date.now() + LATE_SHEET_MS }];
        message.value = t("desk.late.sent", { index: booklet.index });
        schedule();
      }
      return true;
    } catch (e) {
      actionError.value = inlineErrorMessage(e);
      return false;
    } finally {
      busy.value = false;
    }
  }

  let overviewTimer: ReturnType<typeof setTimeout> | undefined;
  let overviewFor: string | null = null;

  /**
   * The counts for the exam page, followed while the worker reads headers; the page shows
   * nothing when they cannot be had.
   */
  async function loadOverview(id: string): Promise<void> {
    clearTimeout(overviewTimer);
    overviewFor = id;
    try {
      const view = await api.getIdentification(id);
      if (overviewFor !== id) return;
      overview.value = { examId: id, summary: summaryOf(view.booklets) };
    } catch {
      if (overview.value?.examId !== id) overview.value = null;
    }
    if (overviewFor === id && (overview.value?.summary.reading ?? 0) > 0) overviewTimer = setTimeout(() => void loadOverview(id), POLL_MS);
  }

  function closeOverview(): void {
    clearTimeout(overviewTimer);
    overviewFor = null;
  }

  /** The printable cover sheets of the exam's students of these classes (all when none). */
  function coverSheets(id: string, classes: readonly string[]): Promise<Blob> {
    return api.coverSheets(id, classes);
  }

  return {
    examId,
    exam,
    booklets,
    students,
    discarded,
    loading,
    error,
    pollError,
    busy,
    actionError,
    examError,
    message,
    filter,
    sort,
    currentId,
    late,
    plan,
    overview,
    summary,
    visible,
    current,
    studentsById,
    takenBy,
    open,
    close,
    refresh,
    select,
    step,
    setFilter,
    setSort,
    identify,
    unidentify,
    setAside,
    restore,
    merge,
    split,
    movePage,
    rotatePage,
    discardPage,
    restorePage,
    previewAccept,
    applyAccept,
    cancelAccept,
    rerun,
    addLateSheet,
    loadOverview,
    closeOverview,
    coverSheets,
  };
});
