// The exam's rubric, shared by its graders: any of them adds an item, changes one, or switches a
// question between points added and points taken off. The server re-scores the copies using
// it; the open draft follows the new values.
import { ref, type ShallowRef } from "vue";
import { api } from "../../api/client";
import type { QuestionRubric, RubricItemInput, RubricItemPatch, RubricMode } from "../../api/types";
import { inlineErrorMessage } from "../../errors";
import { i18n } from "../../i18n";

const { t } = i18n.global;

export interface RubricOptions {
  examId: () => string | undefined;
  rubric: ShallowRef<QuestionRubric[]>;
  /** The rubric changed: the draft's scores that follow it are computed again. */
  rescore: () => void;
}

const rescoredMessage = (copies: number, regenerated: number) => t("grading.rubric.rescored", { copies: t("grading.rubric.copies", copies), pdfs: t("grading.rubric.pdfs", regenerated) });

export function useRubricEditing({ examId, rubric, rescore }: RubricOptions) {
  const rubricMessage = ref<string | null>(null);
  const rubricError = ref<string | null>(null);

  /** Runs a change, whose outcome it says; true when it was made. */
  async function act(run: (examId: string) => Promise<string | null>): Promise<boolean> {
    const id = examId();
    if (!id) return false;
    rubricMessage.value = rubricError.value = null;
    try {
      rubricMessage.value = await run(id);
      rubric.value = (await api.getRubric(id)).questions;
      rescore();
      return true;
    } catch (e) {
      rubricError.value = inlineErrorMessage(e);
      return false;
    }
  }

  const addItem = (questionId: string, input: Omit<RubricItemInput, "questionId">) =>
    act(async (id) => {
      await api.addRubricItem(id, { ...input, questionId });
      return t("grading.rubric.added");
    });

  const editItem = (itemId: string, patch: RubricItemPatch) =>
    act(async () => {
      const { rescored } = await api.updateRubricItem(itemId, patch);
      return rescoredMessage(rescored.copies, rescored.regenerated);
    });

  const removeItem = (itemId: string) =>
    act(async () => {
      await api.removeRubricItem(itemId);
      return t("grading.rubric.removed");
    });

  const setMode = (questionId: string, mode: RubricMode) =>
    act(async () => {
      const { rescored } = await api.setRubricMode(questionId, mode);
      return rescoredMessage(rescored.copies, rescored.regenerated);
    });

  function reset(): void {
    rubricMessage.value = rubricError.value = null;
  }

  return { rubricMessage, rubricError, addItem, editItem, removeItem, setMode, reset };
}
