import type { SampleChunk } from "./source.js";

/** A chunk that passed {@link checkChunk}, with its values as float32. */
export interface CheckedChunk {
  readonly samples: Float32Array;
  readonly nSamples: number;
  /** Number of NaN or infinite values in the chunk. */
  readonly nonFinite: number;
}

/**
 * Checks a chunk against the stream's channel count and returns its values as float32, or the
 * reason it must be rejected. Nothing of a rejected chunk is written anywhere.
 */
export function checkChunk(chunk: SampleChunk, nChannels: number): CheckedChunk | string {
  if (chunk.nChannels !== nChannels) {
    return `it has ${chunk.nChannels} channels but the stream has ${nChannels}`;
  }
  const length = chunk.samples.length;
  if (length % nChannels !== 0) {
    return `${length} values do not split into samples of ${nChannels} channels`;
  }
  const nSamples = length / nChannels;
  if (chunk.timestamps !== undefined) {
    if (chunk.timestamps.length !== nSamples) {
      return `it has ${nSamples} samples but ${chunk.timestamps.length} timestamps`;
    }
    for (let i = 0; i < nSamples; i++) {
      if (!Number.isFinite(chunk.timestamps[i])) {
        return `timestamp ${i} is ${chunk.timestamps[i]}; timestamps must be finite seconds`;
      }
    }
  }
  const samples = chunk.samples instanceof Float32Array ? chunk.samples : Float32Array.from(chunk.samples);
  let nonFinite = 0;
  for (let i = 0; i < length; i++) {
    const value = samples[i] as number;
    if (value - value !== 0) {
      nonFinite++;
    }
  }
  return { samples, nSamples, nonFinite };
}

/** Half-life of the rate fit's memory, in seconds of arrivals. */
const FIT_HALFTIME_S = 60;
/** Seconds of samples the fit must span before its slope replaces the nominal period. */
const FIT_MIN_SPAN_S = 2;
/** Periods by which one chunk may move toward the fitted line. */
const MAX_STEP_PERIODS = 0.1;
/** Largest relative difference allowed between the fitted and the nominal period. */
const FIT_MAX_RATE_ERROR = 0.05;

/**
 * A weighted least-squares line of arrival time against sample index, with exponential
 * forgetting, so it follows a device whose real rate differs a little from its nominal one.
 */
class RateFit {
  readonly #nominalS: number;
  readonly #x0: number;
  readonly #y0: number;
  #weight = 0;
  #sumX = 0;
  #sumY = 0;
  #sumXX = 0;
  #sumXY = 0;
  #lastY: number | undefined;
  #firstX: number | undefined;
  #lastX = 0;

  constructor(nominalPeriodS: number, originIndex: number, originS: number) {
    this.#nominalS = nominalPeriodS;
    this.#x0 = originIndex;
    this.#y0 = originS;
  }

  /** Adds the arrival time `timeS` of sample `index`. */
  add(index: number, timeS: number): void {
    const x = index - this.#x0;
    const y = timeS - this.#y0;
    if (this.#lastY !== undefined) {
      const decay = 2 ** (-Math.max(0, y - this.#lastY) / FIT_HALFTIME_S);
      this.#weight *= decay;
      this.#sumX *= decay;
      this.#sumY *= decay;
      this.#sumXX *= decay;
      this.#sumXY *= decay;
    }
    this.#weight += 1;
    this.#sumX += x;
    this.#sumY += y;
    this.#sumXX += x * x;
    this.#sumXY += x * y;
    this.#lastY = y;
    this.#firstX ??= x;
    this.#lastX = x;
  }

  /** Seconds per sample: the fitted slope once the fit spans long enough, the nominal one before. */
  get periodS(): number {
    const nominal = this.#nominalS;
    if ((this.#lastX - (this.#firstX ?? this.#lastX)) * nominal < FIT_MIN_SPAN_S) {
      return nominal;
    }
    const denominator = this.#weight * this.#sumXX - this.#sumX * this.#sumX;
    if (!(denominator > 0)) {
      return nominal;
    }
    const slope = (this.#weight * this.#sumXY - this.#sumX * this.#sumY) / denominator;
    return Math.min(nominal * (1 + FIT_MAX_RATE_ERROR), Math.max(nominal * (1 - FIT_MAX_RATE_ERROR), slope));
  }

  /** Returns the fitted time of sample `index`. */
  predict(index: number): number {
    const slope = this.periodS;
    const intercept = (this.#sumY - slope * this.#sumX) / this.#weight;
    return this.#y0 + intercept + slope * (index - this.#x0);
  }
}

/**
 * Gives timestamps to chunks that arrive without them. Each chunk's newest sample is matched to
 * its arrival time, and a line fitted through these points over the last minute or so (sample
 * index against time) places every sample. Samples delivered in bursts stay evenly spaced, at
 * the rate the device really runs at: a device slightly faster or slower than its nominal rate
 * keeps its timestamps near the clock. A chunk that arrives far from the line (after a gap)
 * starts the fit over, with its newest sample at the arrival time.
 */
export class TimestampAssigner {
  #fit: RateFit | undefined;
  #nextIndex = 0;
  #lastS: number | undefined;
  #continueFromLast = false;

  reset(): void {
    this.#fit = undefined;
    this.#lastS = undefined;
    this.#nextIndex = 0;
    this.#continueFromLast = false;
  }

  /** Records the newest of timestamps given by the source, so later assigned ones follow them. */
  observe(timestamps: Float64Array): void {
    if (timestamps.length > 0) {
      this.#lastS = timestamps[timestamps.length - 1];
      this.#fit = undefined;
      this.#continueFromLast = true;
    }
  }

  assign(nSamples: number, sampleRateHz: number, nowS: number): Float64Array {
    const timestamps = new Float64Array(nSamples);
    if (nSamples === 0) {
      return timestamps;
    }
    if (!(sampleRateHz > 0)) {
      timestamps.fill(nowS);
      this.#lastS = nowS;
      return timestamps;
    }
    const periodS = 1 / sampleRateHz;
    const toleranceS = Math.max(0.5, 2 * nSamples * periodS);
    const lastIndex = this.#nextIndex + nSamples - 1;
    if (this.#fit !== undefined && Math.abs(this.#fit.predict(lastIndex) - nowS) > toleranceS) {
      this.#fit = undefined;
    }
    const continuing = this.#fit !== undefined;
    if (this.#fit === undefined) {
      this.#fit = new RateFit(periodS, this.#nextIndex, nowS);
      const lastS = this.#lastS;
      if (this.#continueFromLast && lastS !== undefined && Math.abs(lastS + nSamples * periodS - nowS) <= toleranceS) {
        // Timestamps the source gave end where these continue.
        this.#fit.add(this.#nextIndex - 1, lastS);
      }
      this.#continueFromLast = false;
    }
    this.#fit.add(lastIndex, nowS);
    const fittedPeriodS = this.#fit.periodS;
    let firstS = this.#fit.predict(this.#nextIndex);
    const previousS = this.#lastS;
    if (continuing && previousS !== undefined) {
      // A chunk continues the previous one, moved toward the line by a tenth of a period at
      // most, so arrival jitter never shows in the spacing while drift is still followed.
      const continuedS = previousS + fittedPeriodS;
      const maxStepS = MAX_STEP_PERIODS * fittedPeriodS;
      firstS = continuedS + Math.min(maxStepS, Math.max(-maxStepS, firstS - continuedS));
    }
    for (let i = 0; i < nSamples; i++) {
      timestamps[i] = firstS + i * fittedPeriodS;
    }
    this.#nextIndex += nSamples;
    this.#lastS = timestamps[nSamples - 1];
    return timestamps;
  }
}
