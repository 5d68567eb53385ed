import type { SampleChunk, Source, SourceInfo, SourceSink } from "../../src/stream/source.js";

/** A source the test drives by hand: it pushes exactly what the test hands it. */
export class ManualSource implements Source {
  readonly description = "manual test source";
  info: SourceInfo;
  sink: SourceSink | undefined;
  opens = 0;
  stops = 0;
  openError: Error | undefined;

  constructor(info: SourceInfo) {
    this.info = info;
  }

  async open(): Promise<SourceInfo> {
    this.opens++;
    if (this.openError !== undefined) {
      throw this.openError;
    }
    return this.info;
  }

  start(sink: SourceSink): void {
    this.sink = sink;
  }

  stop(): void {
    this.stops++;
    this.sink = undefined;
  }

  push(chunk: SampleChunk): boolean {
    if (this.sink === undefined) {
      throw new Error("the manual source is not started");
    }
    return this.sink.pushChunk(chunk);
  }
}

/** Sample-major values where sample `i` of channel `c` is `first + i + c / 100`. */
export function rampSamples(nSamples: number, nChannels: number, first = 0): Float32Array {
  const values = new Float32Array(nSamples * nChannels);
  for (let i = 0; i < nSamples; i++) {
    for (let c = 0; c < nChannels; c++) {
      values[i * nChannels + c] = first + i + c / 100;
    }
  }
  return values;
}
