import { systemClock, type Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import { Stream, type StreamOptions } from "../stream/stream.js";
import { Context } from "./context.js";
import { Recording, type RecordingOptions, type RecordingSummary } from "./recording.js";
import { installSignalHandlers } from "./signals.js";

/** A function run at the start or the end of {@link App.run}. */
export type Hook = () => void | Promise<void>;

/** Options of {@link App}. */
export interface AppOptions {
  /** Name shown in the panel and written to recordings as `app_name`. */
  readonly name: string;
  /** Names of the classes the person is cued to perform, by class index. Default none. */
  readonly classNames?: readonly string[];
  /** Time source for streams, loops and logs. Default the system's monotonic clock. */
  readonly clock?: Clock;
  /** Lines the operator's log keeps. Default 1000. */
  readonly logCapacity?: number;
}

/** Options of {@link App.run}. */
export interface RunOptions {
  /** Run without serving a panel, for scripts and tests. Default false. */
  readonly headless?: boolean;
  /**
   * On SIGINT or SIGTERM, finalise the open recording, stop the sources, run the cleanup hooks
   * and exit with 128 + the signal number. Default true.
   */
  readonly handleSignals?: boolean;
}

/** Result of a recording request: done, or refused with the reason also put on the status line. */
export type RecordingResult<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly reason: string };

/**
 * A decoding app: named streams fed by sources, a state machine, recordings, and hooks for
 * the parts built on top (the pipeline, the panel).
 *
 * ```ts
 * const app = new App({ name: "Gestures", classNames: ["Rest", "Fist"] });
 * app.addStream({ name: "emg", source: new SyntheticEmgSource({ channels: 8, sampleRateHz: 2000 }) });
 * await app.run({ headless: true });
 * ```
 */
export class App {
  readonly name: string;
  readonly classNames: readonly string[];
  readonly clock: Clock;
  readonly ctx: Context;
  /** Hooks run in order when {@link App.run} starts, before the sources start. */
  readonly beforeRun: Hook[] = [];
  /** Hooks run in order when the app stops, after the sources stopped. */
  readonly cleanup: Hook[] = [];
  readonly #streams = new Map<string, Stream>();
  #running = false;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #resolveRun: (() => void) | undefined;
  #pendingRecording: Promise<unknown> | undefined;
  #removeSignalHandlers: (() => void) | undefined;

  constructor(options: AppOptions) {
    if (typeof options?.name !== "string" || options.name.trim() === "") {
      throw new TypeError(`App needs a non-empty name, received ${JSON.stringify(options?.name)}`);
    }
    this.name = options.name;
    this.classNames = [...(options.classNames ?? [])];
    this.clock = options.clock ?? systemClock;
    this.ctx = new Context(this.clock, this.#streams, options.logCapacity);
    this.ctx.on("cue", (classIndex) => this.ctx.recording?.addLabel(classIndex));
  }

  /** Whether the app has started and not yet stopped. */
  get running(): boolean {
    return this.#running;
  }

  /** Adds a stream; when the app is already running its source starts at once. */
  addStream(options: StreamOptions): Stream {
    if (this.#streams.has(options.name)) {
      throw new TypeError(`a stream named "${options.name}" already exists; stream names must be unique`);
    }
    const ctx = this.ctx;
    const stream = new Stream(options, {
      clock: this.clock,
      get cue() {
        return ctx.cue;
      },
      setCue: (classIndex) => {
        ctx.cue = classIndex;
      },
      log: (text) => ctx.log(text),
    });
    this.#streams.set(stream.name, stream);
    if (this.#running) {
      void stream.start();
    }
    return stream;
  }

  /** Returns the stream named `name`, or throws a RangeError that lists the stream names. */
  stream(name: string): Stream {
    const stream = this.#streams.get(name);
    if (stream === undefined) {
      const names = [...this.#streams.keys()].join(", ") || "none";
      throw new RangeError(`no stream named "${name}"; streams: ${names}`);
    }
    return stream;
  }

  /**
   * Runs the `beforeRun` hooks and starts every stream. Resolves once all sources were opened;
   * calls while starting or running return the same promise.
   */
  start(): Promise<void> {
    this.#starting ??= this.#startUp();
    return this.#starting;
  }

  async #startUp(): Promise<void> {
    this.#running = true;
    this.#stopping = undefined;
    for (const hook of this.beforeRun) {
      await hook();
    }
    await Promise.all([...this.#streams.values()].map((stream) => stream.start()));
    this.ctx.log(`${this.name} started`);
  }

  /**
   * Starts the app and resolves when it has stopped (through {@link App.stop} or a signal).
   * This version serves no panel: `headless` only states the intent for now.
   */
  async run(options: RunOptions = {}): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.#resolveRun = resolve;
    });
    if (options.handleSignals ?? true) {
      this.#removeSignalHandlers = installSignalHandlers((signal) => {
        this.ctx.log(`Received ${signal}; stopping`);
        return this.stop();
      });
    }
    await this.start();
    await stopped;
  }

  /**
   * Stops every source, finalises an open recording, runs the `cleanup` hooks and ends
   * {@link App.run}. Calling it again returns the same promise.
   */
  stop(): Promise<void> {
    if (this.#starting === undefined) {
      return this.#stopping ?? Promise.resolve();
    }
    this.#stopping ??= this.#starting.then(() => this.#shutDown());
    return this.#stopping;
  }

  /**
   * Starts recording every opened stream into a new session under `options.folder`. Refused,
   * with the reason on the status line, unless the app is idle and at least one stream has opened.
   */
  async startRecording(options: RecordingOptions): Promise<RecordingResult<{ folder: string }>> {
    const chosen = [...this.#streams.values()].filter(
      (stream) => stream.info !== undefined && (options.streams === undefined || options.streams.includes(stream.name)),
    );
    const missing = (options.streams ?? []).filter((name) => !chosen.some((stream) => stream.name === name));
    if (missing.length > 0) {
      return this.#refuse(`Cannot record: no open stream named ${missing.join(", ")}`);
    }
    if (chosen.length === 0) {
      return this.#refuse("Cannot record: no stream has opened yet; start the app first");
    }
    const moved = this.ctx.transition("recording");
    if (!moved.ok) {
      return moved;
    }
    const opening = Recording.open(chosen, {
      ...options,
      appName: this.name,
      classNames: options.classNames ?? this.classNames,
      clock: this.clock,
      cue: this.ctx.cue,
      onWriteError: (error) => {
        const text = `Writing the recording failed, will retry: ${error.message}`;
        this.ctx.statusMessage = text;
        this.ctx.log(text);
      },
    });
    this.#pendingRecording = opening.catch(() => undefined);
    let recording: Recording;
    try {
      recording = await opening;
    } catch (error) {
      this.ctx.transition("idle");
      return this.#refuse(`Recording failed to start: ${errorMessage(error)}`);
    }
    this.ctx.setRecording(recording);
    this.ctx.statusMessage = `Recording to ${recording.folder}`;
    this.ctx.log(`Recording started in ${recording.folder}`);
    return { ok: true, folder: recording.folder };
  }

  /**
   * Stops the recording: everything accepted so far is written, the folder is packed to
   * `<name>.session.zip` and checked, and the state returns to idle. Refused unless recording.
   */
  async stopRecording(): Promise<RecordingResult<RecordingSummary>> {
    await this.#pendingRecording;
    const recording = this.ctx.recording;
    if (this.ctx.state !== "recording" || recording === null) {
      return this.#refuse(`Cannot stop recording while ${this.ctx.state}`);
    }
    this.ctx.setRecording(null);
    this.ctx.transition("idle");
    this.ctx.statusMessage = "Saving session...";
    try {
      const summary = await recording.close();
      this.ctx.statusMessage = `Saved ${summary.archivePath}`;
      this.ctx.log(`Recording saved to ${summary.archivePath} (${summary.durationS.toFixed(1)} s)`);
      return { ok: true, ...summary };
    } catch (error) {
      return this.#refuse(`Saving the recording failed: ${errorMessage(error)}`);
    }
  }

  #refuse(reason: string): { ok: false; reason: string } {
    this.ctx.statusMessage = reason;
    this.ctx.log(reason);
    return { ok: false, reason };
  }

  async #shutDown(): Promise<void> {
    // Sources stop first, so every sample a stream accepted while recording reaches the session.
    await Promise.all([...this.#streams.values()].map((stream) => stream.stop()));
    await this.#pendingRecording;
    if (this.ctx.recording !== null) {
      await this.stopRecording();
    }
    for (const hook of this.cleanup) {
      try {
        await hook();
      } catch (error) {
        this.ctx.log(`A cleanup hook failed: ${errorMessage(error)}`);
      }
    }
    this.#removeSignalHandlers?.();
    this.#removeSignalHandlers = undefined;
    this.#running = false;
    this.#starting = undefined;
    this.ctx.log(`${this.name} stopped`);
    this.#resolveRun?.();
  }
}
