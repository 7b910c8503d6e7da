// Drafts as a teacher leaves them on a 4-page copy, for the grading bench: mostly freehand pen
// strokes (20–60 points, rounded the way the editor sends them), some lines and arrows, ticks
// and crosses, a few text boxes and comment bubbles, one score mark per question, every
// question scored. Sizes are the editor's defaults (web/src/components/editor/edits.ts).
import type { Annotation } from "../../server/modules/grading/schemas.js";
import { random } from "../../server/test/scan-factory.js";
import type { Api } from "./stack.js";

export interface BenchQuestion {
  id: string;
  maxPoints: number;
  step: number;
}

export interface BenchDraft {
  annotations: Annotation[];
  scores: Record<string, number | null>;
  comment: string;
  rubric: Record<string, string[]>;
  overrides: string[];
}

/** A teacher in the editor: its session, the copy it holds the lock of, its draft as last saved. */
export interface EditorTeacher {
  api: Api;
  copyId: string;
  lockToken: string;
  maker: DraftMaker;
  draft: BenchDraft;
  version: number;
}

const RED = "#d32f2f";
const PAGES = 4;
const round4 = (v: number) => Math.round(v * 10_000) / 10_000;
const within = (v: number) => Math.min(0.98, Math.max(0.02, v));

const REMARKS = ["Unité manquante", "Justifier", "Attention aux signes", "Très bien", "Raisonnement incomplet", "Revoir la définition"];

/** Makes the annotations of one copy; `next` is a seeded generator, so every run draws the same. */
export class DraftMaker {
  private readonly next: () => number;
  private count = 0;

  constructor(seed: number) {
    this.next = random(seed);
  }

  private id(kind: string): string {
    this.count += 1;
    return `${kind}-${this.count}`;
  }

  private page(): number {
    return 1 + Math.floor(this.next() * PAGES);
  }

  /** A handwritten-looking stroke: a wandering path with a varying pressure. */
  stroke(): Annotation {
    const n = 20 + Math.floor(this.next() * 41);
    let x = 0.1 + this.next() * 0.7;
    let y = 0.05 + this.next() * 0.9;
    let heading = this.next() * 2 * Math.PI;
    const points: [number, number, number][] = [];
    for (let i = 0; i < n; i += 1) {
      heading += (this.next() - 0.5) * 0.8;
      x = within(x + Math.cos(heading) * 0.004);
      y = within(y + Math.sin(heading) * 0.003);
      points.push([round4(x), round4(y), Math.round((0.35 + this.next() * 0.45) * 100) / 100]);
    }
    const highlighter = this.next() < 0.05;
    return { id: this.id("s"), page: this.page(), type: highlighter ? "highlighter" : "pen", color: highlighter ? "#ffeb3b" : RED, width: highlighter ? 0.018 : 0.0025, points };
  }

  private line(): Annotation {
    const from: [number, number] = [round4(0.1 + this.next() * 0.7), round4(0.05 + this.next() * 0.9)];
    const to: [number, number] = [round4(within(from[0] + (this.next() - 0.5) * 0.3)), round4(within(from[1] + (this.next() - 0.5) * 0.2))];
    return { id: this.id("l"), page: this.page(), type: this.next() < 0.5 ? "line" : "arrow", color: RED, width: 0.003, from, to };
  }

  private stamp(): Annotation {
    return { id: this.id("k"), page: this.page(), type: this.next() < 0.7 ? "tick" : "cross", color: RED, x: round4(0.75 + this.next() * 0.2), y: round4(0.05 + this.next() * 0.9), size: 0.035 };
  }

  private text(): Annotation {
    const text = `${REMARKS[Math.floor(this.next() * REMARKS.length)]} : reprendre le calcul\nde la question précédente.`;
    return { id: this.id("t"), page: this.page(), type: "text", color: RED, x: round4(0.1 + this.next() * 0.5), y: round4(0.1 + this.next() * 0.8), w: 0.3, h: 0.05, size: 0.018, text };
  }

  private bubble(): Annotation {
    return { id: this.id("c"), page: this.page(), type: "comment", color: RED, x: round4(0.6 + this.next() * 0.3), y: round4(0.1 + this.next() * 0.8), text: REMARKS[Math.floor(this.next() * REMARKS.length)]! };
  }

  private scores(questions: BenchQuestion[]): Record<string, number | null> {
    return Object.fromEntries(questions.map((q, i) => [q.id, i === questions.length - 1 && this.next() < 0.2 ? null : Math.floor(this.next() * (q.maxPoints / q.step + 1)) * q.step]));
  }

  /**
   * A draft of about `size` annotations in the proportions of a fully corrected copy (100:
   * 70 strokes, 8 lines or arrows, 10 ticks or crosses, 3 text boxes, 3 bubbles, the score marks).
   */
  draft(questions: BenchQuestion[], size: number): BenchDraft {
    const marks: Annotation[] = questions.map((q, i) => ({ id: this.id("q"), page: 1 + (i % PAGES), type: "score", questionId: q.id, x: 0.88, y: round4(0.1 + 0.8 * this.next()) }));
    const rest = Math.max(0, size - marks.length);
    const share = (part: number) => Math.round((rest * part) / 94);
    const annotations = [
      ...Array.from({ length: share(8) }, () => this.line()),
      ...Array.from({ length: share(10) }, () => this.stamp()),
      ...Array.from({ length: share(3) }, () => this.text()),
      ...Array.from({ length: share(3) }, () => this.bubble()),
    ];
    const strokes = Array.from({ length: Math.max(0, rest - annotations.length) }, () => this.stroke());
    return {
      annotations: [...strokes, ...annotations, ...marks],
      scores: this.scores(questions),
      comment: "Copie sérieuse dans l'ensemble. Les définitions sont connues mais les justifications manquent souvent : il faut citer le théorème utilisé et vérifier les unités.",
      rubric: {},
      overrides: [],
    };
  }
}
