/**
 * A fixed-capacity ring of multichannel float32 samples with float64 timestamps.
 *
 * Samples are stored sample-major (all channels of one sample together), as sources deliver
 * them, and read back channels-first, as feature code consumes them. The ring only ever returns
 * samples that were written: after a wrap the oldest samples are overwritten and no longer
 * readable, so a window is never padded with stale values.
 */
export class SampleRing {
  readonly nChannels: number;
  readonly capacity: number;
  readonly #samples: Float32Array;
  readonly #timestamps: Float64Array;
  /** Index of the next sample slot to write. */
  #head = 0;
  #count = 0;
  #totalWritten = 0;

  constructor(nChannels: number, capacity: number) {
    if (!Number.isInteger(nChannels) || nChannels < 1) {
      throw new RangeError(`nChannels must be a positive integer, received ${nChannels}`);
    }
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer of samples, received ${capacity}`);
    }
    this.nChannels = nChannels;
    this.capacity = capacity;
    this.#samples = new Float32Array(nChannels * capacity);
    this.#timestamps = new Float64Array(capacity);
  }

  /** Number of samples currently readable (at most {@link SampleRing.capacity}). */
  get count(): number {
    return this.#count;
  }

  /** Number of samples written since creation or the last {@link SampleRing.clear}. */
  get totalWritten(): number {
    return this.#totalWritten;
  }

  /** Timestamp of the oldest readable sample in seconds, or `undefined` when empty. */
  get oldestTimestampS(): number | undefined {
    if (this.#count === 0) {
      return undefined;
    }
    return this.#timestamps[(this.#head - this.#count + this.capacity) % this.capacity];
  }

  /** Timestamp of the newest sample in seconds, or `undefined` when empty. */
  get newestTimestampS(): number | undefined {
    if (this.#count === 0) {
      return undefined;
    }
    return this.#timestamps[(this.#head - 1 + this.capacity) % this.capacity];
  }

  /**
   * Appends `nSamples` samples. `samples` is sample-major with `nSamples * nChannels` values
   * starting at `offset` samples; `timestamps` has one value per sample. When the chunk is
   * longer than the capacity only its newest `capacity` samples are kept.
   */
  write(samples: ArrayLike<number>, timestamps: ArrayLike<number>, nSamples: number): void {
    const nChannels = this.nChannels;
    let first = 0;
    if (nSamples > this.capacity) {
      first = nSamples - this.capacity;
    }
    let remaining = nSamples - first;
    let source = first;
    while (remaining > 0) {
      const run = Math.min(remaining, this.capacity - this.#head);
      const destination = this.#head * nChannels;
      if (samples instanceof Float32Array || samples instanceof Float64Array) {
        this.#samples.set(
          samples.subarray(source * nChannels, (source + run) * nChannels),
          destination,
        );
      } else {
        for (let i = 0; i < run * nChannels; i++) {
          this.#samples[destination + i] = samples[source * nChannels + i] as number;
        }
      }
      for (let i = 0; i < run; i++) {
        this.#timestamps[this.#head + i] = timestamps[source + i] as number;
      }
      this.#head = (this.#head + run) % this.capacity;
      source += run;
      remaining -= run;
    }
    this.#count = Math.min(this.capacity, this.#count + nSamples);
    this.#totalWritten += nSamples;
  }

  /**
   * Copies the newest `nSamples` samples (fewer when the ring holds fewer), oldest first:
   * `data` channels-first (`nChannels × n`) and `timestamps` (`n`).
   */
  readLatest(nSamples: number): { data: Float32Array; timestamps: Float64Array; nSamples: number } {
    const n = Math.max(0, Math.min(Math.floor(nSamples), this.#count));
    const nChannels = this.nChannels;
    const data = new Float32Array(nChannels * n);
    const timestamps = new Float64Array(n);
    const start = (this.#head - n + this.capacity) % this.capacity;
    for (let i = 0; i < n; i++) {
      const slot = (start + i) % this.capacity;
      timestamps[i] = this.#timestamps[slot] as number;
      const base = slot * nChannels;
      for (let c = 0; c < nChannels; c++) {
        data[c * n + i] = this.#samples[base + c] as number;
      }
    }
    return { data, timestamps, nSamples: n };
  }

  /** Number of newest samples whose timestamps are at or after `sinceS`. */
  countSince(sinceS: number): number {
    return this.#countNewest((timestampS) => timestampS >= sinceS);
  }

  /** Number of newest samples whose timestamps are strictly after `afterS`. */
  countAfter(afterS: number): number {
    return this.#countNewest((timestampS) => timestampS > afterS);
  }

  #countNewest(keep: (timestampS: number) => boolean): number {
    let n = 0;
    while (n < this.#count) {
      const slot = (this.#head - 1 - n + 2 * this.capacity) % this.capacity;
      if (!keep(this.#timestamps[slot] as number)) {
        break;
      }
      n++;
    }
    return n;
  }

  /**
   * Visits the newest samples from newest to oldest until `visit` returns false. The callback
   * receives the storage array and the offset of the sample's first channel, to avoid copies.
   */
  visitNewestFirst(visit: (timestampS: number, storage: Float32Array, offset: number) => boolean): void {
    for (let n = 0; n < this.#count; n++) {
      const slot = (this.#head - 1 - n + 2 * this.capacity) % this.capacity;
      if (!visit(this.#timestamps[slot] as number, this.#samples, slot * this.nChannels)) {
        return;
      }
    }
  }

  /** Forgets every sample. */
  clear(): void {
    this.#head = 0;
    this.#count = 0;
    this.#totalWritten = 0;
  }
}
