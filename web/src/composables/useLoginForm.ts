// Shared submit logic of the staff and student login forms.
import { ref } from "vue";
import { useRouter } from "vue-router";
import type { SessionUser } from "../api/types";
import { errorMessage } from "../errors";
import { useNoticeStore } from "../stores/notices";
import { homePath } from "../stores/session";

export function useLoginForm(signIn: () => Promise<SessionUser>) {
  const router = useRouter();
  const notices = useNoticeStore();
  const pending = ref(false);
  const error = ref<string | null>(null);

  async function submit(): Promise<void> {
    if (pending.value) return;
    pending.value = true;
    error.value = null;
    try {
      const user = await signIn();
      notices.dismiss();
      await router.replace(homePath(user));
    } catch (e) {
      error.value = errorMessage(e);
    } finally {
      pending.value = false;
    }
  }

  return { pending, error, submit };
}
