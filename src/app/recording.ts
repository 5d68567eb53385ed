import type { Clock } from "../core/clock.js";
import { SessionWriter, type SessionWriterOptions } from "../session/writer.js";
import type { Stream } from "../stream/stream.js";

/** Options of `app.startRecording`. */
export interface RecordingOptions {
  /** Folder that receives the session; created when missing. */
  readonly folder: string;
  /** Session name; default `<app name>_<YYYYMMDD-HHMMSS>`, with `-2`, `-3`… when taken. */
  readonly name?: string;
  /** Class names written to `meta.json`; default the app's `classNames`. */
  readonly classNames?: readonly string[];
  /** Chunk compression on disk. Default `none`, which is fastest; `zstd` matches the Python writer. */
  readonly compression?: "none" | "zstd";
  /** Streams to record by name; default every stream that has opened. */
  readonly streams?: readonly string[];
}

/** Summary of a finished recording: its archive and the counts written. */
export interface RecordingSummary {
  /** The packed session, `<folder>/<name>.session.zip`. */
  readonly archivePath: string;
  /** Samples (or events, for marker streams) written per stream. */
  readonly nSamples: Readonly<Record<string, number>>;
  readonly durationS: number;
  readonly labelCount: number;
}

/** Settings of {@link Recording.open} that come from the app rather than the user. */
interface OpenContext {
  readonly appName: string;
  readonly classNames: readonly string[];
  readonly clock: Clock;
  /** The cue when the recording was requested, written as the first label at `startedS`. */
  readonly cue: number | null;
  /** Clock reading when the recording was requested, in seconds. */
  readonly startedS: number;
  /** Called when a background write fails; the writer keeps the data and retries. */
  readonly onWriteError: (error: Error) => void;
  readonly log: (text: string) => void;
}

/**
 * A recording in progress: it copies every chunk the recorded streams accept into a
 * {@link SessionWriter} and writes a label event for each change of the cue.
 */
export class Recording {
  readonly folder: string;
  readonly startedS: number;
  readonly classNames: readonly string[];
  readonly #writer: SessionWriter;
  readonly #clock: Clock;
  readonly #unsubscribe: (() => void)[] = [];
  #labelCount = 0;
  #closed = false;

  private constructor(writer: SessionWriter, clock: Clock, startedS: number) {
    this.#writer = writer;
    this.#clock = clock;
    this.folder = writer.folder;
    this.classNames = writer.classNames;
    this.startedS = startedS;
  }

  /** Creates the session on disk and starts copying the streams' data into it. */
  static async open(streams: readonly Stream[], options: RecordingOptions & OpenContext): Promise<Recording> {
    const specs: SessionWriterOptions["streams"] = streams.map((stream) => ({
      name: stream.name,
      kind: stream.kind ?? "numeric",
      nChannels: stream.nChannels,
      sampleRateHz: stream.sampleRateHz,
    }));
    const writer = await SessionWriter.create({
      folder: options.folder,
      appName: options.appName,
      ...(options.name === undefined ? {} : { name: options.name }),
      classNames: [...options.classNames],
      streams: specs,
      compression: options.compression ?? "none",
    });
    try {
      return Recording.#attach(writer, streams, specs, options);
    } catch (error) {
      await writer.discard().catch(() => undefined);
      throw error;
    }
  }

  static #attach(
    writer: SessionWriter,
    streams: readonly Stream[],
    specs: SessionWriterOptions["streams"],
    options: OpenContext,
  ): Recording {
    const recording = new Recording(writer, options.clock, options.startedS);
    try {
      recording.#subscribe(writer, streams, specs, options);
      if (options.cue !== null) {
        recording.addLabel(options.cue, options.startedS);
      }
    } catch (error) {
      for (const unsubscribe of recording.#unsubscribe.splice(0)) {
        unsubscribe();
      }
      throw error;
    }
    return recording;
  }

  #subscribe(
    writer: SessionWriter,
    streams: readonly Stream[],
    specs: SessionWriterOptions["streams"],
    options: OpenContext,
  ): void {
    this.#unsubscribe.push(writer.on("error", options.onWriteError));
    for (const [index, stream] of streams.entries()) {
      const nChannels = specs[index]?.nChannels ?? 0;
      let mismatchReported = false;
      this.#unsubscribe.push(
        stream.on("chunk", (chunk) => {
          // A source that reopened with another channel count cannot continue the same array.
          if (chunk.nChannels !== nChannels) {
            if (!mismatchReported) {
              mismatchReported = true;
              options.log(
                `Stream ${stream.name} now has ${chunk.nChannels} channels but the recording has ${nChannels}; ` +
                  "its chunks are not recorded until a new recording starts",
              );
            }
            return;
          }
          writer.append(stream.name, chunk.samples, chunk.timestamps, chunk.nSamples);
        }),
        stream.on("markers", (event) => writer.appendMarkers(stream.name, event.values, event.timestamps)),
      );
    }
  }

  /** Writes a label event: from `timestampS` (default now) on, class `classIndex` (or none) is cued. */
  addLabel(classIndex: number | null, timestampS: number = this.#clock.now()): void {
    if (this.#closed) {
      throw new Error(`the recording in ${this.folder} is closed; start a new one to add labels`);
    }
    this.#writer.addLabel(timestampS, classIndex);
    this.#labelCount++;
  }

  /** Number of label events written so far. */
  get labelCount(): number {
    return this.#labelCount;
  }

  /** Stops copying data, writes everything accepted so far, packs and checks the archive. */
  async close(): Promise<RecordingSummary> {
    if (this.#closed) {
      throw new Error(`the recording in ${this.folder} is already closed`);
    }
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe.splice(0)) {
      unsubscribe();
    }
    const durationS = this.#clock.now() - this.startedS;
    const result = await this.#writer.close();
    return { archivePath: result.archivePath, nSamples: result.nSamples, durationS, labelCount: this.#labelCount };
  }
}
