// What the pointer does on one page, tool by tool: draw a stroke or a line, stamp, place a score
// or a rubric item, open a text or comment editor, erase, select, move and resize.
//
// While a gesture lasts, its state is plain (not reactive) and only `live` (what the live layer
// draws) and `hidden` (committed objects the live layer or the editor stands in for) change:
// `live` at most once per animation frame, `hidden` when a gesture starts moving an object or
// the eraser hits one. The committed annotations are not drawn again until the gesture ends with
// an edit.
import { onBeforeUnmount, ref, shallowReactive, shallowRef, type ShallowRef } from "vue";
import type { Annotation, CommentAnnotation, StrokePoint, TextAnnotation } from "../../api/types";
import { relativePoint, type Point } from "../nameBox";
import { newComment, newLine, newStamp, newStrokes, newText, SIZES, withText, type Edit } from "./edits";
import { appendPoint, strokePoint } from "./freehand";
import { distance, dragHandle, handles, moveBy, topmostHit, type HandleKind, type PageContext } from "./geometry";
import { textBlock } from "./text";
import { isPlaceTool, placeReference, type PlaceKind, type PlaceTarget, type Tool } from "./tools";

export interface PageGestureInput {
  page: () => number;
  annotations: () => readonly Annotation[];
  selected: () => Annotation | null;
  tool: () => Tool;
  color: () => string;
  readonly: () => boolean;
  context: () => PageContext;
  /** The page's displayed width in CSS pixels. */
  displayWidth: () => number;
  overlay: Readonly<ShallowRef<SVGSVGElement | null>>;
  edit: (edit: Edit) => void;
  select: (id: string | null) => void;
  place: (kind: PlaceKind, ref: string, at: PlaceTarget) => void;
}

type Gesture = { pointerId: number } & (
  | { kind: "draw"; type: "pen" | "highlighter"; points: StrokePoint[] }
  | { kind: "segment"; type: "line" | "arrow"; from: Point; to: Point }
  | { kind: "move"; original: Annotation; from: Point; to: Point }
  | { kind: "handle"; original: Annotation; handle: HandleKind; to: Point }
  | { kind: "erase"; erased: Set<string> }
  | { kind: "click"; tool: Tool; from: Point; to: Point }
);

export interface Editing {
  annotation: TextAnnotation | CommentAnnotation;
  isNew: boolean;
}

const NOTHING: ReadonlySet<string> = new Set();

/** How close (CSS pixels) a pointer must come to an object to hit it: a finger is less precise. */
const reachOf = (event: PointerEvent) => (event.pointerType === "touch" ? 12 : 6);

/** A mouse or a finger reports 0.5 while pressed; a pen, its pressure (sometimes 0 at first contact). */
const pressureOf = (event: PointerEvent) => (event.pointerType === "pen" && event.pressure > 0 ? event.pressure : 0.5);

/** The pointer's positions since the last event, for smooth strokes where the browser provides them. */
function coalesced(event: PointerEvent): PointerEvent[] {
  const events = typeof event.getCoalescedEvents === "function" ? event.getCoalescedEvents() : [];
  return events.length > 0 ? events : [event];
}

export function usePageGestures(input: PageGestureInput) {
  const live = shallowReactive<{ shape: Annotation | null; drafting: boolean }>({ shape: null, drafting: false });
  const hidden = shallowRef<ReadonlySet<string>>(NOTHING);
  const editing = shallowRef<Editing | null>(null);
  const editText = ref("");
  let gesture: Gesture | null = null;
  let frame = 0;

  const aspect = () => input.context().aspect;
  /** One CSS pixel in view units. */
  const unit = () => 1 / input.displayWidth();
  const view = (p: Point): Point => ({ x: p.x, y: p.y * aspect() });
  const apart = (a: Point, b: Point) => distance(view(a), view(b)) / unit();
  const visible = () => input.annotations().filter((a) => !hidden.value.has(a.id));

  function pointsOf(event: PointerEvent): Point[] {
    const rect = input.overlay.value!.getBoundingClientRect();
    return coalesced(event).map((e) => relativePoint(rect, e.clientX, e.clientY));
  }

  function hide(id: string): void {
    if (!hidden.value.has(id)) hidden.value = new Set([...hidden.value, id]);
  }

  function schedule(): void {
    if (!frame) frame = requestAnimationFrame(drawLive);
  }

  function drawLive(): void {
    frame = 0;
    const g = gesture;
    if (!g) return;
    const page = input.page();
    const color = input.color();
    if (g.kind === "draw") {
      live.shape = { id: "live", page, type: g.type, color, width: SIZES[g.type], points: g.points.slice() };
      live.drafting = true;
    } else if (g.kind === "segment") {
      live.shape = { id: "live", page, type: g.type, color, width: SIZES.line, from: [g.from.x, g.from.y], to: [g.to.x, g.to.y] };
    } else if (g.kind === "move" || g.kind === "handle") {
      hide(g.original.id);
      live.shape = g.kind === "move" ? moveBy(g.original, g.to.x - g.from.x, g.to.y - g.from.y) : dragHandle(g.original, g.handle, g.to);
    }
  }

  function clearLive(): void {
    cancelAnimationFrame(frame);
    frame = 0;
    live.shape = null;
    live.drafting = false;
    if (!editing.value) hidden.value = NOTHING;
  }

  function cancel(): void {
    gesture = null;
    clearLive();
  }

  function erase(points: Point[], reach: number, g: { erased: Set<string> }): void {
    for (const p of points) {
      const hit = topmostHit(visible(), view(p), reach * unit(), input.context());
      if (hit) {
        g.erased.add(hit.id);
        hide(hit.id);
      }
    }
  }

  function startSelect(event: PointerEvent, p: Point): Gesture | null {
    const reach = reachOf(event) * unit();
    const selected = input.selected();
    const handle = selected && handles(selected, aspect()).find((h) => distance(h, view(p)) <= reach);
    if (selected && handle) return { pointerId: event.pointerId, kind: "handle", original: selected, handle: handle.kind, to: p };
    const hit = topmostHit(visible(), view(p), reach, input.context());
    input.select(hit?.id ?? null);
    return hit ? { pointerId: event.pointerId, kind: "move", original: hit, from: p, to: p } : null;
  }

  function start(tool: Tool, event: PointerEvent, p: Point): Gesture | null {
    const pointerId = event.pointerId;
    switch (tool) {
      case "pen":
      case "highlighter":
        return { pointerId, kind: "draw", type: tool, points: [strokePoint(p.x, p.y, pressureOf(event))] };
      case "line":
      case "arrow":
        return { pointerId, kind: "segment", type: tool, from: p, to: p };
      case "eraser": {
        const g = { pointerId, kind: "erase" as const, erased: new Set<string>() };
        erase([p], reachOf(event), g);
        return g;
      }
      case "select":
        return startSelect(event, p);
      case "pan":
        return null;
      default:
        return { pointerId, kind: "click", tool, from: p, to: p };
    }
  }

  function onDown(event: PointerEvent): void {
    if (input.readonly()) return;
    // A second finger is a pinch (the canvas zooms): what the first one began is dropped.
    if (!event.isPrimary) return cancel();
    if (editing.value) return commitEditing();
    // Button 5 is a pen's eraser end or button.
    const tool = event.button === 5 ? "eraser" : input.tool();
    if ((event.button !== 0 && event.button !== 5) || gesture) return;
    const [p] = pointsOf(event);
    gesture = start(tool, event, p!);
    if (gesture) input.overlay.value!.setPointerCapture(event.pointerId);
  }

  function onMove(event: PointerEvent): void {
    const g = gesture;
    if (!g || event.pointerId !== g.pointerId) return;
    const points = pointsOf(event);
    if (g.kind === "draw") {
      const minDistance = 0.5 * unit();
      for (const p of points) appendPoint(g.points, strokePoint(p.x, p.y, pressureOf(event)), minDistance, aspect());
    } else if (g.kind === "erase") {
      erase(points, reachOf(event), g);
    } else {
      g.to = points[points.length - 1]!;
    }
    schedule();
  }

  function onUp(event: PointerEvent): void {
    const g = gesture;
    if (!g || event.pointerId !== g.pointerId) return;
    if ("to" in g) g.to = pointsOf(event).pop()!;
    gesture = null;
    clearLive();
    finish(g);
  }

  function onCancel(event: PointerEvent): void {
    if (gesture?.pointerId === event.pointerId) cancel();
  }

  function finish(g: Gesture): void {
    const page = input.page();
    const color = input.color();
    switch (g.kind) {
      case "draw":
        return input.edit({ add: newStrokes(g.type, page, color, g.points) });
      case "segment":
        if (apart(g.from, g.to) >= 3) input.edit({ add: [newLine(g.type, page, color, g.from, g.to)] });
        return;
      case "move":
        if (apart(g.from, g.to) >= 1) input.edit({ replace: moveBy(g.original, g.to.x - g.from.x, g.to.y - g.from.y) });
        return;
      case "handle":
        return input.edit({ replace: dragHandle(g.original, g.handle, g.to) });
      case "erase":
        if (g.erased.size > 0) input.edit({ remove: [...g.erased] });
        return;
      case "click":
        // A drag is not a click: the pointer must stay within a few pixels.
        if (apart(g.from, g.to) <= 5) click(g.tool, g.from);
    }
  }

  function editableAt(p: Point, type: "text" | "comment"): TextAnnotation | CommentAnnotation | null {
    const hit = topmostHit(visible(), view(p), 6 * unit(), input.context());
    return hit?.type === type ? hit : null;
  }

  function click(tool: Tool, p: Point): void {
    const page = input.page();
    const color = input.color();
    if (isPlaceTool(tool)) {
      const at = { page, x: p.x, y: p.y };
      return input.place(tool.place, placeReference(tool), at);
    }
    if (tool === "tick" || tool === "cross") return input.edit({ add: [newStamp(tool, page, color, p)] });
    if (tool === "text") return startEditing(editableAt(p, "text") ?? newText(page, color, p, aspect()), true);
    if (tool === "comment") startEditing(editableAt(p, "comment") ?? newComment(page, color, p), true);
  }

  /** Edits a text box or a comment; `maybeNew` means it is new when it is not among the annotations yet. */
  function startEditing(annotation: TextAnnotation | CommentAnnotation, maybeNew = false): void {
    const isNew = maybeNew && !input.annotations().some((a) => a.id === annotation.id);
    editing.value = { annotation, isNew };
    editText.value = annotation.text;
    if (!isNew) hide(annotation.id);
  }

  function onDoubleClick(event: MouseEvent): void {
    const tool = input.tool();
    if (input.readonly() || !(tool === "select" || tool === "text" || tool === "comment")) return;
    const p = relativePoint(input.overlay.value!.getBoundingClientRect(), event.clientX, event.clientY);
    const hit = editableAt(p, "text") ?? editableAt(p, "comment");
    if (hit) startEditing(hit);
  }

  /** Ends the editor: an empty text removes the annotation (or does not create it). */
  function commitEditing(): void {
    const current = editing.value;
    if (!current) return;
    editing.value = null;
    hidden.value = NOTHING;
    const { annotation, isNew } = current;
    const text = editText.value;
    const blank = text.trim() === "";
    if (!isNew && blank) return input.edit({ remove: [annotation.id] });
    if (blank || (!isNew && text === annotation.text)) return;
    const next = annotation.type === "text" ? withText(annotation, text, textBlock({ ...annotation, text }, aspect()).lines.length, aspect()) : { ...annotation, text };
    input.edit(isNew ? { add: [next] } : { replace: next });
  }

  onBeforeUnmount(() => {
    cancelAnimationFrame(frame);
    commitEditing();
  });

  return { live, hidden, editing, editText, onDown, onMove, onUp, onCancel, onDoubleClick, commitEditing };
}
