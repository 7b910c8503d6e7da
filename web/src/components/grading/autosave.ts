// When the editor saves: a change is saved after a short pause in the teacher's work (debounce),
// and never later than maxWait after the first unsaved change, however busy they are. One save
// at a time: changes made while it runs go in the next one. A save that could not reach the
// server is tried again later, further apart each time.

export interface Clock {
  now(): number;
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (run, ms) => setTimeout(run, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * What became of a save: done; "again" (the content changed under it, e.g. merged with the
 * server's: save once more now); "retry" (unreachable server: try later); "halt" (nothing to do
 * until the next change or flush: a conflict to settle, a refusal to show, a lost lock).
 */
export type SaveOutcome = "done" | "again" | "retry" | "halt";

export interface AutosaveOptions {
  save: () => Promise<SaveOutcome>;
  /** Delay before the nth retry (n from 0). */
  retryDelay: (attempt: number) => number;
  debounceMs?: number;
  maxWaitMs?: number;
  clock?: Clock;
}

export class Autosave {
  private readonly options: Required<AutosaveOptions>;
  private timer: unknown = null;
  private running: Promise<SaveOutcome> | null = null;
  /** When the oldest change not yet sent was made (null: nothing to send). */
  private firstChange: number | null = null;
  private lastChange = 0;
  private attempt = 0;
  private stopped = false;

  constructor(options: AutosaveOptions) {
    this.options = { debounceMs: 1000, maxWaitMs: 2000, clock: systemClock, ...options };
  }

  /** Something changed: save it soon. */
  changed(): void {
    if (this.stopped) return;
    this.lastChange = this.options.clock.now();
    this.firstChange ??= this.lastChange;
    this.attempt = 0;
    this.schedule(this.dueIn());
  }

  /** A pause of debounceMs after the last change, but no later than maxWaitMs after the first. */
  private dueIn(): number {
    const { debounceMs, maxWaitMs, clock } = this.options;
    return Math.min(this.lastChange + debounceMs, (this.firstChange ?? this.lastChange) + maxWaitMs) - clock.now();
  }

  /** There are changes not yet sent (or being sent). */
  get pending(): boolean {
    return this.firstChange !== null || this.running !== null;
  }

  /**
   * Saves now what is unsaved (again after a merge), and resolves once no save runs: true when
   * everything is saved.
   */
  async flush(): Promise<boolean> {
    this.cancelTimer();
    while (this.running) await this.running;
    let rounds = 0;
    while (this.firstChange !== null && !this.stopped && rounds < 3) {
      rounds += 1;
      const outcome = await this.run();
      if (outcome !== "again" && outcome !== "done") break;
    }
    return this.firstChange === null;
  }

  /** Tries again at once (the connection is back). */
  retryNow(): void {
    if (this.firstChange !== null && !this.running) this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    this.cancelTimer();
  }

  private cancelTimer(): void {
    if (this.timer !== null) this.options.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(delay: number): void {
    this.cancelTimer();
    // A save under way starts the next one itself when it ends.
    if (this.running) return;
    this.timer = this.options.clock.setTimeout(() => {
      this.timer = null;
      void this.run();
    }, Math.max(0, delay));
  }

  private run(): Promise<SaveOutcome> {
    this.cancelTimer();
    this.firstChange = null;
    const run = this.options
      .save()
      .catch((): SaveOutcome => "halt")
      .then((outcome) => {
        this.after(outcome);
        return outcome;
      });
    this.running = run;
    return run;
  }

  private after(outcome: SaveOutcome): void {
    this.running = null;
    if (this.stopped) return;
    const now = this.options.clock.now();
    if (outcome === "again") {
      this.firstChange ??= now;
      this.schedule(0);
    } else if (outcome === "retry") {
      this.firstChange ??= now;
      this.schedule(this.options.retryDelay(this.attempt++));
    } else if (outcome === "done") {
      this.attempt = 0;
    }
    // Changes made during the save: their own wait, counted from when they were made.
    if (outcome !== "retry" && outcome !== "again" && this.firstChange !== null) this.schedule(this.dueIn());
  }
}
