import { lowerBound } from "../core/sorted.js";
import { openSession } from "./reader.js";
import type { RecordedStream, Session } from "./types.js";

/** A window of a recorded stream, channels-first, with the class cued over all of it. */
export interface LabeledWindow {
  /** `nChannels × nSamples` values, channel by channel. */
  readonly data: Float32Array;
  readonly nChannels: number;
  readonly nSamples: number;
  /** Class index: into `classNames` when given, else into the session's own class names. */
  readonly classIndex: number;
  readonly sessionPath: string;
  /** Timestamp of the window's first sample, in seconds. */
  readonly startS: number;
}

/** Options of {@link iterLabeledWindows}. */
export interface LabeledWindowOptions {
  /** Name of the recorded stream to cut. */
  readonly stream: string;
  readonly windowMs: number;
  /** Step between window starts, in ms. */
  readonly hopMs: number;
  /** Class indices to keep; default every class. */
  readonly classes?: readonly number[];
  /**
   * Class names to map each session's labels onto by name, so sessions with differently ordered
   * class lists agree. Labels whose name is not in the list are skipped.
   */
  readonly classNames?: readonly string[];
}

/** A window of an input stream paired with the newest value of a target stream. */
export interface AlignedWindow {
  readonly data: Float32Array;
  readonly nChannels: number;
  readonly nSamples: number;
  /** The target stream's sample at or just before the window's last sample. */
  readonly target: Float32Array;
  readonly targetTimestampS: number;
  readonly sessionPath: string;
  readonly startS: number;
}

/** Options of {@link iterAlignedWindows}. */
export interface AlignedWindowOptions {
  readonly stream: string;
  /** Name of the stream whose values the windows are paired with (for regression). */
  readonly target: string;
  readonly windowMs: number;
  readonly hopMs: number;
}

/**
 * Yields windows of `stream` from each session, cut inside each trial: windows start at the
 * trial's first sample and step by `hopMs`, and a window that would straddle a label change is
 * dropped, so every window carries exactly one class.
 */
export async function* iterLabeledWindows(
  paths: readonly string[],
  options: LabeledWindowOptions,
): AsyncGenerator<LabeledWindow> {
  checkWindowOptions(options);
  for (const path of paths) {
    const session = await openSession(path);
    const recorded = await readIntactStream(session, options.stream, path);
    const { windowSamples, hopSamples } = windowLengths(recorded, options, path);
    for (const trial of session.trials()) {
      const classIndex = mapClass(session, trial.classIndex, options.classNames);
      if (classIndex === undefined || (options.classes !== undefined && !options.classes.includes(classIndex))) {
        continue;
      }
      const first = lowerBound(recorded.timestamps, trial.startS);
      const end = lowerBound(recorded.timestamps, trial.endS, first);
      const lastTrial = trial.endS >= (recorded.timestamps[recorded.nSamples - 1] ?? Number.NEGATIVE_INFINITY);
      const stop = lastTrial ? recorded.nSamples : end;
      for (let start = first; start + windowSamples <= stop; start += hopSamples) {
        yield {
          data: channelsFirst(recorded, start, windowSamples),
          nChannels: recorded.nChannels,
          nSamples: windowSamples,
          classIndex,
          sessionPath: path,
          startS: recorded.timestamps[start] as number,
        };
      }
    }
  }
}

/**
 * Yields sliding windows of `stream` over each whole session, each paired with the target
 * stream's newest sample at the window's end. Windows that end before the first target sample
 * are skipped.
 */
export async function* iterAlignedWindows(
  paths: readonly string[],
  options: AlignedWindowOptions,
): AsyncGenerator<AlignedWindow> {
  checkWindowOptions(options);
  for (const path of paths) {
    const session = await openSession(path);
    const recorded = await readIntactStream(session, options.stream, path);
    const target = await readIntactStream(session, options.target, path);
    const { windowSamples, hopSamples } = windowLengths(recorded, options, path);
    let targetIndex = -1;
    for (let start = 0; start + windowSamples <= recorded.nSamples; start += hopSamples) {
      const endS = recorded.timestamps[start + windowSamples - 1] as number;
      while (targetIndex + 1 < target.nSamples && (target.timestamps[targetIndex + 1] as number) <= endS) {
        targetIndex++;
      }
      if (targetIndex < 0) {
        continue;
      }
      const offset = targetIndex * target.nChannels;
      yield {
        data: channelsFirst(recorded, start, windowSamples),
        nChannels: recorded.nChannels,
        nSamples: windowSamples,
        target: target.samples.slice(offset, offset + target.nChannels),
        targetTimestampS: target.timestamps[targetIndex] as number,
        sessionPath: path,
        startS: recorded.timestamps[start] as number,
      };
    }
  }
}

/**
 * Reads a stream for training, failing when chunks are missing: their samples would read as the
 * fill value and teach the model flat zeros.
 */
async function readIntactStream(session: Session, name: string, path: string): Promise<RecordedStream> {
  const recorded = await session.readStream(name);
  if (recorded.missingChunks.length > 0) {
    const listed = recorded.missingChunks.slice(0, 3).join(", ");
    const more = recorded.missingChunks.length > 3 ? ` and ${recorded.missingChunks.length - 3} more` : "";
    throw new Error(
      `${path}: stream ${name} is missing chunk files (${listed}${more}), so its windows would hold fill values; leave this session out of training`,
    );
  }
  return recorded;
}

function checkWindowOptions(options: { windowMs: number; hopMs: number }): void {
  if (!(Number.isFinite(options.windowMs) && options.windowMs > 0)) {
    throw new RangeError(`windowMs must be a finite number above 0, received ${options.windowMs}`);
  }
  if (!(Number.isFinite(options.hopMs) && options.hopMs > 0)) {
    throw new RangeError(`hopMs must be a finite number above 0, received ${options.hopMs}`);
  }
}

function windowLengths(
  recorded: RecordedStream,
  options: { windowMs: number; hopMs: number },
  path: string,
): { windowSamples: number; hopSamples: number } {
  const rateHz = recorded.info.sampleRateHz;
  if (!(rateHz > 0)) {
    throw new RangeError(
      `stream "${recorded.info.name}" in ${path} has no nominal sample rate, so windows in ms cannot be cut`,
    );
  }
  const windowSamples = Math.round((options.windowMs / 1000) * rateHz);
  const hopSamples = Math.round((options.hopMs / 1000) * rateHz);
  if (windowSamples < 1 || hopSamples < 1) {
    throw new RangeError(
      `windowMs ${options.windowMs} and hopMs ${options.hopMs} must each cover at least one sample at ${rateHz} Hz`,
    );
  }
  return { windowSamples, hopSamples };
}

function mapClass(session: Session, classIndex: number, classNames: readonly string[] | undefined): number | undefined {
  if (classNames === undefined) {
    return classIndex;
  }
  const index = classNames.indexOf(session.classNames[classIndex] ?? "");
  return index < 0 ? undefined : index;
}

function channelsFirst(recorded: RecordedStream, start: number, nSamples: number): Float32Array {
  return sliceChannelsFirst(recorded.samples, recorded.nChannels, start, nSamples);
}

/**
 * Copies `nSamples` samples from sample `start` of a sample-major array into a channels-first
 * window (`nChannels × nSamples`), into `out` when given.
 */
export function sliceChannelsFirst(
  samples: ArrayLike<number>,
  nChannels: number,
  start: number,
  nSamples: number,
  out: Float32Array = new Float32Array(nChannels * nSamples),
): Float32Array {
  const data = out;
  for (let i = 0; i < nSamples; i++) {
    const base = (start + i) * nChannels;
    for (let c = 0; c < nChannels; c++) {
      data[c * nSamples + i] = samples[base + c] as number;
    }
  }
  return data;
}
