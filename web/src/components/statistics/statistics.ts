// What the statistics page shows: the figures of a group of marks as table cells, the
// histogram's bins and the questions' average ratios as chart data.
import type { HistogramBin, QuestionStats, Stats } from "../../api/types";
import { formatNumber } from "../../format";

/** The figures of the tables, in their column order. */
export const FIGURES = ["count", "mean", "median", "stdDev", "min", "max"] as const;
export type Figure = (typeof FIGURES)[number];

/** A figure as a cell: "12,5", or a dash when there is no mark to compute it from. */
export function figureText(stats: Stats, figure: Figure): string {
  const value = stats[figure];
  return value === null ? "—" : formatNumber(value);
}

export function figureCells(stats: Stats): string[] {
  return FIGURES.map((figure) => figureText(stats, figure));
}

/** The bins as "[0 ; 1[" … "[19 ; 20]" (the last one is closed). */
export function histogramLabels(bins: readonly HistogramBin[]): string[] {
  return bins.map((bin, i) => `[${formatNumber(bin.from)} ; ${formatNumber(bin.to)}${i === bins.length - 1 ? "]" : "["}`);
}

/** A chart's data: its labels and one value per label. */
export interface BarData {
  labels: string[];
  values: number[];
}

export function histogramData(stats: Stats): BarData {
  return { labels: histogramLabels(stats.histogram), values: stats.histogram.map((bin) => bin.count) };
}

/** Each question's average ratio of points obtained, in percent (0 when no copy counts yet). */
export function questionRatioData(questions: readonly QuestionStats[]): BarData {
  return {
    labels: questions.map((q) => q.label),
    values: questions.map((q) => (q.averageRatio === null ? 0 : Math.round(q.averageRatio * 1000) / 10)),
  };
}

/** "62,5 %" or a dash. */
export function ratioText(ratio: number | null): string {
  return ratio === null ? "—" : `${formatNumber(Math.round(ratio * 1000) / 10)} %`;
}
