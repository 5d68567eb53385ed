/**
 * Sources: producers of samples for streams. The synthetic EMG source follows the app's cue
 * so the whole loop runs with no hardware; the replay source plays sessions and LibEMG data sets.
 *
 * @module myogestic/sources
 */
export { SyntheticEmgSource, SYNTHETIC_EMG_DEFAULTS, type SyntheticEmgOptions } from "./synthetic.js";
export {
  ReplaySource,
  REPLAY_DEFAULTS,
  type ReplayEnd,
  type ReplayOptions,
  type ReplayPosition,
  type ReplaySettings,
} from "./replay.js";
export type { ReplayPacing } from "./replay-timeline.js";
export { FilteredSource } from "./filtered.js";
export type { Source, SourceInfo, SourceSink, SampleChunk } from "../stream/source.js";
