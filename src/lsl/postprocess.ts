/**
 * Inlet-side timestamp post-processing as liblsl 1.17 does it (`lsl_set_postprocessing`): map
 * remote timestamps to the local clock, smooth their jitter with a recursive least-squares line
 * over the sample index, and keep them from going backwards. Steps run in that order.
 */

import { systemClock, type Clock } from "../core/clock.js";

/** A post-processing step: `clocksync`, `dejitter` or `monotonize`. */
export type PostprocessingFlag = "clocksync" | "dejitter" | "monotonize";

/** liblsl's bit for each step (`proc_clocksync`, `proc_dejitter`, `proc_monotonize`). */
export const POSTPROCESSING_BITS: Readonly<Record<PostprocessingFlag, number>> = Object.freeze({
  clocksync: 1,
  dejitter: 2,
  monotonize: 4,
});

/**
 * Converts liblsl's numeric post-processing flags (1 clocksync, 2 dejitter, 4 monotonize,
 * 8 threadsafe, 15 all) to step names. The threadsafe bit is ignored because processing here
 * runs on one thread. Throws a `RangeError` for any other bit.
 */
export function postprocessingFlagsFromBits(bits: number): PostprocessingFlag[] {
  if (!Number.isInteger(bits) || bits < 0 || bits > 15) {
    throw new RangeError(`post-processing flags ${bits} are not a combination of 1 (clocksync), 2 (dejitter), 4 (monotonize) and 8 (threadsafe)`);
  }
  const flags: PostprocessingFlag[] = [];
  for (const [flag, bit] of Object.entries(POSTPROCESSING_BITS) as [PostprocessingFlag, number][]) {
    if ((bits & bit) !== 0) flags.push(flag);
  }
  return flags;
}

/** Converts step names to liblsl's numeric flags. */
export function postprocessingBits(flags: readonly PostprocessingFlag[]): number {
  let bits = 0;
  for (const flag of flags) bits |= POSTPROCESSING_BITS[flag];
  return bits;
}

/** The time correction an inlet measures, read by the `clocksync` step. */
export interface TimeCorrectionSource {
  /** Returns the latest correction, local minus remote clock, in seconds. */
  timeCorrectionS(): number;
  /** Returns whether the remote clock was reset (the inlet reconnected) since the last call, and clears that flag. */
  takeReset(): boolean;
}

/** Settings of a {@link TimestampPostprocessor}. */
export interface TimestampPostprocessorOptions {
  /** Steps to apply, as names or as liblsl's numeric flags. */
  readonly flags: readonly PostprocessingFlag[] | number;
  /** The stream's nominal rate in Hz. As in liblsl, 0 (irregular) turns `dejitter` into a no-op. */
  readonly nominalRateHz: number;
  /** Half-life of the dejitter fit's memory, liblsl's `SmoothingHalftime` (90 s by default). */
  readonly smoothingHalftimeS?: number;
  /** Source of the correction, required with `clocksync`. */
  readonly timeCorrection?: TimeCorrectionSource;
  /** Clock for the re-read interval of the correction, by default the system clock. */
  readonly clock?: Pick<Clock, "now">;
}

/** The dejitter fit: timestamp ≈ baseline + intercept + slope × sample index. */
export interface DejitterState {
  /** Integer part of the first timestamp, subtracted for numerical accuracy. */
  readonly baselineS: number;
  /** Index the next sample gets. */
  readonly sampleIndex: number;
  readonly interceptS: number;
  /** Fitted sample interval, the reciprocal of the effective rate. */
  readonly slopeS: number;
}

/** Samples that must pass before the correction is read again, as in liblsl. */
const SAMPLES_BETWEEN_READS = 50;
/** Time that must pass before the correction is read again, as in liblsl. */
const READ_INTERVAL_S = 0.5;
/** Initial variance of intercept and slope: a vague prior, so the first samples decide. */
const INITIAL_VARIANCE = 1e10;

/**
 * Post-processes the timestamps of one inlet, in place. With `clocksync` it adds the latest
 * time correction, which it reads again once more than 50 samples and more than 0.5 s have
 * passed since the last read. A clock reset reported at such a read restarts the dejitter fit
 * and monotonize. With `dejitter` it replaces each timestamp by a recursive least-squares line
 * fit over the sample index with exponential forgetting. With `monotonize` no output is below
 * the previous one.
 */
export class TimestampPostprocessor {
  readonly flags: readonly PostprocessingFlag[];
  readonly nominalRateHz: number;
  readonly smoothingHalftimeS: number;
  readonly #clocksync: boolean;
  readonly #dejitter: boolean;
  readonly #monotonize: boolean;
  readonly #source: TimeCorrectionSource | undefined;
  readonly #clock: Pick<Clock, "now">;
  readonly #scratch = new Float64Array(1);

  #samplesSinceRead = SAMPLES_BETWEEN_READS;
  #nextReadS = Number.NEGATIVE_INFINITY;
  #correctionS = 0;
  #lastValue = Number.NEGATIVE_INFINITY;

  #fitStarted = false;
  #fitActive = false;
  #baseline = 0;
  #index = 0;
  #w0 = 0;
  #w1 = 0;
  #p00 = 0;
  #p01 = 0;
  #p11 = 0;
  #lambda = 1;

  /** Throws a `RangeError` for an unknown flag, a negative rate or a non-positive half-life. */
  constructor(options: TimestampPostprocessorOptions) {
    const flags = typeof options.flags === "number" ? postprocessingFlagsFromBits(options.flags) : [...options.flags];
    for (const flag of flags) {
      if (!(flag in POSTPROCESSING_BITS)) throw new RangeError(`post-processing flag "${String(flag)}" is not one of clocksync, dejitter, monotonize`);
    }
    const halftimeS = options.smoothingHalftimeS ?? 90;
    if (!Number.isFinite(options.nominalRateHz) || options.nominalRateHz < 0) {
      throw new RangeError(`nominal rate ${options.nominalRateHz} Hz is not a finite number of at least 0`);
    }
    if (!Number.isFinite(halftimeS) || halftimeS <= 0) {
      throw new RangeError(`smoothing half-time ${halftimeS} s is not a finite number greater than 0`);
    }
    this.flags = Object.freeze(flags);
    this.nominalRateHz = options.nominalRateHz;
    this.smoothingHalftimeS = halftimeS;
    this.#clocksync = flags.includes("clocksync");
    this.#dejitter = flags.includes("dejitter");
    this.#monotonize = flags.includes("monotonize");
    if (this.#clocksync && !options.timeCorrection) {
      throw new RangeError("post-processing flag clocksync needs a timeCorrection source; pass one or drop the flag");
    }
    this.#source = options.timeCorrection;
    this.#clock = options.clock ?? systemClock;
  }

  /** The dejitter fit, or undefined before the first sample or when the rate is irregular. */
  get dejitterState(): DejitterState | undefined {
    if (!this.#fitActive) return undefined;
    return { baselineS: this.#baseline, sampleIndex: this.#index, interceptS: this.#w0, slopeS: this.#w1 };
  }

  /** The time correction in use by `clocksync`, in seconds. */
  get correctionS(): number {
    return this.#correctionS;
  }

  /** Processes and returns one timestamp. */
  processTimestamp(timestampS: number): number {
    this.#scratch[0] = timestampS;
    this.process(this.#scratch);
    return this.#scratch[0];
  }

  /**
   * Processes `timestamps[start..end)` in place, one timestamp per sample in arrival order.
   * Throws a `RangeError` when the range is not inside the array.
   */
  process(timestamps: Float64Array, start = 0, end = timestamps.length): void {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end > timestamps.length || start > end) {
      throw new RangeError(`range ${start}..${end} is not inside the ${timestamps.length} timestamps`);
    }
    // The fit lives in locals during the loop and is stored back at the end.
    let fitStarted = this.#fitStarted;
    let fitActive = this.#fitActive;
    let baseline = this.#baseline;
    let index = this.#index;
    let w0 = this.#w0;
    let w1 = this.#w1;
    let p00 = this.#p00;
    let p01 = this.#p01;
    let p11 = this.#p11;
    let lambda = this.#lambda;
    let lastValue = this.#lastValue;
    const rateHz = this.nominalRateHz;

    for (let i = start; i < end; i++) {
      let value = timestamps[i] as number;
      if (this.#clocksync) {
        if (++this.#samplesSinceRead > SAMPLES_BETWEEN_READS && this.#clock.now() > this.#nextReadS) {
          const source = this.#source as TimeCorrectionSource;
          this.#correctionS = source.timeCorrectionS();
          this.#samplesSinceRead = 0;
          if (source.takeReset()) {
            // The outlet changed: its clock and sample count start over.
            this.#correctionS = source.timeCorrectionS();
            lastValue = Number.NEGATIVE_INFINITY;
            fitStarted = false;
            fitActive = false;
          }
          this.#nextReadS = this.#clock.now() + READ_INTERVAL_S;
        }
        value += this.#correctionS;
      }

      if (this.#dejitter) {
        if (!fitStarted) {
          fitStarted = true;
          fitActive = rateHz > 0;
          baseline = Math.trunc(value);
          index = 0;
          w0 = 0;
          w1 = rateHz > 0 ? 1 / rateHz : 0;
          p00 = INITIAL_VARIANCE;
          p01 = 0;
          p11 = INITIAL_VARIANCE;
          lambda = rateHz > 0 ? 2 ** (-1 / (rateHz * this.smoothingHalftimeS)) : 1;
        }
        if (fitActive) {
          // Recursive least squares on x = value - baseline with regressor [1, u].
          const u = index++;
          const x = value - baseline;
          const pi0 = p00 + u * p01;
          const pi1 = p01 + u * p11;
          const error = x - (w0 + u * w1);
          const gain = 1 / (lambda + pi0 + pi1 * u);
          p00 = (p00 - pi0 * pi0 * gain) / lambda;
          p01 = (p01 - pi0 * pi1 * gain) / lambda;
          p11 = (p11 - pi1 * pi1 * gain) / lambda;
          w0 += error * (p00 + p01 * u);
          w1 += error * (p01 + p11 * u);
          value = w0 + u * w1 + baseline;
        }
      }

      if (this.#monotonize) {
        if (value < lastValue) value = lastValue;
        else lastValue = value;
      }
      timestamps[i] = value;
    }

    this.#fitStarted = fitStarted;
    this.#fitActive = fitActive;
    this.#baseline = baseline;
    this.#index = index;
    this.#w0 = w0;
    this.#w1 = w1;
    this.#p00 = p00;
    this.#p01 = p01;
    this.#p11 = p11;
    this.#lambda = lambda;
    this.#lastValue = lastValue;
  }

  /**
   * Advances the dejitter sample index past `count` samples that were dropped before reaching
   * the caller, so the fit keeps matching the outlet's sample count. Ignored before the first
   * sample and for irregular streams. Throws a `RangeError` unless `count` is a whole number ≥ 0.
   */
  skipSamples(count: number): void {
    if (!Number.isSafeInteger(count) || count < 0) throw new RangeError(`skipped sample count ${count} is not a whole number of at least 0`);
    if (this.#dejitter && this.#fitActive) this.#index += count;
  }

  /** Forgets the dejitter fit, the monotonize floor and the correction read time. */
  reset(): void {
    this.#fitStarted = false;
    this.#fitActive = false;
    this.#lastValue = Number.NEGATIVE_INFINITY;
    this.#samplesSinceRead = SAMPLES_BETWEEN_READS;
    this.#nextReadS = Number.NEGATIVE_INFINITY;
  }
}
