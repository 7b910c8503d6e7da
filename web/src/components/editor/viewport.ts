// The editor's view of the copy: zoom that keeps the point under the pointer (or the view's
// centre) where it is — Ctrl+wheel, a trackpad's pinch, two fingers — and dragging the view
// with the pan tool, Space held or the middle button. The pages are the root's .canvas-page
// elements.
import { nextTick, ref, watch, type ShallowRef } from "vue";
import type { Point } from "../nameBox";
import { pagePoint, pinchZoom, scrollCorrection, wheelZoom, type Zoom } from "./zoom";

export interface ViewportInput {
  root: Readonly<ShallowRef<HTMLElement | null>>;
  zoom: () => Zoom;
  /** The zoom as a number ("fit" as what it amounts to). */
  currentZoom: () => number;
  /** Whether a primary button drag moves the view (pan tool, Space held, read only). */
  panning: () => boolean;
  /** Asks the host for a zoom: the anchor is kept when the zoom prop changes. */
  requestZoom: (next: number) => void;
}

export function useViewport(input: ViewportInput) {
  // ---- Zoom: the point under the pointer (or the view's centre) stays where it is.

  let zoomCentre: Point | null = null;

  function pageElements(): HTMLElement[] {
    return Array.from(input.root.value?.querySelectorAll<HTMLElement>(".canvas-page") ?? []);
  }

  function anchorAt(client: Point) {
    const rects = pageElements().map((el) => el.getBoundingClientRect());
    const index = rects.findIndex((r) => client.y <= r.bottom);
    const at = index === -1 ? rects.length - 1 : index;
    const rect = rects[at];
    return rect ? { index: at, point: pagePoint(rect, client), client } : null;
  }

  function viewCentre(): Point {
    const rect = input.root.value!.getBoundingClientRect();
    return { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
  }

  // Runs before the pages are laid out again ("pre" flush): the anchor is taken on the old layout.
  watch(
    () => input.zoom(),
    async () => {
      if (!input.root.value) return;
      const anchor = anchorAt(zoomCentre ?? viewCentre());
      zoomCentre = null;
      await nextTick();
      const rect = anchor && pageElements()[anchor.index]?.getBoundingClientRect();
      if (!rect || !anchor || !input.root.value) return;
      const delta = scrollCorrection(rect, anchor.point, anchor.client);
      input.root.value.scrollLeft += delta.x;
      input.root.value.scrollTop += delta.y;
    },
  );

  function requestZoom(next: number, centre: Point): void {
    if (next === input.currentZoom()) return;
    zoomCentre = centre;
    input.requestZoom(next);
  }

  function onWheel(event: WheelEvent): void {
    // Browsers report a trackpad's pinch as a wheel with Ctrl held.
    if (!event.ctrlKey && !event.metaKey) return;
    event.preventDefault();
    requestZoom(wheelZoom(input.currentZoom(), event.deltaY, event.deltaMode), { x: event.clientX, y: event.clientY });
  }

  // ---- Two fingers pinch; the pan tool, Space held or the middle button drag the view.

  const touches = new Map<number, Point>();
  let pinch: { distance: number; zoom: number } | null = null;
  let drag: { pointerId: number; x: number; y: number } | null = null;
  const dragging = ref(false);

  const touchDistance = () => {
    const [a, b] = [...touches.values()];
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0;
  };

  function onPointerDown(event: PointerEvent): void {
    if (event.pointerType === "touch") {
      touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (touches.size === 2) pinch = { distance: touchDistance(), zoom: input.currentZoom() };
      // A finger scrolls natively: no need to drag the view for it.
      return;
    }
    if (event.button === 1 || (event.button === 0 && input.panning())) {
      event.preventDefault();
      drag = { pointerId: event.pointerId, x: event.clientX, y: event.clientY };
      dragging.value = true;
      input.root.value!.setPointerCapture(event.pointerId);
    }
  }

  function onPointerMove(event: PointerEvent): void {
    if (touches.has(event.pointerId)) {
      touches.set(event.pointerId, { x: event.clientX, y: event.clientY });
      if (pinch && touches.size === 2) {
        const [a, b] = [...touches.values()] as [Point, Point];
        requestZoom(pinchZoom(pinch.zoom, pinch.distance, touchDistance()), { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
      }
    } else if (drag?.pointerId === event.pointerId) {
      input.root.value!.scrollLeft -= event.clientX - drag.x;
      input.root.value!.scrollTop -= event.clientY - drag.y;
      drag = { ...drag, x: event.clientX, y: event.clientY };
    }
  }

  function onPointerEnd(event: PointerEvent): void {
    touches.delete(event.pointerId);
    if (touches.size < 2) pinch = null;
    if (drag?.pointerId === event.pointerId) {
      drag = null;
      dragging.value = false;
    }
  }

  return { dragging, pageElements, onWheel, onPointerDown, onPointerMove, onPointerEnd };
}
