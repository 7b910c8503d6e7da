// The editor's keyboard: Ctrl+Z / Ctrl+Y / Ctrl+Shift+Z anywhere but in a field, a rubric item's
// shortcut while the copy has the focus (before the tools: the graders chose it), a tool's key.
import type { QuestionRubric } from "../../api/types";
import { toolForKey, type Tool } from "../editor/tools";
import { itemForShortcut } from "./rubric";

export type EditorAction = { kind: "undo" } | { kind: "redo" } | { kind: "tool"; tool: Tool } | { kind: "rubric"; questionId: string; itemId: string } | null;

type Keys = Pick<KeyboardEvent, "key" | "ctrlKey" | "metaKey" | "altKey" | "shiftKey">;

/** What a key does; the host has already left out keys typed into a field. */
export function editorAction(event: Keys, onCopy: boolean, rubric: readonly QuestionRubric[]): EditorAction {
  const key = event.key.toLowerCase();
  if ((event.ctrlKey || event.metaKey) && !event.altKey) {
    if (key === "z") return { kind: event.shiftKey ? "redo" : "undo" };
    return key === "y" ? { kind: "redo" } : null;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return null;
  const hit = onCopy ? itemForShortcut(rubric, event.key) : null;
  if (hit) return { kind: "rubric", questionId: hit.questionId, itemId: hit.item.id };
  const tool = toolForKey(event.key);
  return tool ? { kind: "tool", tool } : null;
}
