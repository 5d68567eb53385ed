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

/**
 * Gives timestamps to chunks that arrive without them. Samples are spaced by the nominal
 * period; a chunk continues the previous one while the continuation ends within the tolerance
 * of the clock reading, so samples delivered in bursts stay evenly spaced, and otherwise the
 * newest sample is placed at the arrival time.
 */
export class TimestampAssigner {
  #lastS: number | undefined;

  reset(): void {
    this.#lastS = undefined;
  }

  /** Records the newest of timestamps given by the source, so later assigned ones follow them. */
  observe(timestamps: Float64Array): void {
    if (timestamps.length > 0) {
      this.#lastS = timestamps[timestamps.length - 1];
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
    let firstS = nowS - (nSamples - 1) * periodS;
    if (this.#lastS !== undefined) {
      const continuedFirstS = this.#lastS + periodS;
      const continuedLastS = this.#lastS + nSamples * periodS;
      if (Math.abs(continuedLastS - nowS) <= toleranceS) {
        firstS = continuedFirstS;
      }
    }
    for (let i = 0; i < nSamples; i++) {
      timestamps[i] = firstS + i * periodS;
    }
    this.#lastS = timestamps[nSamples - 1];
    return timestamps;
  }
}
