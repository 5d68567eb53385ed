import type { SampleRing } from "./ring.js";

/** A min/max envelope of the newest span of a stream, one column per horizontal pixel. */
export interface DisplayEnvelope {
  readonly nChannels: number;
  readonly widthPx: number;
  /** Start and end of the span in seconds on the stream's clock; the end is the newest sample. */
  readonly startS: number;
  readonly endS: number;
  /** Minimum per channel and column, channel-major (`nChannels × widthPx`); NaN where a column has no sample. */
  readonly min: Float32Array;
  /** Maximum per channel and column, laid out as {@link DisplayEnvelope.min}. */
  readonly max: Float32Array;
}

/**
 * Builds the envelope of the samples of the last `spanMs` before the newest sample, split into
 * `widthPx` equal time columns. Non-finite samples are left out of the envelope.
 */
export function buildEnvelope(ring: SampleRing, widthPx: number, spanMs: number): DisplayEnvelope {
  if (!Number.isInteger(widthPx) || widthPx < 1) {
    throw new RangeError(`widthPx must be a positive integer, received ${widthPx}`);
  }
  if (!(spanMs > 0)) {
    throw new RangeError(`spanMs must be greater than 0, received ${spanMs}`);
  }
  const nChannels = ring.nChannels;
  const min = new Float32Array(nChannels * widthPx).fill(Number.NaN);
  const max = new Float32Array(nChannels * widthPx).fill(Number.NaN);
  const endS = ring.newestTimestampS;
  if (endS === undefined) {
    return { nChannels, widthPx, startS: Number.NaN, endS: Number.NaN, min, max };
  }
  const spanS = spanMs / 1000;
  const startS = endS - spanS;
  const columnsPerS = widthPx / spanS;
  ring.visitNewestFirst((timestampS, storage, offset) => {
    if (timestampS < startS) {
      return false;
    }
    const column = Math.min(widthPx - 1, Math.floor((timestampS - startS) * columnsPerS));
    for (let c = 0; c < nChannels; c++) {
      const value = storage[offset + c] as number;
      if (!Number.isFinite(value)) {
        continue;
      }
      const index = c * widthPx + column;
      const low = min[index] as number;
      if (!(value >= low)) {
        min[index] = value;
      }
      const high = max[index] as number;
      if (!(value <= high)) {
        max[index] = value;
      }
    }
    return true;
  });
  return { nChannels, widthPx, startS, endS, min, max };
}
