/**
 * The stream layer: ring buffers of timestamped samples, windows for the predict loop,
 * envelopes for plots, and the interface sources implement.
 *
 * @module myogestic/stream
 */
export { SampleRing } from "./ring.js";
export { buildEnvelope, type DisplayEnvelope } from "./display.js";
export { MarkerBuffer, type MarkerEvent } from "./markers.js";
export { Stream } from "./stream.js";
export {
  STREAM_DEFAULTS,
  type AcceptedChunk,
  type StreamEvents,
  type StreamHost,
  type StreamOptions,
  type StreamState,
  type StreamStats,
  type StreamStatus,
  type StreamWindow,
} from "./stream-types.js";
export type { SampleChunk, Source, SourceInfo, SourceSink, StreamKind } from "./source.js";
