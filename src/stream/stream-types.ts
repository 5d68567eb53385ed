import type { Clock } from "../core/clock.js";
import type { Source, SourceInfo } from "./source.js";

/** Options of {@link Stream}; `app.addStream` takes the same. */
export interface StreamOptions {
  /** Name used in windows, recordings and status lines; letters, digits, `_`, `-` and `.`. */
  readonly name: string;
  readonly source: Source;
  /** Length of the window the predict loop reads, in ms. Default 200. */
  readonly windowMs?: number;
  /** Depth of the ring buffer, in ms. Default 10 000. */
  readonly bufferMs?: number;
  /** Wait before reopening a failed source, in ms; 0 turns reconnection off. Default 1000. */
  readonly reconnectDelayMs?: number;
}

/** Default values of {@link StreamOptions}. */
export const STREAM_DEFAULTS = { windowMs: 200, bufferMs: 10_000, reconnectDelayMs: 1000 } as const;

/** What the stream needs from the app that owns it. */
export interface StreamHost {
  readonly clock: Clock;
  readonly cue: number | null;
  setCue(classIndex: number | null, timestampS?: number): void;
  log(text: string): void;
}

/** Life of a stream: `stalled` means no data for the longer of 1 s and three usual chunk intervals. */
export type StreamState = "stopped" | "starting" | "running" | "stalled" | "error";

/** The stream's state with the line shown to the operator. */
export interface StreamStatus {
  readonly state: StreamState;
  readonly message: string;
}

/** A window of the newest samples, channels-first. */
export interface StreamWindow {
  /** `nChannels × nSamples` values, channel by channel. */
  readonly data: Float32Array;
  readonly nChannels: number;
  readonly nSamples: number;
  /** One timestamp per sample, seconds on the app's clock. */
  readonly timestamps: Float64Array;
}

/** A numeric chunk as accepted by the stream: the payload of the `chunk` event. */
export interface AcceptedChunk {
  /** Sample-major values. Listeners that keep them must copy them. */
  readonly samples: Float32Array;
  readonly timestamps: Float64Array;
  readonly nSamples: number;
  readonly nChannels: number;
}

/** Events of a {@link Stream}. */
export interface StreamEvents extends Record<string, unknown> {
  chunk: AcceptedChunk;
  markers: { readonly values: readonly string[]; readonly timestamps: Float64Array };
  status: StreamStatus;
  opened: SourceInfo;
}

/** Counters of what a stream received. */
export interface StreamStats {
  samplesAccepted: number;
  chunksAccepted: number;
  chunksRejected: number;
  /** Samples values that were NaN or infinite; they are kept as received. */
  nonFiniteValues: number;
}
