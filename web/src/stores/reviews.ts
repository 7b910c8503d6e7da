// Students' review requests as staff see them (admins: the whole school; teachers: the exams
// they grade): the list for a filter, and answering one (optionally reopening the copy).
import { defineStore } from "pinia";
import { ref, shallowRef } from "vue";
import { api } from "../api/client";
import type { ReviewAnswerInput, ReviewsQuery, StaffReviewDto } from "../api/types";
import { errorMessage, loadErrorMessage } from "../errors";

export const useReviewsStore = defineStore("reviews", () => {
  const reviews = shallowRef<StaffReviewDto[]>([]);
  const query = shallowRef<ReviewsQuery>({});
  const loading = ref(false);
  const error = ref<string | null>(null);
  /** Id of the review whose answer is being sent. */
  const answering = ref<string | null>(null);
  const answerError = ref<string | null>(null);

  async function load(filter: ReviewsQuery = {}): Promise<void> {
    query.value = filter;
    loading.value = true;
    error.value = null;
    try {
      const { reviews: found } = await api.listReviews(filter);
      // A later load (another filter) wins over a slower earlier one.
      if (query.value === filter) reviews.value = found;
    } catch (e) {
      if (query.value === filter) error.value = loadErrorMessage(e);
    } finally {
      if (query.value === filter) loading.value = false;
    }
  }

  /** Sends the answer; the review is replaced in the list by the server's. True when it was sent. */
  async function answer(id: string, input: ReviewAnswerInput): Promise<boolean> {
    answering.value = id;
    answerError.value = null;
    try {
      const { review } = await api.answerReview(id, input);
      reviews.value = reviews.value.map((r) => (r.id === review.id ? review : r));
      return true;
    } catch (e) {
      answerError.value = errorMessage(e);
      return false;
    } finally {
      answering.value = null;
    }
  }

  return { reviews, query, loading, error, answering, answerError, load, answer };
});
