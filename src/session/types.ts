/**
 * Shapes of a recorded session, on disk and in memory.
 *
 * On disk a session is a folder (or a `.session.zip` archive of that folder) with `meta.json`,
 * `labels.json` and, per numeric stream, `<name>.zarr` (Zarr v3, samples × channels, float32)
 * and `<name>_timestamps.zarr` (float64 seconds). The JSON keys are the Python MyoGestic
 * system's, so sessions move between the two; this project adds `schema_version`, and a file
 * without it is read as the Python layout.
 */

/** Version of the session layout this project writes. */
export const SESSION_SCHEMA_VERSION = 1;

/** A stream's entry in `meta.json`. */
export interface StreamMetaFile {
  n_channels: number;
  /** Nominal sample rate in Hz; 0 for irregular and marker streams. */
  fs: number;
  /** `float32` for numeric streams; `string` for marker streams written by this project. */
  dtype: string;
}

/** `meta.json` as written to disk. Unknown keys written by other tools are kept on read. */
export interface SessionMetaFile {
  app_name: string;
  /** Local time the recording started, `YYYY-MM-DDTHH:MM:SS`. */
  created: string;
  streams: Record<string, StreamMetaFile>;
  class_names: string[];
  schema_version?: number;
  [key: string]: unknown;
}

/** One entry of `labels.json`: from `timestamp` on, the person was asked to perform `class_index`. */
export interface LabelEventFile {
  /** Seconds on the recording's clock (the LSL clock). */
  timestamp: number;
  /** Index into `class_names`, or `null` when the cue was cleared (no class asked for). */
  class_index: number | null;
}

/** A label event in memory. */
export interface LabelEvent {
  readonly timestampS: number;
  readonly classIndex: number | null;
}

/** A stream of a recorded session, as listed in its metadata and found in its arrays. */
export interface RecordedStreamInfo {
  readonly name: string;
  readonly kind: "numeric" | "marker";
  readonly nChannels: number;
  readonly sampleRateHz: number;
  readonly dtype: string;
  /** Samples readable: the declared shape of the sample array, capped by the timestamp array's. */
  readonly nSamples: number;
}

/** The samples of one numeric stream. */
export interface RecordedStream {
  readonly info: RecordedStreamInfo;
  readonly nSamples: number;
  readonly nChannels: number;
  /** Sample-major float32 values, `nSamples × nChannels`. */
  readonly samples: Float32Array;
  /** One timestamp per sample, in seconds. */
  readonly timestamps: Float64Array;
  /**
   * Chunk files of the two arrays that were missing, such as `emg.zarr/c/3/0`; their values read
   * as the fill value. Empty for an intact session.
   */
  readonly missingChunks: readonly string[];
}

/** A stretch of a session during which one class was cued. */
export interface Trial {
  readonly classIndex: number;
  readonly className: string;
  /** Label time the trial started, in seconds. */
  readonly startS: number;
  /** Time of the next label, or the last sample's timestamp for the final trial, in seconds. */
  readonly endS: number;
}

/** An opened session, from a folder or an archive. */
export interface Session {
  /** The path given to `openSession`. */
  readonly path: string;
  /** Session name: the folder name, or the archive name without `.session.zip`. */
  readonly name: string;
  readonly appName: string;
  readonly created: string;
  /** `null` for the Python layout (no `schema_version` key). */
  readonly schemaVersion: number | null;
  readonly classNames: readonly string[];
  readonly streams: readonly RecordedStreamInfo[];
  /** Label events sorted by time. */
  readonly labels: readonly LabelEvent[];
  /** `meta.json` as read, with keys this project does not use. */
  readonly meta: SessionMetaFile;
  /** Problems found while opening that did not stop it, such as a missing timestamp chunk. */
  readonly warnings: readonly string[];
  /** Trials from the labels; a cleared cue ends a trial without starting one. */
  trials(): Trial[];
  /** Reads every sample of a numeric stream. */
  readStream(name: string): Promise<RecordedStream>;
  /** Reads the events of a marker stream. */
  readMarkers(name: string): Promise<{ timestampS: number; value: string }[]>;
}
