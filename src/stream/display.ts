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
 * Builds the envelope of the samples of the newest span of about `spanMs`, in `widthPx` columns
 * of equal time. Columns are fixed bins of absolute time, so the span starts at the first
 * column's bin and ends at the newest sample. Non-finite samples are left out of the envelope,
 * and so is the bin of the oldest sample once the ring has dropped older ones.
 */
export function buildEnvelope(ring: SampleRing, widthPx: number, spanMs: number): DisplayEnvelope {
  return new EnvelopeCache(widthPx, spanMs).update(ring);
}

/**
 * Keeps the envelope of a ring buffer up to date: each update folds in only the samples written
 * since the previous one, so a plot redrawn many times a second costs the new samples, not the
 * whole span.
 */
export class EnvelopeCache {
  readonly widthPx: number;
  readonly spanMs: number;
  readonly #binS: number;
  #ring: SampleRing | undefined;
  #nChannels = 0;
  #min = new Float32Array(0);
  #max = new Float32Array(0);
  /** The absolute bin (time divided by the bin width) each slot holds, NaN for none. */
  readonly #binOfSlot: Float64Array;
  #seenTotal = 0;

  /** Throws a `RangeError` unless `widthPx` is a positive integer and `spanMs` is above 0. */
  constructor(widthPx: number, spanMs: number) {
    if (!Number.isInteger(widthPx) || widthPx < 1) {
      throw new RangeError(`widthPx must be a positive integer, received ${widthPx}`);
    }
    if (!(spanMs > 0 && Number.isFinite(spanMs))) {
      throw new RangeError(`spanMs must be a finite number greater than 0, received ${spanMs}`);
    }
    this.widthPx = widthPx;
    this.spanMs = spanMs;
    this.#binS = spanMs / 1000 / widthPx;
    this.#binOfSlot = new Float64Array(widthPx).fill(Number.NaN);
  }

  /** Folds in the samples written to `ring` since the last update and returns the envelope. */
  update(ring: SampleRing): DisplayEnvelope {
    const widthPx = this.widthPx;
    let fresh = ring.totalWritten - this.#seenTotal;
    if (ring !== this.#ring || ring.nChannels !== this.#nChannels || fresh < 0 || fresh > ring.count) {
      this.#reset(ring);
      fresh = ring.count;
    }
    this.#seenTotal = ring.totalWritten;
    const nChannels = this.#nChannels;
    const min = new Float32Array(nChannels * widthPx).fill(Number.NaN);
    const max = new Float32Array(nChannels * widthPx).fill(Number.NaN);
    const endS = ring.newestTimestampS;
    if (endS === undefined) {
      return { nChannels, widthPx, startS: Number.NaN, endS: Number.NaN, min, max };
    }
    const binS = this.#binS;
    const firstBin = Math.floor(endS / binS) - widthPx + 1;
    this.#fold(ring, fresh, firstBin);
    // Once the ring has dropped samples, the bin of its oldest one may miss some: it is left out.
    const oldestShownBin = ring.totalWritten > ring.count ? Math.floor((ring.oldestTimestampS as number) / binS) + 1 : firstBin;

    for (let column = 0; column < widthPx; column++) {
      const bin = firstBin + column;
      if (bin < oldestShownBin) {
        continue;
      }
      const slot = ((bin % widthPx) + widthPx) % widthPx;
      if (this.#binOfSlot[slot] !== bin) {
        continue;
      }
      for (let c = 0; c < nChannels; c++) {
        min[c * widthPx + column] = this.#min[c * widthPx + slot] as number;
        max[c * widthPx + column] = this.#max[c * widthPx + slot] as number;
      }
    }
    return { nChannels, widthPx, startS: firstBin * binS, endS, min, max };
  }

  #reset(ring: SampleRing): void {
    this.#ring = ring;
    this.#nChannels = ring.nChannels;
    this.#min = new Float32Array(ring.nChannels * this.widthPx);
    this.#max = new Float32Array(ring.nChannels * this.widthPx);
    this.#binOfSlot.fill(Number.NaN);
    this.#seenTotal = 0;
  }

  /** Folds the newest `count` samples of `ring` into their bins, back to bin `firstBin`. */
  #fold(ring: SampleRing, count: number, firstBin: number): void {
    const { widthPx } = this;
    const nChannels = this.#nChannels;
    const binS = this.#binS;
    const binOfSlot = this.#binOfSlot;
    const min = this.#min;
    const max = this.#max;
    let visited = 0;
    ring.visitNewestFirst((timestampS, storage, offset) => {
      if (visited++ >= count) {
        return false;
      }
      const bin = Math.floor(timestampS / binS);
      if (bin < firstBin) {
        return false;
      }
      const slot = ((bin % widthPx) + widthPx) % widthPx;
      if (binOfSlot[slot] !== bin) {
        // The slot held a bin older than the span: it starts over for this one.
        binOfSlot[slot] = bin;
        for (let c = 0; c < nChannels; c++) {
          min[c * widthPx + slot] = Number.NaN;
          max[c * widthPx + slot] = Number.NaN;
        }
      }
      for (let c = 0; c < nChannels; c++) {
        const value = storage[offset + c] as number;
        if (!Number.isFinite(value)) {
          continue;
        }
        const index = c * widthPx + slot;
        if (!(value >= (min[index] as number))) {
          min[index] = value;
        }
        if (!(value <= (max[index] as number))) {
          max[index] = value;
        }
      }
      return true;
    });
  }
}
