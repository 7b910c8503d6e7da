// An exam's publication to its students, class by class: what is published, what the admin is
// warned about first, and the deadline of review requests.
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import { api } from "../api/client";
import type { PublicationDto, PublicationResponse, PublicationWarnings } from "../api/types";
import { publishWarningsOf } from "../components/publication/publication";
import { loadErrorMessage } from "../errors";

/** A publication asked for, held back by the server's warnings until the admin confirms it. */
export interface PendingPublish {
  classNames?: string[];
  warnings: PublicationWarnings;
}

export const usePublicationStore = defineStore("publication", () => {
  const examId = ref<string | null>(null);
  const publication = shallowRef<PublicationDto | null>(null);
  const error = ref<string | null>(null);
  const pending = shallowRef<PendingPublish | null>(null);

  async function load(id: string): Promise<void> {
    examId.value = id;
    publication.value = null;
    error.value = null;
    pending.value = null;
    try {
      const answer = await api.getPublication(id);
      if (examId.value === id) publication.value = answer.publication;
    } catch (e) {
      if (examId.value === id) error.value = loadErrorMessage(e);
    }
  }

  /** Runs a change of the current exam's publication and keeps the state it answers. */
  async function change(send: (id: string) => Promise<PublicationResponse>): Promise<void> {
    const id = examId.value;
    if (!id) return;
    const answer = await send(id);
    if (examId.value === id) publication.value = answer.publication;
  }

  /**
   * Publishes the classes (all when undefined). A refusal for warnings is kept in `pending` (and
   * resolves to false) so that the admin can confirm; other refusals are thrown.
   */
  async function publish(classNames?: string[], confirm = false): Promise<boolean> {
    try {
      await change((id) => api.publishExam(id, { classNames, confirm }));
      pending.value = null;
      return true;
    } catch (e) {
      const warnings = publishWarningsOf(e);
      if (!warnings || confirm) throw e;
      pending.value = { classNames, warnings };
      return false;
    }
  }

  /** Publishes what was held back by warnings. */
  async function confirmPending(): Promise<void> {
    if (pending.value) await publish(pending.value.classNames, true);
  }

  function cancelPending(): void {
    pending.value = null;
  }

  const unpublish = (classNames?: string[]) => change((id) => api.unpublishExam(id, { classNames }));
  const setReviewDeadline = (deadline: string | null) => change((id) => api.setReviewDeadline(id, deadline));

  return { examId, publication, error, pending, load, publish, confirmPending, cancelPending, unpublish, setReviewDeadline };
});
