import type { Clock } from "../../src/core/clock.js";
import type { SampleChunk, SourceSink } from "../../src/stream/source.js";

/** A chunk as a {@link RecordingSink} received it, with the clock reading at arrival. */
export interface ReceivedChunk {
  readonly atS: number;
  readonly nChannels: number;
  readonly samples: Float32Array;
  readonly timestamps: Float64Array;
  /** The sink's cue when the chunk arrived. */
  readonly cue: number | null;
}

/** A cue change as a {@link RecordingSink} received it. */
export interface ReceivedCue {
  readonly atS: number;
  readonly classIndex: number | null;
  /** Samples received before the change. */
  readonly afterSamples: number;
}

/** A sink that keeps every chunk, cue change and failure, for driving sources in tests. */
export class RecordingSink implements SourceSink {
  readonly clock: Clock;
  cue: number | null = null;
  readonly chunks: ReceivedChunk[] = [];
  readonly cues: ReceivedCue[] = [];
  readonly failures: Error[] = [];

  constructor(clock: Clock) {
    this.clock = clock;
  }

  pushChunk(chunk: SampleChunk): boolean {
    const samples = Float32Array.from(chunk.samples);
    const nSamples = samples.length / chunk.nChannels;
    const timestamps =
      chunk.timestamps === undefined
        ? new Float64Array(nSamples).fill(Number.NaN)
        : Float64Array.from(chunk.timestamps);
    const atS = this.clock.now();
    this.chunks.push({ atS, nChannels: chunk.nChannels, samples, timestamps, cue: this.cue });
    return true;
  }

  pushMarkers(): boolean {
    throw new Error("the recording sink takes numeric chunks only");
  }

  setCue(classIndex: number | null): void {
    this.cue = classIndex;
    this.cues.push({ atS: this.clock.now(), classIndex, afterSamples: this.sampleCount });
  }

  fail(error: Error): void {
    this.failures.push(error);
  }

  /** Samples received so far. */
  get sampleCount(): number {
    let count = 0;
    for (const chunk of this.chunks) {
      count += chunk.timestamps.length;
    }
    return count;
  }

  /** Returns every received value, sample-major, in arrival order. */
  allSamples(): Float32Array {
    const out = new Float32Array(this.chunks.reduce((total, chunk) => total + chunk.samples.length, 0));
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk.samples, at);
      at += chunk.samples.length;
    }
    return out;
  }

  /** Returns every received timestamp, in arrival order. */
  allTimestamps(): Float64Array {
    const out = new Float64Array(this.sampleCount);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk.timestamps, at);
      at += chunk.timestamps.length;
    }
    return out;
  }
}
