import { systemClock, type Clock, type TimerHandle } from "../core/clock.js";

/** Counters of a {@link FixedRateLoop}. */
export interface LoopStats {
  readonly ticks: number;
  /** Ticks per second from the first tick to the last, on the loop's clock; 0 before two ticks. */
  readonly meanRateHz: number;
  /** Lateness of ticks behind their deadlines, in ms, over the newest ticks kept. */
  readonly latenessMs: { readonly p50: number; readonly p99: number; readonly max: number };
  /** Times the schedule was reset after falling more than `maxCatchUpMs` behind. */
  readonly resets: number;
}

/** Options of {@link FixedRateLoop}. */
export interface FixedRateLoopOptions {
  /** Ticks per second; 0 or less runs uncapped, yielding to I/O between ticks. */
  readonly rateHz: number;
  readonly clock: Clock;
  /** Work of one tick. Errors are the caller's to catch; a throwing tick stops nothing. */
  readonly tick: () => void;
  /**
   * How far behind the schedule may fall before it is reset rather than paid back, in ms.
   * Default 1000.
   */
  readonly maxCatchUpMs?: number;
  /** Number of newest ticks whose lateness is kept for the percentiles. Default 100 000. */
  readonly latenessWindow?: number;
}

/**
 * Runs a tick at a fixed rate against absolute deadlines: tick k is due at `startS + k / rateHz`,
 * so a late tick is paid back and the mean rate equals `rateHz`. Node's timers may wake early,
 * so each wake checks the clock and sleeps again until the deadline. On the real clock the last
 * 2 ms are waited with `setImmediate`, which costs CPU but keeps lateness well under 1 ms. Uncapped loops yield with
 * `setImmediate` between ticks, so I/O keeps flowing.
 */
export class FixedRateLoop {
  readonly rateHz: number;
  readonly #clock: Clock;
  readonly #tick: () => void;
  readonly #maxCatchUpS: number;
  readonly #lateness: Float64Array;
  #latenessCount = 0;
  #startS = 0;
  #anchorS = 0;
  #k = 0;
  #ticks = 0;
  #firstTickS = 0;
  #lastTickS = 0;
  #resets = 0;
  #timer: TimerHandle | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #running = false;
  readonly #precise: boolean;

  constructor(options: FixedRateLoopOptions) {
    if (Number.isNaN(options.rateHz) || options.rateHz === Number.POSITIVE_INFINITY) {
      throw new RangeError(`rateHz must be a finite number (0 or less runs uncapped), received ${options.rateHz}`);
    }
    this.rateHz = options.rateHz;
    this.#clock = options.clock;
    this.#tick = options.tick;
    this.#maxCatchUpS = (options.maxCatchUpMs ?? 1000) / 1000;
    this.#lateness = new Float64Array(options.latenessWindow ?? 100_000);
    // Node's timers resolve whole milliseconds, so on the real clock the last 2 ms before a
    // deadline are waited out with setImmediate, which still lets I/O run between checks.
    this.#precise = options.clock === systemClock;
  }

  get running(): boolean {
    return this.#running;
  }

  start(): void {
    if (this.#running) {
      return;
    }
    this.#running = true;
    this.#startS = this.#clock.now();
    this.#anchorS = this.#startS;
    this.#k = 0;
    this.#ticks = 0;
    this.#latenessCount = 0;
    this.#resets = 0;
    if (this.rateHz > 0) {
      this.#arm();
    } else {
      this.#immediate = setImmediate(() => this.#runUncapped());
    }
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
  }

  /**
   * Runs the ticks that are due at the clock's current reading and returns the delay until the
   * next deadline, in ms. The timer calls it; tests may call it directly.
   */
  step(): number {
    const periodS = 1 / this.rateHz;
    let nowS = this.#clock.now();
    let deadlineS = this.#anchorS + this.#k * periodS;
    if (nowS - deadlineS > this.#maxCatchUpS) {
      this.#resets++;
      this.#anchorS = nowS;
      this.#k = 0;
      deadlineS = nowS;
    }
    if (nowS >= deadlineS) {
      this.#record(nowS - deadlineS);
      this.#noteTick(nowS);
      this.#tick();
      this.#k++;
      nowS = this.#clock.now();
      deadlineS = this.#anchorS + this.#k * periodS;
    }
    return Math.max(0, (deadlineS - nowS) * 1000);
  }

  /** Forgets the ticks counted so far, so {@link FixedRateLoop.stats} covers the ticks from now on. */
  resetStats(): void {
    this.#ticks = 0;
    this.#latenessCount = 0;
    this.#resets = 0;
  }

  get stats(): LoopStats {
    const elapsedS = this.#lastTickS - this.#firstTickS;
    const count = Math.min(this.#latenessCount, this.#lateness.length);
    const sorted = Float64Array.from(this.#lateness.subarray(0, count)).sort();
    const at = (q: number) => (count === 0 ? 0 : (sorted[Math.min(count - 1, Math.floor(q * count))] as number));
    return {
      ticks: this.#ticks,
      meanRateHz: this.#ticks >= 2 && elapsedS > 0 ? (this.#ticks - 1) / elapsedS : 0,
      latenessMs: { p50: at(0.5), p99: at(0.99), max: count === 0 ? 0 : (sorted[count - 1] as number) },
      resets: this.#resets,
    };
  }

  #noteTick(nowS: number): void {
    if (this.#ticks === 0) {
      this.#firstTickS = nowS;
    }
    this.#lastTickS = nowS;
    this.#ticks++;
  }

  #record(latenessS: number): void {
    this.#lateness[this.#latenessCount % this.#lateness.length] = latenessS * 1000;
    this.#latenessCount++;
  }

  #arm(): void {
    const delayMs = this.step();
    if (!this.#running) {
      return;
    }
    if (this.#precise && delayMs < 2) {
      this.#immediate = setImmediate(() => {
        this.#immediate = undefined;
        if (this.#running) {
          this.#arm();
        }
      });
      return;
    }
    this.#timer = this.#clock.setTimeout(
      () => {
        this.#timer = undefined;
        if (this.#running) {
          this.#arm();
        }
      },
      // Node's timers take at most 2^31 - 1 ms; a longer wait wakes early and sleeps again.
      Math.min(this.#precise ? delayMs - 1.5 : delayMs, 2_147_483_647),
    );
  }

  #runUncapped(): void {
    this.#immediate = undefined;
    if (!this.#running) {
      return;
    }
    this.#record(0);
    this.#noteTick(this.#clock.now());
    this.#tick();
    if (this.#running) {
      this.#immediate = setImmediate(() => this.#runUncapped());
    }
  }
}
