// The exam's library of reusable comments ("Unité manquante", "Justifier"), shared by its
// graders: any of them adds one or takes one off; a bubble placed from it keeps its own text.
import { ref, shallowRef } from "vue";
import { api } from "../../api/client";
import type { CommentTemplate } from "../../api/types";
import { inlineErrorMessage } from "../../errors";

export function useCommentLibrary(examId: () => string | undefined) {
  const comments = shallowRef<CommentTemplate[]>([]);
  const commentsError = ref<string | null>(null);

  async function load(id: string): Promise<void> {
    comments.value = (await api.commentTemplates(id)).comments;
  }

  /** Runs a change then reloads the library (a colleague may have changed it too). */
  async function act(run: (id: string) => Promise<unknown>): Promise<boolean> {
    const id = examId();
    if (!id) return false;
    commentsError.value = null;
    try {
      await run(id);
      await load(id);
      return true;
    } catch (e) {
      commentsError.value = inlineErrorMessage(e);
      return false;
    }
  }

  const addComment = (text: string) => act((id) => api.addCommentTemplate(id, text));
  const removeComment = (commentId: string) => act(() => api.removeCommentTemplate(commentId));

  function reset(): void {
    comments.value = [];
    commentsError.value = null;
  }

  return { comments, commentsError, load, addComment, removeComment, reset };
}
