import { mkdir, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { TypedEmitter } from "../core/events.js";
import { packFolder } from "./archive.js";
import { writeFileAtomic } from "./atomic.js";
import { formatLabels, formatMarkers, formatSessionMeta, MARKER_DTYPE } from "./meta.js";
import { openSession } from "./reader.js";
import { SESSION_SCHEMA_VERSION, type LabelEvent, type SessionMetaFile } from "./types.js";
import {
  chunkRowsFor,
  claimSessionFolder,
  defaultSessionName,
  localIsoSeconds,
  SESSION_WRITER_DEFAULTS,
  validateSessionWriterOptions,
  type SessionWriterOptions,
} from "./writer-options.js";
import { ZarrAppendWriter } from "./zarr-writer.js";

export {
  defaultSessionName,
  SESSION_WRITER_DEFAULTS,
  type SessionStreamSpec,
  type SessionWriterOptions,
} from "./writer-options.js";

/** Result of {@link SessionWriter.close}, once the archive is written and checked. */
export interface SessionWriterResult {
  /** The packed session, `<root>/<name>.session.zip`. */
  readonly archivePath: string;
  /** The session folder, which no longer exists. */
  readonly folder: string;
  /** Samples (numeric streams) or events (marker streams) written, by stream name. */
  readonly nSamples: Record<string, number>;
}

/** Events of a {@link SessionWriter}. */
export interface SessionWriterEvents extends Record<string, unknown> {
  /**
   * A background write failed. The data stays in memory and the next flush retries it. A
   * listener that throws is ignored, so it cannot stop the recording.
   */
  error: Error;
}

interface NumericTrack {
  readonly kind: "numeric";
  readonly nChannels: number;
  readonly data: ZarrAppendWriter;
  readonly timestamps: ZarrAppendWriter;
}

interface MarkerTrack {
  readonly kind: "marker";
  readonly events: { timestampS: number; value: string }[];
  writtenCount: number;
}

/**
 * The disk side of a recording: a session folder that grows while data is appended, packed into
 * `<root>/<name>.session.zip` by {@link SessionWriter.close}.
 *
 * {@link SessionWriter.append} and the other recording calls are synchronous: they copy the data
 * into memory, and from then on it is the writer's to keep. Writes to disk run one after another
 * in the background, at least every `flushIntervalMs` and whenever a one-second chunk fills, so
 * a process killed at any moment leaves a folder that {@link openSession} reads, missing at most
 * the data of the last flush interval and the write in progress. Write errors are reported
 * through {@link SessionWriter.error} and the `error` event, and make `close` fail if the data
 * still cannot be written by then.
 */
export class SessionWriter extends TypedEmitter<SessionWriterEvents> {
  /** The session folder, `<root>/<name>`. */
  readonly folder: string;
  /** The session name, after any `-2`, `-3`… suffix. */
  readonly name: string;
  readonly root: string;
  readonly classNames: readonly string[];
  readonly flushIntervalMs: number;
  readonly #tracks: Map<string, NumericTrack | MarkerTrack>;
  readonly #labels: LabelEvent[] = [];
  #labelsDirty = false;
  #queue: Promise<void> = Promise.resolve();
  #flushQueued = false;
  #timer: NodeJS.Timeout | undefined;
  #error: Error | undefined;
  #closing: Promise<SessionWriterResult> | undefined;

  private constructor(fields: {
    root: string;
    name: string;
    folder: string;
    classNames: readonly string[];
    flushIntervalMs: number;
    tracks: Map<string, NumericTrack | MarkerTrack>;
  }) {
    super();
    this.root = fields.root;
    this.name = fields.name;
    this.folder = fields.folder;
    this.classNames = fields.classNames;
    this.flushIntervalMs = fields.flushIntervalMs;
    this.#tracks = fields.tracks;
    this.#scheduleTimer();
  }

  /**
   * Creates the session folder (never reusing one: a taken name gets a numbered suffix) with
   * every stream's empty arrays or marker file, an empty `labels.json` and, last, `meta.json`.
   */
  static async create(options: SessionWriterOptions): Promise<SessionWriter> {
    validateSessionWriterOptions(options);
    const { compression, flushIntervalMs } = { ...SESSION_WRITER_DEFAULTS, ...options };
    const created = options.created ?? new Date();
    await mkdir(options.folder, { recursive: true });
    const { name, folder } = await claimSessionFolder(
      options.folder,
      options.name ?? defaultSessionName(options.appName, created),
    );

    const tracks = new Map<string, NumericTrack | MarkerTrack>();
    const metaStreams: SessionMetaFile["streams"] = {};
    for (const spec of options.streams) {
      if (spec.kind === "marker") {
        await writeFileAtomic(join(folder, `${spec.name}_markers.json`), formatMarkers([]));
        tracks.set(spec.name, { kind: "marker", events: [], writtenCount: 0 });
        metaStreams[spec.name] = {
          n_channels: spec.nChannels,
          fs: spec.sampleRateHz,
          dtype: MARKER_DTYPE,
        };
        continue;
      }
      const chunkRows = chunkRowsFor(spec);
      const data = await ZarrAppendWriter.create(join(folder, `${spec.name}.zarr`), {
        dataType: "float32",
        nColumns: spec.nChannels,
        chunkRows,
        compression,
      });
      const timestamps = await ZarrAppendWriter.create(
        join(folder, `${spec.name}_timestamps.zarr`),
        {
          dataType: "float64",
          chunkRows,
          compression,
        },
      );
      tracks.set(spec.name, { kind: "numeric", nChannels: spec.nChannels, data, timestamps });
      metaStreams[spec.name] = {
        n_channels: spec.nChannels,
        fs: spec.sampleRateHz,
        dtype: "float32",
      };
    }
    await writeFileAtomic(join(folder, "labels.json"), formatLabels([]));
    const meta: SessionMetaFile = {
      app_name: options.appName,
      created: localIsoSeconds(created),
      streams: metaStreams,
      class_names: [...options.classNames],
      schema_version: SESSION_SCHEMA_VERSION,
    };
    await writeFileAtomic(join(folder, "meta.json"), formatSessionMeta(meta));
    return new SessionWriter({
      root: options.folder,
      name,
      folder,
      classNames: [...options.classNames],
      flushIntervalMs,
      tracks,
    });
  }

  /** The latest background write error, or `undefined` when none occurred. */
  get error(): Error | undefined {
    return this.#error;
  }

  /** Whether {@link SessionWriter.close} was called; appends are then rejected. */
  get closing(): boolean {
    return this.#closing !== undefined;
  }

  #track(streamName: string, kind: "numeric" | "marker"): NumericTrack | MarkerTrack {
    if (this.#closing !== undefined) {
      throw new Error(
        `the session ${this.folder} is closing, so no more data can be written to it; start a new recording`,
      );
    }
    const track = this.#tracks.get(streamName);
    if (track === undefined) {
      const known = [...this.#tracks.keys()].join(", ") || "none";
      throw new TypeError(
        `stream ${JSON.stringify(streamName)} is not part of this recording; its streams are: ${known}`,
      );
    }
    if (track.kind !== kind) {
      const method = track.kind === "marker" ? "appendMarkers" : "append";
      throw new TypeError(
        `stream ${JSON.stringify(streamName)} is a ${track.kind} stream; write it with ${method}()`,
      );
    }
    return track;
  }

  /**
   * Copies `nSamples` samples of a numeric stream: `samples` sample-major with at least
   * `nSamples × nChannels` values, `timestamps` with at least `nSamples` seconds. The arrays
   * may be reused as soon as the call returns.
   */
  append(
    streamName: string,
    samples: Float32Array,
    timestamps: Float64Array,
    nSamples: number,
  ): void {
    const track = this.#track(streamName, "numeric") as NumericTrack;
    if (!Number.isSafeInteger(nSamples) || nSamples < 0) {
      throw new TypeError(
        `stream ${streamName}: nSamples must be a non-negative integer, received ${nSamples}`,
      );
    }
    if (samples.length < nSamples * track.nChannels) {
      throw new TypeError(
        `stream ${streamName}: samples has ${samples.length} values, fewer than ${nSamples} samples × ${track.nChannels} channels`,
      );
    }
    if (timestamps.length < nSamples) {
      throw new TypeError(
        `stream ${streamName}: timestamps has ${timestamps.length} values, fewer than the ${nSamples} samples`,
      );
    }
    track.data.append(samples, nSamples);
    track.timestamps.append(timestamps, nSamples);
    if (track.data.hasCompletedChunks) {
      this.#queueFlush();
    }
  }

  /** Copies events of a marker stream: one timestamp in seconds per value. */
  appendMarkers(
    streamName: string,
    values: readonly string[],
    timestamps: ArrayLike<number>,
  ): void {
    const track = this.#track(streamName, "marker") as MarkerTrack;
    if (values.length !== timestamps.length) {
      throw new TypeError(
        `stream ${streamName}: ${values.length} marker values but ${timestamps.length} timestamps`,
      );
    }
    values.forEach((value, index) => {
      track.events.push({ timestampS: timestamps[index] as number, value: String(value) });
    });
  }

  /**
   * Records that from `timestampS` (seconds on the recording's clock) on, class `classIndex` is
   * cued, or no class when it is null.
   */
  addLabel(timestampS: number, classIndex: number | null): void {
    if (this.#closing !== undefined) {
      throw new Error(
        `the session ${this.folder} is closing, so no more labels can be written to it`,
      );
    }
    if (!Number.isFinite(timestampS)) {
      throw new RangeError(
        `label timestamp must be a finite number of seconds, received ${timestampS}`,
      );
    }
    if (
      classIndex !== null &&
      (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= this.classNames.length)
    ) {
      throw new RangeError(
        `classIndex must be null or an integer from 0 to ${this.classNames.length - 1} (class names: ` +
          `${this.classNames.join(", ") || "none"}), received ${classIndex}`,
      );
    }
    this.#labels.push({ timestampS, classIndex });
    this.#labelsDirty = true;
    this.#queueFlush();
  }

  /** Writes everything appended so far and resolves once it is on disk. Rejects on a write error. */
  flush(): Promise<void> {
    const run = this.#queue.then(() => this.#flushNow());
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #queueFlush(): void {
    if (this.#flushQueued) {
      return;
    }
    this.#flushQueued = true;
    this.flush().catch(() => undefined);
  }

  #scheduleTimer(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#queueFlush();
      this.#queue.then(() => {
        if (this.#closing === undefined) {
          this.#scheduleTimer();
        }
      });
    }, this.flushIntervalMs);
    this.#timer.unref();
  }

  async #flushNow(): Promise<void> {
    this.#flushQueued = false;
    try {
      for (const [name, track] of this.#tracks) {
        if (track.kind === "numeric") {
          // Both arrays declare the same row count, so a killed process leaves them equal.
          const nRows = track.data.rowsAppended;
          await track.data.flush(nRows);
          await track.timestamps.flush(nRows);
        } else if (track.writtenCount !== track.events.length) {
          const count = track.events.length;
          await writeFileAtomic(
            join(this.folder, `${name}_markers.json`),
            formatMarkers(track.events.slice(0, count)),
          );
          track.writtenCount = count;
        }
      }
      if (this.#labelsDirty) {
        this.#labelsDirty = false;
        try {
          await writeFileAtomic(join(this.folder, "labels.json"), formatLabels(this.#labels));
        } catch (error) {
          this.#labelsDirty = true;
          throw error;
        }
      }
    } catch (cause) {
      const error = new Error(
        `Failed to write the session ${this.folder}: ${(cause as Error).message}`,
        { cause },
      );
      this.#error = error;
      this.emit("error", error, () => undefined);
      throw error;
    }
  }

  /**
   * Stops the writer and deletes its session folder, for a recording that failed to start.
   * Throws when samples or markers were already appended, because those must be kept: call
   * {@link SessionWriter.close} instead.
   */
  async discard(): Promise<void> {
    const appended = [...this.#tracks.values()].some((track) =>
      track.kind === "numeric" ? track.data.rowsAppended > 0 : track.events.length > 0,
    );
    if (appended) {
      throw new Error(`the session ${this.folder} already contains data; close it instead of discarding it`);
    }
    const discarded = Promise.reject(new Error(`the session ${this.folder} was discarded`));
    discarded.catch(() => undefined);
    this.#closing ??= discarded;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    await this.#queue;
    await rm(this.folder, { recursive: true, force: true });
  }

  /**
   * Stops accepting data, writes everything appended before the call, packs the folder into
   * `<root>/<name>.session.zip`, reopens the archive to check that every stream contains what was
   * appended, and only then removes the folder. When writing or checking fails, the folder is
   * kept and the returned promise rejects with an error that names the folder with the data.
   * Later calls return the same promise.
   */
  close(): Promise<SessionWriterResult> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<SessionWriterResult> {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    try {
      await this.flush();
    } catch (error) {
      throw new Error(
        `${(error as Error).message}. The session is incomplete; what was written so far is in ${this.folder}.`,
        { cause: error },
      );
    }

    const expected: Record<string, number> = {};
    for (const [name, track] of this.#tracks) {
      expected[name] = track.kind === "numeric" ? track.data.rowsAppended : track.events.length;
    }
    const archivePath = join(this.root, `${this.name}.session.zip`);
    await packFolder(this.folder, archivePath);

    const problems: string[] = [];
    try {
      const session = await openSession(archivePath);
      for (const [name, count] of Object.entries(expected)) {
        const found = session.streams.find((stream) => stream.name === name)?.nSamples;
        if (found !== count) {
          problems.push(`stream ${name} contains ${found ?? "no"} samples instead of ${count}`);
        }
      }
      if (session.labels.length !== this.#labels.length) {
        problems.push(
          `labels.json contains ${session.labels.length} labels instead of ${this.#labels.length}`,
        );
      }
    } catch (error) {
      problems.push((error as Error).message);
    }
    if (problems.length > 0) {
      await unlink(archivePath).catch(() => undefined);
      throw new Error(
        `The archive ${archivePath} did not match the recording (${problems.join("; ")}), so it was deleted. ` +
          `The recorded data is in ${this.folder}.`,
      );
    }
    await rm(this.folder, { recursive: true, force: true });
    return { archivePath, folder: this.folder, nSamples: expected };
  }
}
