/**
 * A source that plays recorded data back as if it were live: a session recorded by this project
 * or by the Python MyoGestic, a LibEMG-layout CSV data set, or a stream of an XDF file.
 */
import type { Source, SourceInfo, SourceSink } from "../stream/source.js";
import { loadReplayTimeline, type ReplayPacing, type ReplayTimeline } from "./replay-timeline.js";
import { isXdfPath, loadXdfTimeline } from "./replay-xdf.js";
import { upperBound } from "../core/sorted.js";
import { Ticker } from "./ticker.js";

/** Options of {@link ReplaySource}. */
export interface ReplayOptions {
  /**
   * Path of the data to play: a session folder or `.session.zip` archive, a LibEMG-layout data
   * set folder (`R_<rep>_C_<class>.csv` files, nested folders allowed), a single CSV file, or
   * an `.xdf` file recorded by LabRecorder.
   */
  readonly path: string;
  /**
   * Playback rate relative to real time: 1 is real time, 2 twice as fast. `Infinity` delivers a
   * chunk, yields to the event loop, and delivers the next, as fast as they are consumed.
   * Default 1.
   */
  readonly speed?: number;
  /**
   * Whether to start over at the end. Default false, so the replay ends and
   * {@link ReplaySource.finished} resolves.
   */
  readonly loop?: boolean;
  /**
   * Session or XDF stream to play, by name. An XDF stream may also be named by its id when no
   * name matches. Required when the data has more than one numeric stream. Marker and string
   * streams are not played.
   */
  readonly stream?: string;
  /**
   * Sample rate in Hz. Required for CSV data, which has no timestamps. For a session or an XDF
   * stream it replaces the recorded nominal rate, both in the stream's info and for `nominal`
   * pacing.
   */
  readonly sampleRateHz?: number;
  /**
   * `timestamps` spaces samples as recorded, and is the default for sessions and XDF files. An
   * XDF stream is spaced by its clock-corrected timestamps. `nominal` spaces samples evenly at
   * the sample rate, and is the only choice for CSV data.
   */
  readonly pacing?: ReplayPacing;
  /** Interval between delivered chunks in ms, and the chunk length at speed `Infinity`. Default 20. */
  readonly chunkMs?: number;
}

/** Default values of {@link ReplayOptions}. */
export const REPLAY_DEFAULTS: { readonly speed: number; readonly loop: boolean; readonly chunkMs: number } = {
  speed: 1,
  loop: false,
  chunkMs: 20,
};

/** {@link ReplayOptions} with the defaults filled in. */
export type ReplaySettings = ReplayOptions & typeof REPLAY_DEFAULTS;

/** Outcome of a replay run: `ended` at the end of its data, or `stopped` before that. */
export type ReplayEnd = "ended" | "stopped";

/** Position of a replay in its data. */
export interface ReplayPosition {
  /** Completed passes over the data; above 0 only when looping. */
  readonly pass: number;
  /** Index of the next sample to deliver in the current pass. */
  readonly sampleIndex: number;
  readonly nSamples: number;
}

/** Tolerance on due times, in seconds, that absorbs floating-point error in clock readings. */
const DUE_TOLERANCE_S = 1e-9;

/** Largest chunk delivered at once when a paced tick comes late, in samples. */
const MAX_CHUNK_SAMPLES = 65_536;

/**
 * Plays recorded data into a stream at real time, faster, or as fast as it is consumed.
 *
 * Timestamps are re-based onto the live clock: sample i of a pass is stamped
 * `startS + passOffsetS + offset_i`. Here `startS` is the clock reading at start, and
 * `offset_i` is the sample's recorded time from the first sample, or `i / sampleRateHz` for
 * `nominal` pacing and CSV data. The spacing of timestamps is therefore the recorded one at any
 * speed, and at a speed other than 1 the timestamps run ahead of (or behind) the clock. Each
 * loop pass continues one sample period after the previous one ends.
 *
 * The cue is replayed through `sink.setCue`: a session's label events from the first sample at
 * or after each label's time, and for CSV data the class of each `R_<rep>_C_<class>.csv` file
 * while its samples play. Chunks are cut at cue changes, so every sample is delivered under its
 * own cue. When the replay ends without looping, a replay that set the cue clears it to `null`.
 * Session labels later than the last sample are not replayed, and marker streams are not
 * played.
 */
export class ReplaySource implements Source {
  /** The options in effect, defaults filled in. */
  readonly options: Readonly<ReplaySettings>;
  #description: string;
  #timeline: ReplayTimeline | undefined;
  #sink: SourceSink | undefined;
  #ticker: Ticker | undefined;
  #immediate: NodeJS.Immediate | undefined;
  #pass = 0;
  #position = 0;
  #cueCursor = 0;
  /** Clock reading at which the current pass's first sample fell due, in seconds. */
  #passStartS = 0;
  /** Live timestamp of the current pass's first sample, in seconds. */
  #passBaseS = 0;
  #ended = false;
  #finished!: Promise<ReplayEnd>;
  #resolveFinished!: (end: ReplayEnd) => void;
  #settled = false;

  /** @throws RangeError or TypeError naming the first invalid option. */
  constructor(options: ReplayOptions) {
    const merged = { ...REPLAY_DEFAULTS, ...dropUndefined(options) } as ReplaySettings;
    validateOptions(merged);
    this.options = merged;
    this.#description = `replay of ${merged.path}`;
    this.#renewFinished();
  }

  /** Short description for status lines; names the data once the source is opened. */
  get description(): string {
    return this.#description;
  }

  /**
   * Settles when the current run finishes, or the next one when no run is in progress: with
   * `ended` when the data ran out (never while looping), or `stopped` when `stop` came first.
   * A new promise is made at the start after a settled one.
   */
  get finished(): Promise<ReplayEnd> {
    return this.#finished;
  }

  /** Whether the last run reached the end of its data. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Position in the data, or `undefined` before the first open. */
  get position(): ReplayPosition | undefined {
    const timeline = this.#timeline;
    if (timeline === undefined) {
      return undefined;
    }
    return { pass: this.#pass, sampleIndex: this.#position, nSamples: timeline.nSamples };
  }

  /**
   * Loads the data at `path` and returns its shape. Each open reads the data again.
   *
   * @throws Error for a missing path, an empty data set, files with different channel counts, a
   *   CSV replay without `sampleRateHz`, or a session or XDF stream that cannot be played.
   */
  async open(): Promise<SourceInfo> {
    // A failed open must not leave the data of an earlier open ready to start.
    this.#timeline = undefined;
    const load = isXdfPath(this.options.path) ? loadXdfTimeline : loadReplayTimeline;
    const timeline = await load(this.options);
    this.#timeline = timeline;
    this.#description = `replay of ${timeline.description}`;
    return { nChannels: timeline.nChannels, sampleRateHz: timeline.sampleRateHz, kind: "numeric" };
  }

  /**
   * Starts playing from the beginning into `sink`. A paced replay delivers its first sample
   * before returning, and speed `Infinity` its first chunk on the next turn of the event loop.
   * A running replay is restarted.
   *
   * @throws Error when the source was never opened.
   */
  start(sink: SourceSink): void {
    if (this.#timeline === undefined) {
      throw new Error(`${this.#description} was started before open(); open it first`);
    }
    this.#halt();
    if (this.#settled) {
      this.#renewFinished();
    }
    this.#sink = sink;
    this.#ended = false;
    this.#pass = 0;
    this.#position = 0;
    this.#cueCursor = 0;
    this.#passStartS = sink.clock.now();
    this.#passBaseS = this.#passStartS;

    if (this.options.speed === Number.POSITIVE_INFINITY) {
      this.#scheduleImmediate(sink);
      return;
    }
    this.#ticker = new Ticker(sink.clock, this.options.chunkMs, (nowS) => this.#guardedStep(sink, nowS));
    this.#ticker.start(this.#passStartS);
    this.step(this.#passStartS);
  }

  /** Stops delivering; no timer or immediate is left behind, and {@link ReplaySource.finished} settles. */
  stop(): void {
    const wasRunning = this.#sink !== undefined;
    this.#halt();
    if (wasRunning) {
      this.#settle("stopped");
    }
  }

  /**
   * Delivers every sample due at `nowS` (clock seconds) at the replay's speed and returns how
   * many it delivered. At the end of the data it starts the next pass or ends the replay. The
   * timer calls this every `chunkMs`, and tests may call it directly. It does nothing at speed
   * `Infinity`, because delivery then does not follow the clock.
   */
  step(nowS: number): number {
    const sink = this.#sink;
    const timeline = this.#timeline;
    const speed = this.options.speed;
    if (sink === undefined || timeline === undefined || speed === Number.POSITIVE_INFINITY) {
      return 0;
    }

    let delivered = 0;
    while (this.#sink === sink) {
      const elapsedS = (nowS - this.#passStartS) * speed + DUE_TOLERANCE_S;
      const due = upperBound(timeline.dueOffsetsS, elapsedS, this.#position);
      delivered += this.#deliver(sink, timeline, due);
      if (this.#position < timeline.nSamples) {
        break;
      }
      if (!this.options.loop) {
        this.#end(sink, timeline);
        break;
      }
      this.#nextPass(timeline);
      this.#passStartS += timeline.passDurationS / speed;
    }
    return delivered;
  }

  /** Delivers samples up to index `end` of the current pass, cut at cue changes. */
  #deliver(sink: SourceSink, timeline: ReplayTimeline, end: number): number {
    const { nChannels, cueChanges } = timeline;
    const start = this.#position;
    while (this.#position < end && this.#sink === sink) {
      let change = cueChanges[this.#cueCursor];
      while (change !== undefined && change.sampleIndex <= this.#position) {
        sink.setCue(change.classIndex, this.#passBaseS + (timeline.offsetsS[this.#position] as number));
        this.#cueCursor++;
        change = cueChanges[this.#cueCursor];
      }
      const chunkEnd = Math.min(end, change?.sampleIndex ?? end, this.#position + MAX_CHUNK_SAMPLES);
      const nSamples = chunkEnd - this.#position;
      const timestamps = new Float64Array(nSamples);
      for (let i = 0; i < nSamples; i++) {
        timestamps[i] = this.#passBaseS + (timeline.offsetsS[this.#position + i] as number);
      }
      const samples = timeline.samples.slice(this.#position * nChannels, chunkEnd * nChannels);
      this.#position = chunkEnd;
      sink.pushChunk({ nChannels, samples, timestamps });
    }
    return this.#position - start;
  }

  /** Delivers one chunk, then yields to the event loop before the next (speed `Infinity`). */
  #scheduleImmediate(sink: SourceSink): void {
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      const timeline = this.#timeline;
      if (this.#sink !== sink || timeline === undefined) {
        return;
      }
      try {
        const chunkSamples = Math.max(1, Math.round((this.options.chunkMs / 1000) * chunkRateHz(timeline)));
        this.#deliver(sink, timeline, Math.min(timeline.nSamples, this.#position + chunkSamples));
        if (this.#position >= timeline.nSamples) {
          if (!this.options.loop) {
            this.#end(sink, timeline);
            return;
          }
          this.#nextPass(timeline);
        }
      } catch (error) {
        this.#halt();
        sink.fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      if (this.#sink === sink) {
        this.#scheduleImmediate(sink);
      }
    });
  }

  #guardedStep(sink: SourceSink, nowS: number): void {
    try {
      this.step(nowS);
    } catch (error) {
      this.#halt();
      sink.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #nextPass(timeline: ReplayTimeline): void {
    this.#pass++;
    this.#position = 0;
    this.#cueCursor = 0;
    this.#passBaseS += timeline.passDurationS;
  }

  #end(sink: SourceSink, timeline: ReplayTimeline): void {
    this.#halt();
    this.#ended = true;
    if (timeline.cueChanges.length > 0) {
      sink.setCue(null, this.#passBaseS + timeline.passDurationS);
    }
    this.#settle("ended");
  }

  /** Cancels the pending tick or immediate and detaches the sink. */
  #halt(): void {
    this.#ticker?.stop();
    this.#ticker = undefined;
    if (this.#immediate !== undefined) {
      clearImmediate(this.#immediate);
      this.#immediate = undefined;
    }
    this.#sink = undefined;
  }

  #renewFinished(): void {
    this.#settled = false;
    this.#finished = new Promise<ReplayEnd>((resolve) => {
      this.#resolveFinished = resolve;
    });
  }

  #settle(end: ReplayEnd): void {
    if (!this.#settled) {
      this.#settled = true;
      this.#resolveFinished(end);
    }
  }
}

/** Returns the rate used to size chunks at speed `Infinity`: the nominal rate, or the mean recorded one. */
function chunkRateHz(timeline: ReplayTimeline): number {
  if (timeline.sampleRateHz > 0) {
    return timeline.sampleRateHz;
  }
  return timeline.nSamples / timeline.passDurationS;
}

function dropUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** Throws for the first option that breaks its constraint, naming the option and the value. */
function validateOptions(options: ReplaySettings): void {
  const { path, speed, loop, chunkMs, sampleRateHz, pacing, stream } = options;
  if (typeof path !== "string" || path === "") {
    throw new TypeError(`${OPTION} path must be a non-empty string, received ${JSON.stringify(path)}`);
  }
  if (typeof speed !== "number" || !(speed > 0)) {
    throw new RangeError(`${OPTION} speed must be a number above 0 or Infinity, received ${speed}`);
  }
  if (typeof loop !== "boolean") {
    throw new TypeError(`${OPTION} loop must be a boolean, received ${JSON.stringify(loop)}`);
  }
  if (!isFiniteNumber(chunkMs) || !(chunkMs > 0 && chunkMs <= 10_000)) {
    throw new RangeError(`${OPTION} chunkMs must be a finite number above 0 and at most 10000, received ${chunkMs}`);
  }
  if (sampleRateHz !== undefined && !(isFiniteNumber(sampleRateHz) && sampleRateHz > 0)) {
    throw new RangeError(`${OPTION} sampleRateHz must be a finite number above 0, received ${sampleRateHz}`);
  }
  if (pacing !== undefined && pacing !== "timestamps" && pacing !== "nominal") {
    throw new RangeError(`${OPTION} pacing must be "timestamps" or "nominal", received ${JSON.stringify(pacing)}`);
  }
  if (stream !== undefined && (typeof stream !== "string" || stream === "")) {
    throw new TypeError(`${OPTION} stream must be a non-empty string, received ${JSON.stringify(stream)}`);
  }
}

const OPTION = "ReplaySource option";

function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}
