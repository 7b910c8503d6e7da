import { describe, expect, it } from "vitest";
import { Autosave, type Clock, type SaveOutcome } from "./autosave";

/** Timers run only when the test moves time forward. */
class FakeClock implements Clock {
  private time = 0;
  private timers = new Map<number, { at: number; run: () => void }>();
  private nextId = 1;

  now(): number {
    return this.time;
  }

  setTimeout(run: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.timers.set(id, { at: this.time + ms, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Moves time forward by ms, running the timers due on the way (and what they start). */
  async advance(ms: number): Promise<void> {
    const end = this.time + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.time = Math.max(this.time, due[1].at);
      due[1].run();
      await settle();
    }
    this.time = end;
    await settle();
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A save the test ends when it wants, recording when each one started. */
function controlledSave(clock: FakeClock) {
  const starts: number[] = [];
  const finishers: ((outcome: SaveOutcome) => void)[] = [];
  const save = () =>
    new Promise<SaveOutcome>((resolve) => {
      starts.push(clock.now());
      finishers.push(resolve);
    });
  const finish = async (outcome: SaveOutcome = "done") => {
    finishers.shift()?.(outcome);
    await settle();
  };
  return { save, starts, finish };
}

function setup(retryDelay = (n: number) => 1000 * 2 ** n) {
  const clock = new FakeClock();
  const saves = controlledSave(clock);
  const autosave = new Autosave({ save: saves.save, retryDelay, debounceMs: 1000, maxWaitMs: 2000, clock });
  return { clock, saves, autosave };
}

describe("autosave scheduling", () => {
  it("saves one second after the last change", async () => {
    const { clock, saves, autosave } = setup();
    autosave.changed();
    await clock.advance(500);
    autosave.changed();
    await clock.advance(999);
    expect(saves.starts).toEqual([]);
    await clock.advance(1);
    expect(saves.starts).toEqual([1500]);
  });

  it("never waits more than two seconds after the first unsaved change, however busy the teacher", async () => {
    const { clock, saves, autosave } = setup();
    for (let i = 0; i < 10; i += 1) {
      autosave.changed();
      await clock.advance(300);
    }
    expect(saves.starts).toEqual([2000]);
  });

  it("runs one save at a time; changes made meanwhile go in the next one", async () => {
    const { clock, saves, autosave } = setup();
    autosave.changed();
    await clock.advance(1000);
    expect(saves.starts).toEqual([1000]);
    autosave.changed();
    await clock.advance(400);
    autosave.changed();
    // The save is still running: no second request, even past the wait.
    await clock.advance(3000);
    expect(saves.starts).toEqual([1000]);
    expect(autosave.pending).toBe(true);
    await saves.finish();
    // The changes waited more than 2 s already: saved at once.
    await clock.advance(0);
    expect(saves.starts).toEqual([1000, 4400]);
    await saves.finish();
    expect(autosave.pending).toBe(false);
  });

  it("after a save, the changes made during it wait their own debounce from the first of them", async () => {
    const { clock, saves, autosave } = setup();
    autosave.changed();
    await clock.advance(1000);
    await clock.advance(100);
    autosave.changed();
    await clock.advance(100);
    await saves.finish();
    // First change at 1100: saved at 2100 at the latest (1 s debounce from the end of the save is later).
    await clock.advance(700);
    expect(saves.starts).toEqual([1000]);
    await clock.advance(200);
    expect(saves.starts).toEqual([1000, 2100]);
  });

  it("retries an unreachable server further apart each time, and at once when told the connection is back", async () => {
    const { clock, saves, autosave } = setup();
    autosave.changed();
    await clock.advance(1000);
    await saves.finish("retry");
    await clock.advance(999);
    expect(saves.starts).toEqual([1000]);
    await clock.advance(1);
    expect(saves.starts).toEqual([1000, 2000]);
    await saves.finish("retry");
    await clock.advance(1999);
    expect(saves.starts).toHaveLength(2);
    autosave.retryNow();
    await clock.advance(0);
    expect(saves.starts).toEqual([1000, 2000, 3999]);
    await saves.finish("done");
    expect(autosave.pending).toBe(false);
  });

  it("saves again at once after a merge, and waits for the next change after a halt", async () => {
    const { clock, saves, autosave } = setup();
    autosave.changed();
    await clock.advance(1000);
    await saves.finish("again");
    await clock.advance(0);
    expect(saves.starts).toEqual([1000, 1000]);
    await saves.finish("halt");
    await clock.advance(60_000);
    expect(saves.starts).toHaveLength(2);
    autosave.changed();
    await clock.advance(1000);
    expect(saves.starts).toHaveLength(3);
  });

  it("flush saves now and tells whether everything was saved", async () => {
    const { clock, saves, autosave } = setup();
    autosave.changed();
    const flushed = autosave.flush();
    await settle();
    expect(saves.starts).toEqual([0]);
    await saves.finish("again");
    await saves.finish("done");
    await expect(flushed).resolves.toBe(true);

    autosave.changed();
    const offline = autosave.flush();
    await settle();
    await saves.finish("retry");
    await expect(offline).resolves.toBe(false);
    // The retry is still planned.
    await clock.advance(1000);
    expect(saves.starts).toHaveLength(4);
  });

  it("does nothing once stopped", async () => {
    const { clock, saves, autosave } = setup();
    autosave.changed();
    autosave.stop();
    autosave.changed();
    await clock.advance(5000);
    expect(saves.starts).toEqual([]);
  });
});
