/** One string event of a marker stream. */
export interface MarkerEvent {
  /** Seconds on the app's clock. */
  readonly timestampS: number;
  readonly value: string;
}

/**
 * The events of a marker stream, kept for `bufferMs` behind the newest event and at most
 * `maxEvents` in all, and read by time rather than by sample count.
 */
export class MarkerBuffer {
  readonly bufferMs: number;
  readonly maxEvents: number;
  #events: MarkerEvent[] = [];
  #totalWritten = 0;

  constructor(bufferMs: number, maxEvents = 100_000) {
    this.bufferMs = bufferMs;
    this.maxEvents = maxEvents;
  }

  get count(): number {
    return this.#events.length;
  }

  get totalWritten(): number {
    return this.#totalWritten;
  }

  get newestTimestampS(): number | undefined {
    return this.#events.at(-1)?.timestampS;
  }

  /** Appends events, keeping the buffer sorted by time. */
  write(values: readonly string[], timestamps: ArrayLike<number>): void {
    for (let i = 0; i < values.length; i++) {
      const event = { timestampS: timestamps[i] as number, value: values[i] as string };
      let at = this.#events.length;
      while (at > 0 && (this.#events[at - 1] as MarkerEvent).timestampS > event.timestampS) {
        at--;
      }
      this.#events.splice(at, 0, event);
    }
    this.#totalWritten += values.length;
    const newestS = this.newestTimestampS;
    if (newestS !== undefined) {
      const oldestKeptS = newestS - this.bufferMs / 1000;
      let drop = 0;
      while (drop < this.#events.length && (this.#events[drop] as MarkerEvent).timestampS < oldestKeptS) {
        drop++;
      }
      drop = Math.max(drop, this.#events.length - this.maxEvents);
      if (drop > 0) {
        this.#events.splice(0, drop);
      }
    }
  }

  /** Events with `fromS <= timestampS < toS`, oldest first. */
  between(fromS: number, toS: number): MarkerEvent[] {
    return this.#events.filter((event) => event.timestampS >= fromS && event.timestampS < toS);
  }

  clear(): void {
    this.#events = [];
    this.#totalWritten = 0;
  }
}
