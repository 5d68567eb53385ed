/**
 * myogestic: real-time EMG and biosignal decoding apps. This entry point has the app, its
 * context and state machine, the clock, and the stream types; `myogestic/sources`,
 * `myogestic/session` and `myogestic/stream` have the layers below.
 *
 * @module myogestic
 */
import "./ui/register.js";

export { App, type AppOptions, type Hook, type RecordingResult, type RunOptions } from "./app/app.js";
export type { PanelRunOptions } from "./app/panel-host.js";
export { Context, type ContextEvents } from "./app/context.js";
export { Recording, type RecordingOptions, type RecordingSummary } from "./app/recording.js";
export { CueSchedule, type CuePosition, type CueStep } from "./app/cue-schedule.js";
export { SHUTDOWN_SIGNALS } from "./app/signals.js";
export { localClockS, SimulatedClock, systemClock, type Clock, type TimerHandle } from "./core/clock.js";
export { TypedEmitter } from "./core/events.js";
export { DEFAULT_LOG_CAPACITY, formatLogEntry, UserLog, type LogEntry, type UserLogEvents } from "./core/log.js";
export {
  CORE_TRANSITIONS,
  StateTable,
  type AppState,
  type CoreState,
  type Transition,
  type TransitionResult,
} from "./core/state.js";
export { Stream } from "./stream/stream.js";
export {
  STREAM_DEFAULTS,
  type StreamOptions,
  type StreamState,
  type StreamStatus,
  type StreamWindow,
} from "./stream/stream-types.js";
export type { Source, SourceInfo, SourceSink, SampleChunk } from "./stream/source.js";
