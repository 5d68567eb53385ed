/**
 * Time as the runtime sees it: a monotonic clock in seconds and timers in milliseconds.
 *
 * The real clock reads the same monotonic source as Lab Streaming Layer's `local_clock()` on
 * Linux (`CLOCK_MONOTONIC`, through `process.hrtime`), so timestamps from this process and from
 * liblsl peers on the same machine are comparable. Tests pass a {@link SimulatedClock} instead.
 */

/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = { readonly id: number } | NodeJS.Timeout;

/** A source of time and timers that every loop and source of the runtime reads. */
export interface Clock {
  /** Seconds on a monotonic clock (the LSL clock for the real implementation). */
  now(): number;
  /** Runs `callback` once after `delayMs` milliseconds. */
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer returned by {@link Clock.setTimeout}; unknown handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Seconds since an arbitrary fixed point on `CLOCK_MONOTONIC`, the clock of liblsl's `local_clock()`. */
export function localClockS(): number {
  return Number(process.hrtime.bigint()) / 1e9;
}

/** The real clock: `process.hrtime` for time and Node's timers. */
export const systemClock: Clock = {
  now: localClockS,
  setTimeout: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface PendingTimer {
  id: number;
  dueS: number;
  callback: () => void;
}

/**
 * A clock that moves only when told to. Timers fire in deadline order (ties in creation order)
 * while {@link SimulatedClock.advanceMs} moves time forward, and a timer set by a firing timer
 * fires in the same advance when its deadline falls inside it.
 */
export class SimulatedClock implements Clock {
  #nowS: number;
  #nextId = 1;
  #timers: PendingTimer[] = [];

  /** @param startS the reading of {@link SimulatedClock.now} before any advance, in seconds. */
  constructor(startS = 1000) {
    this.#nowS = startS;
  }

  now(): number {
    return this.#nowS;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const timer = { id: this.#nextId++, dueS: this.#nowS + Math.max(0, delayMs) / 1000, callback };
    this.#timers.push(timer);
    return { id: timer.id };
  }

  clearTimeout(handle: TimerHandle): void {
    const id = (handle as { id?: number }).id;
    this.#timers = this.#timers.filter((timer) => timer.id !== id);
  }

  /** Number of timers waiting to fire. */
  get pendingTimers(): number {
    return this.#timers.length;
  }

  /** Moves time forward by `durationMs`, firing every timer that falls due on the way. */
  advanceMs(durationMs: number): void {
    if (!(durationMs >= 0)) {
      throw new RangeError(`advanceMs expects a duration of 0 ms or more, received ${durationMs}`);
    }
    const endS = this.#nowS + durationMs / 1000;
    for (;;) {
      const next = this.#earliestDue();
      if (next === undefined || next.dueS > endS) {
        break;
      }
      this.#timers = this.#timers.filter((timer) => timer !== next);
      this.#nowS = Math.max(this.#nowS, next.dueS);
      next.callback();
    }
    this.#nowS = endS;
  }

  /** Advances in steps of `stepMs`, yielding to pending promise callbacks between steps. */
  async advanceAsyncMs(durationMs: number, stepMs = 1): Promise<void> {
    let remainingMs = durationMs;
    while (remainingMs > 0) {
      const moveMs = Math.min(stepMs, remainingMs);
      this.advanceMs(moveMs);
      remainingMs -= moveMs;
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  #earliestDue(): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (best === undefined || timer.dueS < best.dueS) {
        best = timer;
      }
    }
    return best;
  }
}
