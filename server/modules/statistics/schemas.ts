import { z } from "zod";

export const ExamParams = z.object({ id: z.uuid() });

export interface Summary {
  count: number;
  mean: number | null;
  median: number | null;
  stdDev: number | null;
  min: number | null;
  max: number | null;
}

export interface HistogramBin {
  from: number;
  to: number;
  count: number;
}

export interface Stats extends Summary {
  histogram: HistogramBin[];
}

export interface QuestionStats {
  id: string;
  label: string;
  maxPoints: number;
  averageScore: number | null;
  averageRatio: number | null;
}

export interface StatisticsDto {
  examId: string;
  reportScale: number;
  overall: Stats;
  classes: ({ className: string } & Stats)[];
  questions: QuestionStats[];
}
