// The student's portal: their published copies, and the review requests they make on them.
// A request throws ApiError; the form that sends it shows the message next to itself.
import { defineStore } from "pinia";
import { api } from "../api/client";
import type { StudentReviewDto } from "../api/types";
import { withReview } from "../components/portal/portal";
import { loadableList } from "./loadable";

export const usePortalStore = defineStore("portal", () => {
  const list = loadableList(async () => (await api.myCopies()).copies);

  /** Sends a request on one question; the copy then shows it in place of the form. */
  async function requestReview(copyId: string, questionId: string, message: string): Promise<StudentReviewDto> {
    const { review } = await api.requestReview(copyId, { questionId, message: message.trim() });
    list.items.value = withReview(list.items.value, copyId, review);
    return review;
  }

  return { ...list, requestReview };
});
