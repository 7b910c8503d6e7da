import { describe, expect, it } from "vitest";
import type { Stats } from "../../api/types";
import { figureCells, histogramData, histogramLabels, questionRatioData, ratioText } from "./statistics";

const stats: Stats = {
  count: 4,
  mean: 12.125,
  median: 12.5,
  stdDev: 3.4567,
  min: 7,
  max: 16,
  histogram: [
    { from: 0, to: 10, count: 1 },
    { from: 10, to: 15, count: 2 },
    { from: 15, to: 20, count: 1 },
  ],
};
const empty: Stats = { count: 0, mean: null, median: null, stdDev: null, min: null, max: null, histogram: [] };

describe("statistics figures", () => {
  it("formats the figures in French, in column order", () => {
    expect(figureCells(stats)).toEqual(["4", "12,13", "12,5", "3,46", "7", "16"]);
  });

  it("shows a dash for figures with no mark to compute them from", () => {
    expect(figureCells(empty)).toEqual(["0", "—", "—", "—", "—", "—"]);
  });
});

describe("chart data", () => {
  it("labels the bins half-open, the last one closed", () => {
    expect(histogramLabels(stats.histogram)).toEqual(["[0 ; 10[", "[10 ; 15[", "[15 ; 20]"]);
    expect(histogramLabels([{ from: 2.5, to: 5, count: 0 }])).toEqual(["[2,5 ; 5]"]);
    expect(histogramData(stats)).toEqual({ labels: ["[0 ; 10[", "[10 ; 15[", "[15 ; 20]"], values: [1, 2, 1] });
    expect(histogramData(empty)).toEqual({ labels: [], values: [] });
  });

  it("gives each question's average ratio in percent, 0 when unknown", () => {
    const questions = [
      { id: "q1", label: "1a", maxPoints: 4, averageScore: 2.5, averageRatio: 0.625 },
      { id: "q2", label: "1b", maxPoints: 3, averageScore: null, averageRatio: null },
      { id: "q3", label: "2", maxPoints: 6, averageScore: 2, averageRatio: 1 / 3 },
    ];
    expect(questionRatioData(questions)).toEqual({ labels: ["1a", "1b", "2"], values: [62.5, 0, 33.3] });
    expect(ratioText(0.625)).toBe("62,5 %");
    expect(ratioText(null)).toBe("—");
  });
});
