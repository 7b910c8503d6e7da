// Undo/redo over whole snapshots of the draft: each change records the state it led to, so
// undoing a stroke, a score or a rubric item is the same operation. Past steps are capped.

export const HISTORY_CAP = 200;

export class History<T> {
  private past: T[] = [];
  private future: T[] = [];
  private current: T;
  /** The key of the last change recorded: another change with the same key merges into it. */
  private lastKey: string | null = null;
  private readonly cap: number;

  constructor(initial: T, cap = HISTORY_CAP) {
    this.current = initial;
    this.cap = cap;
  }

  get present(): T {
    return this.current;
  }

  get canUndo(): boolean {
    return this.past.length > 0;
  }

  get canRedo(): boolean {
    return this.future.length > 0;
  }

  /**
   * Records a change. A key groups a run of changes into one step (a comment typed letter by
   * letter, a score typed digit by digit): undo goes back to before the run.
   */
  push(next: T, key: string | null = null): void {
    const merge = key !== null && key === this.lastKey && this.future.length === 0;
    if (!merge) {
      this.past.push(this.current);
      if (this.past.length > this.cap) this.past.shift();
    }
    this.current = next;
    this.future = [];
    this.lastKey = key;
  }

  undo(): T | null {
    const previous = this.past.pop();
    if (previous === undefined) return null;
    this.future.push(this.current);
    this.current = previous;
    this.lastKey = null;
    return previous;
  }

  redo(): T | null {
    const next = this.future.pop();
    if (next === undefined) return null;
    this.past.push(this.current);
    this.current = next;
    this.lastKey = null;
    return next;
  }

  /** Replaces the present without a step (the server's version of the same edits). */
  replace(present: T): void {
    this.current = present;
  }

  /** Forgets every step: a new starting point. */
  reset(present: T): void {
    this.past = [];
    this.future = [];
    this.current = present;
    this.lastKey = null;
  }
}
