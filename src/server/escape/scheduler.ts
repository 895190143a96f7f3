// One run at a time per key (a package directory): a request waits out a debounce delay,
// a newer request cancels the older run (its AbortSignal fires, which kills the go process
// tree), and only the newest run's result is delivered.

export interface ScheduledRun<T> {
  /** Called after the debounce delay; must honour the signal. */
  run(signal: AbortSignal): Promise<T>;
  /** Called with the result of the newest run only. */
  done(result: T): void;
  /** Called when the run throws (not when it was superseded). */
  failed(error: unknown): void;
}

interface Slot {
  timer?: ReturnType<typeof setTimeout>;
  controller?: AbortController;
  generation: number;
}

export class KeyedScheduler<T> {
  private readonly slots = new Map<string, Slot>();

  constructor(private readonly delayMs: () => number) {}

  /** Schedules a run for `key`, cancelling any pending or running one for the same key. */
  schedule(key: string, job: ScheduledRun<T>, immediate = false, delayMs?: number): void {
    const slot = this.slots.get(key) ?? { generation: 0 };
    this.slots.set(key, slot);
    this.cancelSlot(slot);
    const generation = ++slot.generation;
    const start = (): void => {
      slot.timer = undefined;
      const controller = new AbortController();
      slot.controller = controller;
      job.run(controller.signal).then(
        (result) => {
          if (slot.generation !== generation || controller.signal.aborted) return;
          slot.controller = undefined;
          job.done(result);
        },
        (err: unknown) => {
          if (slot.generation !== generation || controller.signal.aborted) return;
          slot.controller = undefined;
          job.failed(err);
        },
      );
    };
    const delay = immediate ? 0 : Math.max(0, delayMs ?? this.delayMs());
    if (delay === 0) start();
    else slot.timer = setTimeout(start, delay);
  }

  /** Whether a run for `key` is pending or in progress. */
  isBusy(key: string): boolean {
    const slot = this.slots.get(key);
    return !!slot && (slot.timer !== undefined || slot.controller !== undefined);
  }

  cancel(key: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    slot.generation++;
    this.cancelSlot(slot);
  }

  cancelAll(): void {
    for (const key of [...this.slots.keys()]) this.cancel(key);
  }

  private cancelSlot(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.controller?.abort();
    slot.controller = undefined;
  }
}
