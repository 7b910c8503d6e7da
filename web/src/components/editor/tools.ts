// The annotation editor's vocabulary: its tools and their keyboard shortcuts, the colours on
// offer, the pages it shows and what its host gives it to label score and rubric annotations.
import type { Annotation } from "../../api/types";

/** Placement tools: a question's score, a rubric item, or a comment of the exam's library. */
export type PlaceTool = { place: "score"; questionId: string } | { place: "rubric"; itemId: string } | { place: "comment"; text: string };
export type PlaceKind = PlaceTool["place"];

export type ToolName = "select" | "pan" | "pen" | "highlighter" | "line" | "arrow" | "text" | "tick" | "cross" | "comment" | "eraser";

/** What a pointer does on the page; a placement tool puts a question's score or a rubric item there. */
export type Tool = ToolName | PlaceTool;

/** The text shown in score and rubric annotations (e.g. "2,5 / 4", "Unité manquante −0,5"). */
export interface AnnotationLabels {
  score: (questionId: string) => string;
  rubric: (itemId: string) => string;
}

/** A page of the copy as the editor shows it: its natural size in pixels and its image. */
export interface EditorPage {
  id: string;
  position: number;
  width: number;
  height: number;
  imageUrl: string;
}

/** Where a placement tool was clicked: the page's position and page-relative coordinates. */
export interface PlaceTarget {
  page: number;
  x: number;
  y: number;
}

/** Score and rubric annotations show a text from the host (see AnnotationLabels). */
export function usesLabels(a: Pick<Annotation, "type">): boolean {
  return a.type === "score" || a.type === "rubric";
}

/** The toolbar's tools in order, with the key that selects each (shown in the toolbar). */
export const TOOLS: readonly { tool: ToolName; key: string }[] = [
  { tool: "select", key: "Escape" },
  { tool: "pan", key: " " },
  { tool: "pen", key: "p" },
  { tool: "highlighter", key: "s" },
  { tool: "line", key: "l" },
  { tool: "arrow", key: "f" },
  { tool: "text", key: "t" },
  { tool: "tick", key: "v" },
  { tool: "cross", key: "x" },
  { tool: "comment", key: "c" },
  { tool: "eraser", key: "e" },
];

/** The tool a key selects; the host checks first that no modifier is held and no field has focus. */
export function toolForKey(key: string): Tool | null {
  // Space is held to pan for a moment (the canvas handles it), it does not switch tools.
  if (key === " ") return null;
  const lower = key.length === 1 ? key.toLowerCase() : key;
  return TOOLS.find((t) => t.key === lower)?.tool ?? null;
}

/** Keys typed into a field are text, not shortcuts. */
export function isTypingTarget(target: EventTarget | null): boolean {
  const element = target as { tagName?: string; isContentEditable?: boolean } | null;
  return !!element && (element.isContentEditable === true || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName ?? ""));
}

export function isPlaceTool(tool: Tool): tool is PlaceTool {
  return typeof tool === "object";
}

/** What a placement tool puts down: the question, the rubric item or the comment's text. */
export function placeReference(tool: PlaceTool): string {
  return tool.place === "score" ? tool.questionId : tool.place === "rubric" ? tool.itemId : tool.text;
}

/**
 * Tools dragged across the page. Only these take touch gestures from the browser
 * (touch-action: none), so a finger still scrolls the copy with the others.
 */
export function dragsOnPage(tool: Tool): boolean {
  return tool === "pen" || tool === "highlighter" || tool === "line" || tool === "arrow" || tool === "eraser";
}

export const DEFAULT_COLOR = "#d32f2f";

export const COLORS: readonly { name: "red" | "blue" | "green" | "orange" | "black"; value: string }[] = [
  { name: "red", value: DEFAULT_COLOR },
  { name: "blue", value: "#1565c0" },
  { name: "green", value: "#2e7d32" },
  { name: "orange", value: "#ef6c00" },
  { name: "black", value: "#000000" },
];
