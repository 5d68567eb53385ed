import type { Clock } from "../core/clock.js";

/** What a source delivers: numbers on a ring buffer, or timestamped string events. */
export type StreamKind = "numeric" | "marker";

/** Shape of a source's data, known once the source is opened. */
export interface SourceInfo {
  readonly nChannels: number;
  /** Nominal sample rate in Hz; 0 for an irregular stream. */
  readonly sampleRateHz: number;
  /** `marker` for string events; numeric streams with a rate of 0 are also read by time. */
  readonly kind?: StreamKind;
  readonly channelNames?: readonly string[];
}

/** A chunk of numeric samples as a source hands it to its stream. */
export interface SampleChunk {
  /** Channels per sample; checked against the stream's channel count. */
  readonly nChannels: number;
  /** Sample-major values: `nSamples * nChannels` numbers, all channels of a sample together. */
  readonly samples: Float32Array | Float64Array | ArrayLike<number>;
  /**
   * One timestamp per sample in seconds on the app's clock. When left out, the stream assigns
   * timestamps spaced by the nominal rate (see {@link Stream}).
   */
  readonly timestamps?: ArrayLike<number>;
}

/** Where a running source sends its data and reports its health. */
export interface SourceSink {
  /** The app's clock: timestamps of a live source are readings of it. */
  readonly clock: Clock;
  /** The class the person is asked to perform now, or `null` for none. */
  readonly cue: number | null;
  /** Delivers numeric samples; returns false when the stream rejected the chunk. */
  pushChunk(chunk: SampleChunk): boolean;
  /** Delivers string events (marker streams). `timestamps` defaults to now for every value. */
  pushMarkers(values: readonly string[], timestamps?: ArrayLike<number>): boolean;
  /**
   * Sets the app's cue; replay sources use it to play back recorded labels. `timestampS` is when
   * the cue took effect on the timeline of the pushed samples (default now), so a recording
   * labels the right samples even when a replay runs faster than real time.
   */
  setCue(classIndex: number | null, timestampS?: number): void;
  /** Reports that the source stopped working; the stream shows `error` and may reconnect. */
  fail(error: Error): void;
}

/**
 * A producer of samples for one stream: a device, a network inlet, a file or a generator.
 * The stream calls {@link Source.open} once per start to learn the data's shape, then
 * {@link Source.start}; {@link Source.stop} must leave no timer or handle behind and must allow
 * a later `open` and `start` (reconnection).
 */
export interface Source {
  /** Short description for status lines, such as `synthetic EMG 8 ch @ 2000 Hz`. */
  readonly description: string;
  open(): Promise<SourceInfo>;
  start(sink: SourceSink): void | Promise<void>;
  stop(): void | Promise<void>;
}
