// "Grade the next copy": the server picks it (one dispatched to the teacher first), the editor opens it.
import { useRouter } from "vue-router";
import { api } from "../../api/client";
import { useSaving } from "../saving";
import { copyPath } from "./copyList";

export function useNextCopy() {
  const router = useRouter();
  const state = useSaving();

  function open(examId: string): Promise<void> {
    return state.run(async () => {
      const { copyId } = await api.nextCopy(examId);
      await router.push(copyPath(copyId));
      return null;
    });
  }

  return { state, open };
}
