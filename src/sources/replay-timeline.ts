/**
 * Loading what a {@link ReplaySource} plays into one timeline: every sample of a recorded
 * session's stream, or of a LibEMG-layout CSV data set played file after file, with the time of
 * each sample and the moments the cue changes.
 */
import { lowerBound } from "../core/sorted.js";
import { stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { listLibemgDataset, parseLibemgFileName, readLibemgCsv } from "../session/libemg.js";
import { openSession } from "../session/reader.js";
import type { RecordedStream, Session } from "../session/types.js";

/** Spacing rule of replayed samples: as recorded, or evenly at the nominal rate. */
export type ReplayPacing = "timestamps" | "nominal";

/** A change of cue, applied just before the sample at `sampleIndex` is delivered. */
export interface CueChange {
  readonly sampleIndex: number;
  /** Class index, or `null` for no class. */
  readonly classIndex: number | null;
}

/** Everything a replay plays in one pass, loaded in memory. */
export interface ReplayTimeline {
  /** Description of the data for status lines: `session walk (stream emg)` or `60 CSV files in data/`. */
  readonly description: string;
  readonly nChannels: number;
  readonly nSamples: number;
  /** Nominal sample rate reported to the stream, in Hz; 0 for a session stream with no nominal rate. */
  readonly sampleRateHz: number;
  /** Sample-major float32 values, `nSamples × nChannels`. */
  readonly samples: Float32Array;
  /** Time of each sample from the first, in seconds, as delivered in timestamps. */
  readonly offsetsS: Float64Array;
  /**
   * Time at which each sample falls due, in seconds from the first sample at speed 1: equal to
   * `offsetsS`, except that a recorded timestamp earlier than its predecessor is due with it.
   */
  readonly dueOffsetsS: Float64Array;
  /**
   * Time from the first sample of one pass to the first sample of the next when looping, in
   * seconds: the last offset plus one sample period.
   */
  readonly passDurationS: number;
  /** Cue changes sorted by sample index, at most one per index. Empty when the data has no classes. */
  readonly cueChanges: readonly CueChange[];
}

/** The replay options that {@link loadReplayTimeline} reads. */
export interface TimelineRequest {
  readonly path: string;
  readonly stream?: string;
  readonly sampleRateHz?: number;
  readonly pacing?: ReplayPacing;
}

/**
 * Loads the data at `request.path`: a session folder (one with a `meta.json`) or a
 * `.session.zip` archive, a LibEMG-layout data set folder, or a single CSV file.
 *
 * @throws Error for a missing path, a path of another kind, an empty data set, files with
 *   different channel counts, a CSV replay without `sampleRateHz`, or a session stream that is
 *   missing, not numeric or has no samples.
 */
export async function loadReplayTimeline(request: TimelineRequest): Promise<ReplayTimeline> {
  const { path } = request;
  const found = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") {
      throw new Error(`replay path not found: ${path}`);
    }
    throw error;
  });

  if (found.isFile() && path.toLowerCase().endsWith(".session.zip")) {
    return loadSession(request);
  }
  if (found.isDirectory()) {
    const hasMeta = await stat(join(path, "meta.json")).then(
      (meta) => meta.isFile(),
      () => false,
    );
    return hasMeta ? loadSession(request) : loadCsvDataset(request);
  }
  if (found.isFile() && path.toLowerCase().endsWith(".csv")) {
    return loadCsvFile(request);
  }
  throw new Error(
    `cannot replay ${path}: expected a session folder, a .session.zip archive, ` +
      `a LibEMG data set folder or a .csv file`,
  );
}

async function loadSession(request: TimelineRequest): Promise<ReplayTimeline> {
  const session = await openSession(request.path);
  const recorded = await session.readStream(chooseStream(session, request.stream));
  if (recorded.nSamples === 0) {
    throw new Error(`stream "${recorded.info.name}" of session ${request.path} has no samples to replay`);
  }

  const pacing = request.pacing ?? "timestamps";
  const sampleRateHz = request.sampleRateHz ?? recorded.info.sampleRateHz;
  let offsetsS: Float64Array;
  if (pacing === "nominal") {
    if (!(sampleRateHz > 0)) {
      throw new Error(
        `stream "${recorded.info.name}" of session ${request.path} has no nominal sample rate; ` +
          `pass sampleRateHz or use pacing "timestamps"`,
      );
    }
    offsetsS = nominalOffsets(recorded.nSamples, sampleRateHz);
  } else {
    offsetsS = recordedOffsets(recorded, request.path);
  }
  const dueOffsetsS = runningMax(offsetsS);
  const lastS = dueOffsetsS[recorded.nSamples - 1] as number;

  return {
    description: `session ${session.name} (stream ${recorded.info.name})`,
    nChannels: recorded.nChannels,
    nSamples: recorded.nSamples,
    sampleRateHz: Math.max(0, sampleRateHz),
    samples: recorded.samples,
    offsetsS,
    dueOffsetsS,
    passDurationS: lastS + samplePeriod(sampleRateHz, lastS, recorded.nSamples),
    cueChanges: labelCueChanges(session, recorded, dueOffsetsS),
  };
}

function chooseStream(session: Session, requested: string | undefined): string {
  const numeric = session.streams.filter((stream) => stream.kind === "numeric").map((stream) => stream.name);
  if (requested !== undefined) {
    const stream = session.streams.find((candidate) => candidate.name === requested);
    if (stream === undefined) {
      throw new Error(
        `session ${session.path} has no stream "${requested}"; ` +
          `its streams are ${formatNames(session.streams.map((candidate) => candidate.name))}`,
      );
    }
    if (stream.kind !== "numeric") {
      throw new Error(
        `stream "${requested}" of session ${session.path} is a marker stream; replay plays numeric streams only`,
      );
    }
    return requested;
  }
  if (numeric.length === 1) {
    return numeric[0] as string;
  }
  if (numeric.length === 0) {
    throw new Error(`session ${session.path} has no numeric stream to replay`);
  }
  throw new Error(
    `session ${session.path} has ${numeric.length} numeric streams (${formatNames(numeric)}); ` +
      `pass the one to replay as the stream option`,
  );
}

function recordedOffsets(recorded: RecordedStream, path: string): Float64Array {
  const timestamps = recorded.timestamps;
  const firstS = timestamps[0] as number;
  const offsetsS = new Float64Array(recorded.nSamples);
  for (let i = 0; i < recorded.nSamples; i++) {
    const timestampS = timestamps[i] as number;
    if (!Number.isFinite(timestampS)) {
      throw new Error(
        `stream "${recorded.info.name}" of session ${path} has timestamp ${timestampS} at sample ${i}; ` +
          `replay it with pacing "nominal"`,
      );
    }
    offsetsS[i] = timestampS - firstS;
  }
  return offsetsS;
}

/**
 * Turns the session's labels into cue changes. A label applies from the first sample at or after
 * its time, and labels later than the last sample are dropped. The cue at the first sample is
 * the last label at or before it, or `null` when there is none, so every pass starts from the
 * recorded state. A session without labels gives no cue changes.
 */
function labelCueChanges(session: Session, recorded: RecordedStream, dueOffsetsS: Float64Array): CueChange[] {
  if (session.labels.length === 0) {
    return [];
  }
  const firstS = recorded.timestamps[0] as number;
  const changes: CueChange[] = [{ sampleIndex: 0, classIndex: null }];
  for (const label of session.labels) {
    const sampleIndex = lowerBound(dueOffsetsS, label.timestampS - firstS);
    if (sampleIndex >= recorded.nSamples) {
      break;
    }
    const last = changes.at(-1) as CueChange;
    if (last.sampleIndex === sampleIndex) {
      changes[changes.length - 1] = { sampleIndex, classIndex: label.classIndex };
    } else {
      changes.push({ sampleIndex, classIndex: label.classIndex });
    }
  }
  return changes;
}

async function loadCsvDataset(request: TimelineRequest): Promise<ReplayTimeline> {
  const sampleRateHz = requireCsvRate(request);
  const dataset = await listLibemgDataset(request.path);
  if (dataset.files.length === 0) {
    throw new Error(
      `no LibEMG data files (R_<rep>_C_<class>.csv) found in ${request.path}; ` +
        `pass a data set folder, a session or a single .csv file`,
    );
  }

  const parts: { samples: Float32Array; nSamples: number }[] = [];
  const cueChanges: CueChange[] = [];
  let nChannels = 0;
  let nSamples = 0;
  for (const [index, file] of dataset.files.entries()) {
    const csv = await readLibemgCsv(file.path);
    if (index === 0) {
      nChannels = csv.nChannels;
    } else if (csv.nChannels !== nChannels) {
      const first = dataset.files[0]?.relativePath;
      throw new Error(
        `inconsistent channel counts in ${request.path}: ${first} has ${nChannels} channels ` +
          `but ${file.relativePath} has ${csv.nChannels}`,
      );
    }
    cueChanges.push({ sampleIndex: nSamples, classIndex: file.classIndex });
    parts.push(csv);
    nSamples += csv.nSamples;
  }

  const samples = new Float32Array(nSamples * nChannels);
  let at = 0;
  for (const part of parts) {
    samples.set(part.samples, at);
    at += part.samples.length;
  }
  const plural = dataset.files.length === 1 ? "" : "s";
  return csvTimeline(
    `${dataset.files.length} CSV file${plural} in ${request.path}`,
    samples,
    nSamples,
    nChannels,
    sampleRateHz,
    cueChanges,
  );
}

async function loadCsvFile(request: TimelineRequest): Promise<ReplayTimeline> {
  const sampleRateHz = requireCsvRate(request);
  const csv = await readLibemgCsv(request.path);
  const named = parseLibemgFileName(basename(request.path));
  const cueChanges = named === undefined ? [] : [{ sampleIndex: 0, classIndex: named.classIndex }];
  const description = `CSV file ${request.path}`;
  return csvTimeline(description, csv.samples, csv.nSamples, csv.nChannels, sampleRateHz, cueChanges);
}

function csvTimeline(
  description: string,
  samples: Float32Array,
  nSamples: number,
  nChannels: number,
  sampleRateHz: number,
  cueChanges: CueChange[],
): ReplayTimeline {
  const offsetsS = nominalOffsets(nSamples, sampleRateHz);
  return {
    description,
    nChannels,
    nSamples,
    sampleRateHz,
    samples,
    offsetsS,
    dueOffsetsS: offsetsS,
    passDurationS: nSamples / sampleRateHz,
    cueChanges,
  };
}

function requireCsvRate(request: TimelineRequest): number {
  if (request.pacing === "timestamps") {
    throw new Error(
      `CSV files carry no timestamps, so ${request.path} cannot be paced by them; use pacing "nominal"`,
    );
  }
  if (request.sampleRateHz === undefined) {
    throw new Error(
      `sampleRateHz is required to replay CSV data, because CSV files carry no timestamps; ` +
        `pass the rate ${request.path} was recorded at, in Hz`,
    );
  }
  return request.sampleRateHz;
}

function nominalOffsets(nSamples: number, sampleRateHz: number): Float64Array {
  const offsetsS = new Float64Array(nSamples);
  for (let i = 0; i < nSamples; i++) {
    offsetsS[i] = i / sampleRateHz;
  }
  return offsetsS;
}

/** Returns, at each index, the largest value up to it. */
export function runningMax(values: Float64Array): Float64Array {
  const out = new Float64Array(values.length);
  let largest = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    largest = Math.max(largest, values[i] as number);
    out[i] = largest;
  }
  return out;
}

/**
 * Returns the gap between passes, in seconds: one nominal period, or the mean spacing of the
 * recorded samples when there is no nominal rate, or 1 ms for a single sample without a rate.
 */
export function samplePeriod(sampleRateHz: number, spanS: number, nSamples: number): number {
  if (sampleRateHz > 0) {
    return 1 / sampleRateHz;
  }
  if (nSamples > 1 && spanS > 0) {
    return spanS / (nSamples - 1);
  }
  return 0.001;
}

function formatNames(names: readonly string[]): string {
  return names.map((name) => `"${name}"`).join(", ");
}
