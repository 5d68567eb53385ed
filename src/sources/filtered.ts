import type { SosFilter } from "../recipes/filters/index.js";
import type { SampleChunk, Source, SourceInfo, SourceSink } from "../stream/source.js";

/**
 * Filters another source's samples at acquisition, before they reach the stream's buffer and
 * any recording: each chunk passes through the filters in order, with their state carried from
 * chunk to chunk. The filters are reset at every start. The wrapped source's arrays are not
 * modified, because the filtered values go to a copy.
 *
 * ```ts
 * new FilteredSource(device, [bandpass(20, 450, { sampleRateHz: 2000, nChannels: 8 }), notch(50, { sampleRateHz: 2000, nChannels: 8 })])
 * ```
 */
export class FilteredSource implements Source {
  readonly #inner: Source;
  readonly #filters: readonly SosFilter[];

  constructor(inner: Source, filters: SosFilter | readonly SosFilter[]) {
    this.#inner = inner;
    this.#filters = Array.isArray(filters) ? [...filters] : [filters as SosFilter];
    if (this.#filters.length === 0) {
      throw new RangeError("FilteredSource needs at least one filter");
    }
  }

  get description(): string {
    return `${this.#inner.description}, filtered`;
  }

  /** Opens the wrapped source; fails when a filter's channel count differs from the source's. */
  async open(): Promise<SourceInfo> {
    const info = await this.#inner.open();
    for (const [index, filter] of this.#filters.entries()) {
      if (filter.nChannels !== info.nChannels) {
        throw new RangeError(
          `filter ${index + 1} is set up for ${filter.nChannels} channels but ${this.#inner.description} has ${info.nChannels}; create it with nChannels: ${info.nChannels}`,
        );
      }
    }
    return info;
  }

  start(sink: SourceSink): void | Promise<void> {
    for (const filter of this.#filters) {
      filter.reset();
    }
    const filters = this.#filters;
    const filtered: SourceSink = {
      clock: sink.clock,
      get cue() {
        return sink.cue;
      },
      pushChunk(chunk: SampleChunk): boolean {
        if (chunk.nChannels !== filters[0]?.nChannels) {
          return sink.pushChunk(chunk);
        }
        const samples = Float32Array.from(chunk.samples);
        for (const filter of filters) {
          filter.processSampleMajor(samples);
        }
        return sink.pushChunk({ ...chunk, samples });
      },
      pushMarkers: (values, timestamps) => sink.pushMarkers(values, timestamps),
      setCue: (classIndex, timestampS) => sink.setCue(classIndex, timestampS),
      fail: (error) => sink.fail(error),
    };
    return this.#inner.start(filtered);
  }

  stop(): void | Promise<void> {
    return this.#inner.stop();
  }
}
