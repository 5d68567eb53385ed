import type { Clock, TimerHandle } from "../core/clock.js";

/**
 * Calls a step function every `periodMs` on a {@link Clock}, against absolute deadlines
 * (start + n × period), so a late tick does not delay the ones after it. When a tick runs more
 * than a period late, the deadlines it missed are skipped rather than run in a burst: sources
 * compute what is due from the clock reading, so one late tick delivers everything owed.
 */
export class Ticker {
  readonly periodMs: number;
  readonly #clock: Clock;
  readonly #step: (nowS: number) => void;
  #anchorS = 0;
  #tickIndex = 0;
  #timer: TimerHandle | undefined;
  /** Incremented by start and stop, so a tick can tell that its step stopped the ticker. */
  #generation = 0;

  /** @param periodMs interval between ticks in ms; must be above 0. */
  constructor(clock: Clock, periodMs: number, step: (nowS: number) => void) {
    if (!(Number.isFinite(periodMs) && periodMs > 0)) {
      throw new RangeError(`tick period must be a finite number of ms above 0, received ${periodMs}`);
    }
    this.#clock = clock;
    this.periodMs = periodMs;
    this.#step = step;
  }

  /** Whether a tick is scheduled. */
  get running(): boolean {
    return this.#timer !== undefined;
  }

  /** Schedules the first tick one period after `anchorS` (default: now), in clock seconds. */
  start(anchorS: number = this.#clock.now()): void {
    this.stop();
    this.#generation++;
    this.#anchorS = anchorS;
    this.#tickIndex = 0;
    this.#schedule();
  }

  /** Cancels the pending tick; nothing runs after this returns. */
  stop(): void {
    this.#generation++;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  #schedule(): void {
    const periodS = this.periodMs / 1000;
    const nowS = this.#clock.now();
    const reachedIndex = Math.floor((nowS - this.#anchorS) / periodS);
    this.#tickIndex = Math.max(this.#tickIndex + 1, reachedIndex + 1);
    const deadlineS = this.#anchorS + this.#tickIndex * periodS;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), (deadlineS - nowS) * 1000);
  }

  #fire(): void {
    this.#timer = undefined;
    const generation = this.#generation;
    this.#step(this.#clock.now());

    // A step that stopped or restarted the ticker has already decided what comes next.
    if (generation === this.#generation) {
      this.#schedule();
    }
  }
}
