import { describe, expect, it } from "vitest";
import { adjacentPageTop, clampZoom, displayWidth, fitZoom, pagePoint, pinchZoom, scrollCorrection, stepZoom, wheelZoom } from "./zoom";

describe("zoom levels", () => {
  it("fits the page to the available width, or scales its natural width", () => {
    expect(displayWidth(1240, "fit", 800)).toBe(800);
    expect(displayWidth(1240, 1, 800)).toBe(1240);
    expect(displayWidth(1240, 0.5, 800)).toBe(620);
    expect(fitZoom(1240, 620)).toBe(0.5);
  });

  it("keeps zooms between 50 % and 400 %", () => {
    expect(clampZoom(0.1)).toBe(0.5);
    expect(clampZoom(9)).toBe(4);
    expect(clampZoom(1.3)).toBe(1.3);
    expect(displayWidth(1000, 10, 800)).toBe(4000);
    expect(wheelZoom(4, -5000)).toBe(4);
    expect(wheelZoom(0.5, 5000)).toBe(0.5);
  });

  it("steps through the toolbar's levels from wherever it stands", () => {
    expect(stepZoom(1, 1)).toBe(1.1);
    expect(stepZoom(1, -1)).toBe(0.9);
    expect(stepZoom(0.8, 1)).toBe(0.9);
    expect(stepZoom(0.8, -1)).toBe(0.75);
    expect(stepZoom(4, 1)).toBe(4);
    expect(stepZoom(0.5, -1)).toBe(0.5);
  });

  it("zooms in when the wheel turns up (Ctrl held), out when it turns down", () => {
    expect(wheelZoom(1, -100)).toBeGreaterThan(1);
    expect(wheelZoom(1, 100)).toBeLessThan(1);
    // Firefox counts lines: three lines zoom about as much as 100 pixels.
    expect(wheelZoom(1, 3, 1)).toBeCloseTo(wheelZoom(1, 99), 3);
  });

  it("pinches in proportion to the fingers' distance", () => {
    expect(pinchZoom(1, 100, 200)).toBe(2);
    expect(pinchZoom(1, 100, 10)).toBe(0.5);
    expect(pinchZoom(1.5, 0, 50)).toBe(1.5);
  });
});

describe("cursor-anchored zoom", () => {
  it("scrolls so that the page point under the cursor stays under it", () => {
    const cursor = { x: 500, y: 400 };
    // A page 800 px wide at (100, -300) on screen; after zooming to 1,600 px it lays out at (100, -600).
    const before = { left: 100, top: -300, width: 800 };
    const point = pagePoint(before, cursor);
    expect(point).toEqual({ x: 0.5, y: 0.875 });
    const after = { left: 100, top: -600, width: 1600 };
    const delta = scrollCorrection(after, point, cursor);
    expect(delta).toEqual({ x: 400, y: 400 });
    // Scrolling by delta moves the page by -delta: the point is back under the cursor.
    const moved = { left: after.left - delta.x, top: after.top - delta.y, width: after.width };
    expect(pagePoint(moved, cursor)).toEqual(point);
  });
});

describe("page by page", () => {
  const tops = [0, 1200, 2400];

  it("goes to the next page's top", () => {
    expect(adjacentPageTop(tops, 0, 1)).toBe(1200);
    expect(adjacentPageTop(tops, 600, 1)).toBe(1200);
    expect(adjacentPageTop(tops, 2400, 1)).toBeNull();
  });

  it("goes back to the current page's top, then to the previous one", () => {
    expect(adjacentPageTop(tops, 1500, -1)).toBe(1200);
    expect(adjacentPageTop(tops, 1200, -1)).toBe(0);
    expect(adjacentPageTop(tops, 0, -1)).toBeNull();
  });
});
