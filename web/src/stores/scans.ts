// Scan batches of the exam open on its page: the list, the upload in progress, and the
// polling of batches the worker is still processing (every second, until they settle).
import { defineStore } from "pinia";
import { computed, ref } from "vue";
import { ABORTED, api, ApiError } from "../api/client";
import type { Batch } from "../api/types";
import { isActive } from "../components/batches";
import { i18n } from "../i18n";
import { inlineErrorMessage } from "../errors";
import { useExamsStore } from "./exams";
import { loadableList } from "./loadable";

const POLL_MS = 1000;
// Every how many polls a running batch is fetched whole (booklets and thumbnails).
const DETAIL_EVERY = 5;
/** After a failed refresh, wait longer before the next one. */
const POLL_BACKOFF_MS = 5000;

export interface UploadState {
  examId: string;
  fileName: string;
  /** 0–100, or null while the size is unknown. */
  percent: number | null;
  /** Everything is sent; the server is checking the file. */
  checking: boolean;
}

function holdPage(event: BeforeUnloadEvent): void {
  event.preventDefault();
}

export const useScansStore = defineStore("scans", () => {
  const examId = ref<string | null>(null);
  const list = loadableList(async () => {
    const id = examId.value;
    return id ? (await api.listBatches(id)).batches : [];
  });
  const pollError = ref<string | null>(null);

  const upload = ref<UploadState | null>(null);
  const uploadError = ref<string | null>(null);
  /** The batch a duplicate upload pointed to. */
  const duplicateOf = ref<string | null>(null);
  const lastUploaded = ref<string | null>(null);
  let controller: AbortController | null = null;

  const batches = computed(() => list.items.value);
  const uploading = computed(() => upload.value !== null && upload.value.examId === examId.value);

  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by stop(): a refresh that started before is dropped when it lands. */
  let generation = 0;

  function replace(batch: Batch, first = false): void {
    const items = list.items.value;
    if (batch.examId !== examId.value) return;
    const index = items.findIndex((b) => b.id === batch.id);
    if (index >= 0) list.items.value = items.map((b) => (b.id === batch.id ? batch : b));
    else list.items.value = first ? [batch, ...items] : [...items, batch];
  }

  function schedule(delay = POLL_MS): void {
    if (timer !== undefined || !list.items.value.some(isActive)) return;
    timer = setTimeout(() => void poll(), delay);
  }

  /**
   * The progress bar follows the cheap progress endpoint every second; the booklets and
   * their thumbnails are fetched whole every few seconds, and once the batch settles.
   */
  let polls = 0;
  async function follow(batch: Batch): Promise<Batch> {
    const { progress } = await api.getBatchProgress(batch.id);
    const merged = { ...batch, ...progress };
    return !isActive(merged) || polls % DETAIL_EVERY === 0 ? (await api.getBatch(batch.id)).batch : merged;
  }

  async function poll(): Promise<void> {
    timer = undefined;
    const started = generation;
    const active = list.items.value.filter(isActive);
    let delay = POLL_MS;
    try {
      polls += 1;
      const fresh = await Promise.all(active.map(follow));
      if (started !== generation) return;
      pollError.value = null;
      for (const batch of fresh) replace(batch);
      // A batch that settled may have changed the exam (copies, and what can still be edited).
      if (fresh.some((b) => !isActive(b))) void useExamsStore().refresh();
    } catch (e) {
      if (started !== generation) return;
      // Signed out: the global handler takes the user to the login page; stop here.
      if (e instanceof ApiError && e.code === "UNAUTHENTICATED") return;
      pollError.value = i18n.global.t("batches.pollError");
      delay = POLL_BACKOFF_MS;
    }
    schedule(delay);
  }

  function stop(): void {
    generation += 1;
    clearTimeout(timer);
    timer = undefined;
  }

  /** Loads the exam's batches and follows those in progress. */
  async function open(id: string): Promise<void> {
    stop();
    if (examId.value !== id) {
      list.items.value = [];
      uploadError.value = null;
      duplicateOf.value = null;
      lastUploaded.value = null;
    }
    examId.value = id;
    pollError.value = null;
    await list.load();
    schedule();
  }

  /** Leaving the exam page: no more polling (an upload under way carries on). */
  function close(): void {
    stop();
  }

  async function send(files: readonly File[]): Promise<void> {
    const id = examId.value;
    if (!id || upload.value) return;
    uploadError.value = null;
    duplicateOf.value = null;
    lastUploaded.value = null;
    const fileName = files.map((f) => f.name).join(", ");
    upload.value = { examId: id, fileName, percent: 0, checking: false };
    controller = new AbortController();
    // Closing the tab would lose the upload: let the browser ask first.
    window.addEventListener("beforeunload", holdPage);
    try {
      const result = await api.uploadScan(id, files, {
        signal: controller.signal,
        onProgress: (sent, total) => {
          const percent = total > 0 ? Math.min(100, Math.floor((sent / total) * 100)) : null;
          upload.value = { examId: id, fileName, percent, checking: total > 0 && sent >= total };
        },
      });
      if (examId.value === id) {
        replace(result.batch, true);
        if (result.duplicate) duplicateOf.value = result.batch.id;
        else lastUploaded.value = result.batch.id;
        schedule();
      }
    } catch (e) {
      if (examId.value === id) {
        uploadError.value = e instanceof ApiError && e.code === ABORTED ? i18n.global.t("upload.cancelled") : inlineErrorMessage(e);
      }
    } finally {
      window.removeEventListener("beforeunload", holdPage);
      upload.value = null;
      controller = null;
    }
  }

  function cancelUpload(): void {
    controller?.abort();
  }

  /** A refusal before sending (wrong file type…), shown where upload errors are. */
  function refuse(message: string): void {
    duplicateOf.value = null;
    lastUploaded.value = null;
    uploadError.value = message;
  }

  async function retry(batchId: string, pageId?: string): Promise<void> {
    const { batch } = pageId ? await api.retryPage(batchId, pageId) : await api.retryBatch(batchId);
    replace(batch);
    schedule();
  }

  return {
    examId,
    batches,
    loading: list.loading,
    error: list.error,
    pollError,
    upload,
    uploading,
    uploadError,
    duplicateOf,
    lastUploaded,
    open,
    close,
    send,
    cancelUpload,
    refuse,
    retry,
  };
});
