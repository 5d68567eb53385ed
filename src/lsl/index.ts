/**
 * Lab Streaming Layer, spoken by this package itself and wire-compatible with liblsl: find
 * streams, receive one as a stream source, and publish outlets, in protocol 1.10 or 1.00.
 *
 * ```ts
 * const emg = app.addStream({ name: "emg", source: new LslSource({ name: "MyAmplifier" }) });
 * const target = await LslOutlet.open({ name: "Prediction", channelCount: 1 }, { latestRateHz: 50 });
 * ```
 *
 * @module myogestic/lsl
 */
export { LslSource, LSL_SOURCE_RESOLVE_TIMEOUT_MS, type LslSourceOptions } from "./source.js";
export { LslOutlet, type LslOutletEvents, type LslOutletOptions } from "./outlet.js";
export { LslInlet, fetchFullInfo, INLET_TIMEOUT_MS, type LslInletEvents, type LslInletOptions } from "./inlet.js";
export { resolveStreams, RESOLVE_TIMEOUT_MS, type ResolveOptions } from "./discovery.js";
export type { OutletValues } from "./feed-encoding.js";
export type { LslChunk } from "./sample-chunk.js";
export {
  LSL_PROTOCOL_VERSION,
  MAX_CHANNELS,
  channelLabels,
  parseStreamInfo,
  writeStreamInfo,
  LslInfoError,
  type LslStreamDescription,
  type LslStreamInfo,
} from "./stream-info.js";
export { CHANNEL_FORMATS, type ChannelFormat } from "./formats.js";
export {
  LOOPBACK_LSL_CONFIG,
  LSL_CONFIG_DEFAULTS,
  LslConfigError,
  loadLslConfig,
  parseLslConfig,
  type LslConfig,
  type LoadLslConfigOptions,
} from "./config.js";
export type { LslConfigInput } from "./config-input.js";
export { isLoopbackOnly } from "./discovery-targets.js";
export { LslQuery, LslQueryError } from "./query.js";
export { LslProtocolError } from "./errors.js";
export { XmlError } from "./xml.js";
export { TimestampPostprocessor, type PostprocessingFlag, type TimestampPostprocessorOptions } from "./postprocess.js";
export { TimeSync, type TimeSyncEvents } from "./time-sync.js";
export type { TimeCorrection } from "./time-correction.js";
