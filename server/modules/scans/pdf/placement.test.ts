// Image placement: does it fill the page, at which angle, and how to turn it upright.
import { describe, expect, it } from "vitest";
import { imageAngleOnPage, normaliseRotation, uprightRotation } from "./placement.js";

const A4 = { x0: 0, y0: 0, x1: 595.28, y1: 841.89 };
const [W, H] = [A4.x1, A4.y1];

describe("imageAngleOnPage", () => {
  it("recognises an image stretched over the page at each quarter turn", () => {
    expect(imageAngleOnPage([W, 0, 0, H, 0, 0], A4)).toBe(0);
    expect(imageAngleOnPage([0, H, -W, 0, W, 0], A4)).toBe(90);
    expect(imageAngleOnPage([-W, 0, 0, -H, W, H], A4)).toBe(180);
    expect(imageAngleOnPage([0, -H, W, 0, 0, H], A4)).toBe(270);
  });

  it("allows 2 % of slack at the edges, no more", () => {
    expect(imageAngleOnPage([W * 1.015, 0, 0, H * 0.99, -3, 4], A4)).toBe(0);
    expect(imageAngleOnPage([W * 0.95, 0, 0, H, 0, 0], A4)).toBeUndefined();
    expect(imageAngleOnPage([W, 0, 0, H, 0, 40], A4)).toBeUndefined();
  });

  it("rejects mirrored and skewed images", () => {
    expect(imageAngleOnPage([-W, 0, 0, H, W, 0], A4)).toBeUndefined();
    expect(imageAngleOnPage([W, 0, 0, -H, 0, H], A4)).toBeUndefined();
    expect(imageAngleOnPage([W, 0, W * 0.1, H, 0, 0], A4)).toBeUndefined();
  });
});

describe("uprightRotation", () => {
  it("undoes the image's turn on the page, then applies /Rotate", () => {
    expect(uprightRotation(0, 0)).toBe(0);
    expect(uprightRotation(0, 180)).toBe(180);
    expect(uprightRotation(90, 0)).toBe(270);
    expect(uprightRotation(90, 90)).toBe(0);
    expect(uprightRotation(270, 180)).toBe(270);
  });

  it("reads /Rotate as pdf.js does", () => {
    expect([0, 90, -90, 450, 540, 45, 89.5].map(normaliseRotation)).toEqual([0, 90, 270, 90, 180, 0, 0]);
  });
});
