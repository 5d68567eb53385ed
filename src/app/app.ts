import { systemClock, type Clock } from "../core/clock.js";
import { errorMessage } from "../core/errors.js";
import { Stream } from "../stream/stream.js";
import type { StreamOptions } from "../stream/stream-types.js";
import { Context } from "./context.js";
import { Recording, type RecordingOptions, type RecordingSummary } from "./recording.js";
import { panelStarter, type PanelHandle, type PanelRunOptions } from "./panel-host.js";
import { installSignalHandlers } from "./signals.js";
import type { Ui } from "../ui/ui.js";

/** A function run at the start or the end of {@link App.run}. */
export type Hook = () => void | Promise<void>;

/** Options of {@link App}. */
export interface AppOptions {
  /** Name shown in the panel and written to recordings as `app_name`. */
  readonly name: string;
  /**
   * Names of the classes the person is cued to perform, by class index. When given, the cue
   * must be one of their indices. Default none.
   */
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
  /** Address and frame rate of the panel. */
  readonly panel?: PanelRunOptions;
  /** Receives the panel's address line and warnings. Default: standard output. */
  readonly print?: (line: string) => void;
  /**
   * On SIGINT or SIGTERM, stop the sources, finalise the open recording, run the cleanup hooks
   * and exit with 128 + the signal number. Default true.
   */
  readonly handleSignals?: boolean;
}

/** Result of a recording request: done, or refused with the reason also put on the status line. */
export type RecordingResult<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly reason: string };

type Phase = "stopped" | "starting" | "running" | "stopping";

interface PendingLabel {
  readonly classIndex: number | null;
  readonly timestampS: number;
}

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
  /** Hooks run in order when the app starts, before the sources start. */
  readonly beforeRun: Hook[] = [];
  /** Hooks run in order when the app stops, after the sources stopped and the recording was saved. */
  readonly cleanup: Hook[] = [];
  readonly #streams = new Map<string, Stream>();
  #phase: Phase = "stopped";
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #running: Promise<void> | undefined;
  #resolveRun: (() => void) | undefined;
  #removeSignalHandlers: (() => void) | undefined;
  /** Settles when the recording being opened is open or failed to open. */
  #opening: Promise<void> | undefined;
  /** Cue changes made while a recording opens, written to it once it is open. */
  #pendingLabels: PendingLabel[] | undefined;
  #openingClassNames: readonly string[] | undefined;
  /** Settles when the recording being saved is saved or failed to save. */
  #closing: Promise<void> | undefined;
  readonly #reportedCueProblems = new Set<string>();
  #draw: ((ui: Ui) => void) | undefined;
  #panel: PanelHandle | undefined;

  constructor(options: AppOptions) {
    if (typeof options?.name !== "string" || options.name.trim() === "") {
      throw new TypeError(`App needs a non-empty name, received ${JSON.stringify(options?.name)}`);
    }
    this.name = options.name;
    this.classNames = [...(options.classNames ?? [])];
    this.clock = options.clock ?? systemClock;
    this.ctx = new Context(this.clock, this.#streams, options.logCapacity, (classIndex) => this.#cueProblem(classIndex));
    this.ctx.on("cue", (change) => {
      if (this.#pendingLabels !== undefined) {
        this.#pendingLabels.push(change);
      } else {
        this.ctx.recording?.addLabel(change.classIndex, change.timestampS);
      }
    });
  }

  /**
   * Sets the panel's `ui` callback, run once per frame while a browser is connected; the widget
   * functions it calls build the panel. Without one the panel shows the status, streams and log.
   */
  ui(draw: (ui: Ui) => void): void {
    if (typeof draw !== "function") {
      throw new TypeError("app.ui expects a function that draws the panel");
    }
    this.#draw = draw;
  }

  /** Address of the served panel, with its token, while it runs. */
  get panelUrl(): string | undefined {
    return this.#panel?.url;
  }

  /** Whether the app is starting or running, and not stopping. */
  get running(): boolean {
    return this.#phase === "starting" || this.#phase === "running";
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
      setCue: (classIndex, timestampS) => this.#setCueFromSource(options.name, classIndex, timestampS),
      log: (text) => ctx.log(text),
    });
    this.#streams.set(stream.name, stream);
    if (this.#phase === "running") {
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
   * calls while starting or running return the same promise, and a call while stopping starts
   * the app again once it has stopped. A hook that throws leaves the app stopped and rejects.
   */
  start(): Promise<void> {
    if (this.#stopping !== undefined) {
      return this.#stopping.then(() => this.start());
    }
    if (this.#starting === undefined) {
      const starting = this.#startUp();
      this.#starting = starting;
      starting.catch(() => {
        if (this.#starting === starting) {
          this.#starting = undefined;
        }
      });
    }
    return this.#starting;
  }

  /**
   * Starts the app, serves its panel on 127.0.0.1 (unless `headless`) and prints the address
   * with its access token, and resolves when the app has stopped (through {@link App.stop} or a
   * signal). A second call while running returns the same promise.
   */
  run(options: RunOptions = {}): Promise<void> {
    this.#running ??= this.#runUntilStopped(options);
    return this.#running;
  }

  /**
   * Stops every source, saves an open recording (or waits for one being saved), runs the
   * `cleanup` hooks and ends {@link App.run}. Calls while stopping return the same promise.
   */
  stop(): Promise<void> {
    if (this.#stopping !== undefined) {
      return this.#stopping;
    }
    const starting = this.#starting;
    if (starting === undefined) {
      return Promise.resolve();
    }
    this.#phase = "stopping";
    this.#stopping = starting
      .catch(() => undefined)
      .then(() => this.#shutDown())
      .finally(() => {
        this.#stopping = undefined;
      });
    return this.#stopping;
  }

  /**
   * Starts recording every opened stream into a new session under `options.folder`. Refused,
   * with the reason on the status line, unless the app is running and idle and at least one
   * stream has opened. Cue changes made while the session is being created are labelled too.
   */
  async startRecording(options: RecordingOptions): Promise<RecordingResult<{ folder: string }>> {
    if (this.#phase !== "running") {
      return this.#refuse(`Cannot record while the app is ${this.#phase}; call app.start() or app.run() first`);
    }
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
    const classNames = options.classNames ?? this.classNames;
    const cue = this.ctx.cue;
    if (cue !== null && cue >= classNames.length) {
      return this.#refuse(
        `Cannot record: the cue is class ${cue} but the recording has ${classNames.length} class names; pass classNames`,
      );
    }
    const moved = this.ctx.transition("recording");
    if (!moved.ok) {
      return moved;
    }

    this.#pendingLabels = [];
    this.#openingClassNames = classNames;
    const opening = Recording.open(chosen, {
      ...options,
      appName: this.name,
      classNames,
      clock: this.clock,
      cue,
      startedS: this.clock.now(),
      onWriteError: (error) => this.#report(`Writing the recording failed, will retry: ${error.message}`),
      log: (text) => this.ctx.log(text),
    });
    this.#opening = opening.then(
      () => undefined,
      () => undefined,
    );
    let recording: Recording;
    try {
      recording = await opening;
    } catch (error) {
      this.ctx.transition("idle");
      return this.#refuse(`Recording failed to start: ${errorMessage(error)}`);
    } finally {
      this.#opening = undefined;
      this.#openingClassNames = undefined;
    }
    for (const label of this.#pendingLabels ?? []) {
      recording.addLabel(label.classIndex, label.timestampS);
    }
    this.#pendingLabels = undefined;
    this.ctx.setRecording(recording);
    this.#report(`Recording to ${recording.folder}`);
    return { ok: true, folder: recording.folder };
  }

  /**
   * Stops the recording: everything accepted so far is written, the folder is packed to
   * `<name>.session.zip` and checked, and the state returns to idle. Refused unless recording.
   */
  async stopRecording(): Promise<RecordingResult<RecordingSummary>> {
    await this.#opening;
    const recording = this.ctx.recording;
    if (this.ctx.state !== "recording" || recording === null) {
      return this.#refuse(`Cannot stop recording while ${this.ctx.state}`);
    }
    this.ctx.setRecording(null);
    this.ctx.transition("idle");
    this.ctx.statusMessage = "Saving session...";
    const closing = recording.close();
    const settled = closing.then(
      () => undefined,
      () => undefined,
    );
    this.#closing = settled;
    try {
      const summary = await closing;
      this.ctx.statusMessage = `Saved ${summary.archivePath}`;
      this.ctx.log(`Recording saved to ${summary.archivePath} (${summary.durationS.toFixed(1)} s)`);
      return { ok: true, ...summary };
    } catch (error) {
      return this.#refuse(`Saving the recording failed: ${errorMessage(error)}`);
    } finally {
      if (this.#closing === settled) {
        this.#closing = undefined;
      }
    }
  }

  async #startUp(): Promise<void> {
    this.#phase = "starting";
    try {
      for (const hook of this.beforeRun) {
        await hook();
      }
    } catch (error) {
      this.#phase = "stopped";
      this.ctx.log(`A beforeRun hook failed, so ${this.name} did not start: ${errorMessage(error)}`);
      throw error;
    }
    await Promise.all([...this.#streams.values()].map((stream) => stream.start()));
    if (this.#phase === "starting") {
      this.#phase = "running";
    }
    this.ctx.log(`${this.name} started`);
  }

  async #runUntilStopped(options: RunOptions): Promise<void> {
    const stopped = new Promise<void>((resolve) => {
      this.#resolveRun = resolve;
    });
    if (options.handleSignals ?? true) {
      this.#removeSignalHandlers = installSignalHandlers((signal) => {
        this.ctx.log(`Received ${signal}; stopping`);
        return this.stop();
      });
    }
    try {
      await this.start();
      if (options.headless !== true) {
        const start = panelStarter();
        if (start === undefined) {
          throw new Error('the panel is not loaded; import App from "myogestic", or run with { headless: true }');
        }
        const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
        this.#panel = await start(this, this.#draw as never, options.panel ?? {});
        for (const warning of this.#panel.warnings) {
          print(`WARNING: ${warning}`);
        }
        print(`Panel: ${this.#panel.url}`);
      }
      await stopped;
    } catch (error) {
      await this.stop();
      throw error;
    } finally {
      this.#removeSignalHandlers?.();
      this.#removeSignalHandlers = undefined;
      this.#resolveRun = undefined;
      this.#running = undefined;
    }
  }

  async #shutDown(): Promise<void> {
    const panel = this.#panel;
    this.#panel = undefined;
    await panel?.stop();
    // Sources stop first, so every sample a stream accepted while recording reaches the session.
    await Promise.all([...this.#streams.values()].map((stream) => stream.stop()));
    await this.#opening;
    if (this.ctx.recording !== null) {
      await this.stopRecording();
    }
    await this.#closing;
    for (const hook of this.cleanup) {
      try {
        await hook();
      } catch (error) {
        this.ctx.log(`A cleanup hook failed: ${errorMessage(error)}`);
      }
    }
    this.#phase = "stopped";
    this.#starting = undefined;
    this.ctx.log(`${this.name} stopped`);
    this.#resolveRun?.();
  }

  #cueProblem(classIndex: number): string | undefined {
    const recording = this.ctx.recording;
    const classNames = recording?.classNames ?? this.#openingClassNames ?? this.classNames;
    const recordingNow = recording !== null || this.#openingClassNames !== undefined;
    if (classIndex < classNames.length || (classNames.length === 0 && !recordingNow)) {
      return undefined;
    }
    const names = classNames.length === 0 ? "no class names" : `classes ${classNames.join(", ")}`;
    return `cue ${classIndex} is not a class index: ${recordingNow ? "the recording" : this.name} has ${names}`;
  }

  #setCueFromSource(streamName: string, classIndex: number | null, timestampS?: number): void {
    try {
      this.ctx.setCue(classIndex, timestampS);
    } catch (error) {
      if (!(error instanceof RangeError)) {
        throw error;
      }
      if (!this.#reportedCueProblems.has(error.message)) {
        this.#reportedCueProblems.add(error.message);
        this.ctx.log(`Stream ${streamName}: cue ignored: ${error.message}`);
      }
    }
  }

  #report(text: string): void {
    this.ctx.statusMessage = text;
    this.ctx.log(text);
  }

  #refuse(reason: string): { ok: false; reason: string } {
    this.#report(reason);
    return { ok: false, reason };
  }
}
