import type { App } from "../app/app.js";
import { errorMessage } from "../core/errors.js";
import { TypedEmitter } from "../core/events.js";
import type { TransitionResult } from "../core/state.js";
import type { TrainingData } from "../session/training-data.js";
import type { StreamWindow } from "../stream/stream-types.js";
import { FixedRateLoop, type LoopStats } from "./loop.js";
import {
  PIPELINE_DEFAULTS,
  PipelineState,
  type ExtractFn,
  type LoadModelFn,
  type PipelineEvents,
  type PipelineOptions,
  type PredictFn,
  type SaveModelFn,
  type TrainContext,
  type TrainFn,
  type TrainModule,
  type TrainProgress,
} from "./pipeline-types.js";
import { runTrainModule } from "./train-runner.js";
import { countNonFinite } from "./non-finite.js";

/** Lines `trainLog` keeps; older lines are dropped. */
export const TRAIN_LOG_CAPACITY = 5000;

/** Distinct errors the pipeline logs before it stops logging new ones. */
const MAX_DISTINCT_ERRORS = 100;

/**
 * The ML lifecycle of an app: extract, train and predict callbacks, the model, the predict loop
 * and the `training` and `predicting` states.
 *
 * The constructor opens the two states on the app and registers the predict loop on its hook
 * lists: the loop starts with `beforeRun` and stops with `cleanup`. The loop ticks at
 * `predictHz` against absolute deadlines but works only while the state is `predicting` and a
 * model is set. Each tick reads each stream's newest window of its `windowMs`, then calls the
 * extract callback on them and the predict callback on the model and the features. A plain-object result
 * replaces {@link Pipeline.predictions}; any other result is dropped, the previous prediction
 * stays, and the app log says so once. A callback that throws sets the status line and is logged
 * once per distinct error, and the loop goes on.
 */
export class Pipeline extends TypedEmitter<PipelineEvents> {
  readonly app: App;
  readonly predictHz: number;
  /** The trained or loaded model, forwarded to every predict call; `undefined` when none. */
  model: unknown = undefined;
  /** The newest plain-object prediction. */
  predictions: Readonly<Record<string, unknown>> = {};
  /** Sessions and classes the next training uses. */
  trainingData: TrainingData | undefined = undefined;
  /** Called by the Save button as `saveModel(model, path)`. */
  saveModel: SaveModelFn | undefined = undefined;
  /** Called by the Load button as `loadModel(path)`; the result becomes `model`. */
  loadModel: LoadModelFn | undefined = undefined;
  readonly #trainLog: string[] = [];
  readonly #loop: FixedRateLoop;
  #extract: ExtractFn | undefined;
  #train: TrainFn | TrainModule | undefined;
  #predict: PredictFn | undefined;
  #training: Promise<void> | undefined;
  #progress: TrainProgress | undefined;
  #cancelTraining: ((reason: string) => void) | undefined;
  #droppedReported = false;
  #nonFiniteReported = false;
  readonly #reportedErrors = new Set<string>();

  constructor(app: App, options: PipelineOptions = {}) {
    super();
    const predictHz = options.predictHz ?? PIPELINE_DEFAULTS.predictHz;
    if (typeof predictHz !== "number" || Number.isNaN(predictHz) || predictHz === Number.POSITIVE_INFINITY) {
      throw new RangeError(`predictHz must be a finite number (0 or less runs uncapped), received ${predictHz}`);
    }
    this.app = app;
    this.predictHz = predictHz;
    app.ctx.addTransitions([
      { from: "idle", to: PipelineState.TRAINING },
      { from: PipelineState.TRAINING, to: "idle" },
      { from: "idle", to: PipelineState.PREDICTING },
      { from: PipelineState.PREDICTING, to: "idle" },
    ]);
    this.#loop = new FixedRateLoop({ rateHz: predictHz, clock: app.clock, tick: () => this.tick() });
    app.beforeRun.push(() => this.#loop.start());
    app.cleanup.push(async () => {
      this.#loop.stop();
      // Training on a worker is stopped; a function's training cannot be, so it is not awaited.
      const cancel = this.#cancelTraining;
      if (cancel !== undefined) {
        cancel("training was cancelled because the app stopped");
        await this.whenTrainingDone();
      }
    });
  }

  /** Registers the feature-extraction callback and returns it. */
  extract<F extends ExtractFn>(fn: F): F {
    this.#extract = checkCallback("extract", fn);
    return fn;
  }

  /**
   * Registers the training callback and returns it: a function, awaited on the main thread, or
   * `{ module }` naming a module whose default export is the train function, run on a worker.
   */
  train<T extends TrainFn | TrainModule>(fnOrModule: T): T {
    if (typeof fnOrModule !== "function" && !(typeof fnOrModule === "object" && fnOrModule !== null && "module" in fnOrModule)) {
      throw new TypeError("train expects a function or { module: URL or path of a module whose default export trains }");
    }
    this.#train = fnOrModule;
    return fnOrModule;
  }

  /** Registers the predict callback and returns it. */
  predict<F extends PredictFn>(fn: F): F {
    this.#predict = checkCallback("predict", fn);
    return fn;
  }

  get hasExtract(): boolean {
    return this.#extract !== undefined;
  }

  get hasTrain(): boolean {
    return this.#train !== undefined;
  }

  get hasPredict(): boolean {
    return this.#predict !== undefined;
  }

  /** Lines written by the last training runs, oldest first (at most {@link TRAIN_LOG_CAPACITY}). */
  get trainLog(): readonly string[] {
    return this.#trainLog;
  }

  /** The predict loop's tick count, rate and lateness. */
  /** Forgets the predict loop's statistics so far, so {@link Pipeline.loopStats} covers what follows. */
  resetLoopStats(): void {
    this.#loop.resetStats();
  }

  get loopStats(): LoopStats {
    return this.#loop.stats;
  }

  /** Latest progress of the training in progress, or undefined when none reported any. */
  get trainProgress(): TrainProgress | undefined {
    return this.#training === undefined ? undefined : this.#progress;
  }

  /** Resolves when the training in progress ends (at once when none runs). */
  whenTrainingDone(): Promise<void> {
    return this.#training ?? Promise.resolve();
  }

  /**
   * Starts training on {@link Pipeline.trainingData}. Refused, with its own status message,
   * unless the state is idle, a train callback is registered and the training data is set and
   * not empty. The state is `training` until the callback ends, and `idle` afterwards whatever
   * happened; its result becomes {@link Pipeline.model}.
   */
  startTraining(): TransitionResult {
    const ctx = this.app.ctx;
    let reason: string | undefined;
    if (ctx.state !== "idle") {
      reason = `Cannot train while ${ctx.state}`;
    } else if (this.#train === undefined) {
      reason = "Cannot train: no train callback is registered; call pipeline.train(fn)";
    } else if (this.trainingData === undefined || this.trainingData.isEmpty) {
      reason = "Cannot train: no training data; select sessions and classes first";
    }
    if (reason !== undefined) {
      ctx.statusMessage = reason;
      return { ok: false, reason };
    }
    const moved = ctx.transition(PipelineState.TRAINING);
    if (!moved.ok) {
      return moved;
    }
    const data = this.trainingData as TrainingData;
    const train = this.#train as TrainFn | TrainModule;
    ctx.statusMessage = "Training...";
    this.#appendTrainLog(`Training on ${data.paths.length} sessions, classes ${data.classes.map((c) => data.classNames[c]).join(", ")}`);
    this.#progress = undefined;
    this.#training = this.#runTraining(train, data);
    return { ok: true };
  }

  /** Starts the predict loop's work. Refused unless idle with a model loaded. */
  startPredicting(): TransitionResult {
    const ctx = this.app.ctx;
    if (ctx.state !== "idle") {
      return this.#refuse(`Cannot predict while ${ctx.state}`);
    }
    if (this.model === undefined) {
      return this.#refuse("Cannot predict: no model is loaded; train or load one first");
    }
    const moved = ctx.transition(PipelineState.PREDICTING);
    if (moved.ok) {
      ctx.statusMessage = "Predicting";
      ctx.log("Predicting started");
    }
    return moved;
  }

  /** Returns to idle, pausing the predict loop. Refused unless predicting. */
  stopPredicting(): TransitionResult {
    const ctx = this.app.ctx;
    if (ctx.state !== PipelineState.PREDICTING) {
      return this.#refuse(`Cannot stop predicting while ${ctx.state}`);
    }
    const moved = ctx.transition("idle");
    if (moved.ok) {
      ctx.statusMessage = "Stopped predicting";
      ctx.log("Predicting stopped");
    }
    return moved;
  }

  /**
   * Runs one tick of the predict loop: nothing unless predicting with a model and both
   * callbacks, and otherwise extraction from the newest windows and a prediction. The loop calls it;
   * tests may call it directly.
   */
  tick(): void {
    const extract = this.#extract;
    const predict = this.#predict;
    if (this.app.ctx.state !== PipelineState.PREDICTING || this.model === undefined || extract === undefined || predict === undefined) {
      return;
    }
    const windows: Record<string, StreamWindow> = {};
    for (const [name, stream] of this.app.ctx.streams) {
      if (stream.kind !== "numeric") {
        continue;
      }
      const window = stream.getWindow();
      if (window.nSamples > 0) {
        windows[name] = window;
      }
    }
    let result: unknown;
    try {
      const features = extract(windows);
      const nonFinite = countNonFinite(features);
      if (nonFinite > 0) {
        if (!this.#nonFiniteReported) {
          this.#nonFiniteReported = true;
          this.app.ctx.log(`The extracted features hold ${nonFinite} NaN or infinite values, so no prediction is made until they are finite again`);
        }
        return;
      }
      this.#nonFiniteReported = false;
      result = predict(this.model, features);
    } catch (error) {
      this.#reportTickError(error);
      return;
    }
    if (isThenable(result)) {
      // An async predict callback: its value comes too late for this tick, and a rejection must
      // not go unhandled.
      result.then(undefined, (error: unknown) => this.#reportTickError(error));
    }
    if (!isPlainObject(result)) {
      if (!this.#droppedReported) {
        this.#droppedReported = true;
        this.app.ctx.log(
          `predict returned ${describe(result)}, not a plain object; it was dropped and the previous prediction kept (said once)`,
        );
      }
      return;
    }
    this.predictions = result;
    this.emit("prediction", result, (error) => this.#reportTickError(error));
  }

  async #runTraining(train: TrainFn | TrainModule, data: TrainingData): Promise<void> {
    const ctx = this.app.ctx;
    const context: TrainContext = {
      log: (line) => {
        this.#appendTrainLog(String(line));
        ctx.log(`Training: ${String(line)}`);
      },
      progress: (fraction, message = "") => {
        const percent = Math.round(Math.min(1, Math.max(0, Number(fraction) || 0)) * 100);
        ctx.statusMessage = `Training... ${percent} %${message === "" ? "" : ` ${message}`}`;
        this.#progress = { fraction: percent / 100, message };
        this.emit("trainProgress", this.#progress, (error) => this.#reportListenerError("trainProgress", error));
      },
    };
    ctx.log("Training started");
    let outcome: { ok: boolean; error?: Error } = { ok: false };
    try {
      // Yield first, so startTraining returns before any training work runs.
      await new Promise<void>((resolve) => setImmediate(resolve));
      let model: unknown;
      if (typeof train === "function") {
        model = await train(data, context);
      } else {
        const run = runTrainModule(train, data, context);
        this.#cancelTraining = run.cancel;
        model = await run.model;
      }
      if (model === undefined) {
        throw new TypeError("the train callback returned undefined; return the trained model");
      }
      this.model = model;
      ctx.statusMessage = "Training complete";
      this.#appendTrainLog("Training complete");
      ctx.log("Training complete");
      outcome = { ok: true };
    } catch (error) {
      const failure = error instanceof Error ? error : new Error(String(error));
      const text = `Training failed: ${failure.message}`;
      ctx.statusMessage = text;
      this.#appendTrainLog(text);
      this.#appendTrainLog(failure.stack ?? failure.message);
      ctx.log(text);
      outcome = { ok: false, error: failure };
    } finally {
      this.#cancelTraining = undefined;
      ctx.transition("idle");
      this.#training = undefined;
    }
    // Listeners hear of the outcome once the state is idle again, so they may start predicting.
    this.emit("trainingDone", outcome, (error) => this.#reportListenerError("trainingDone", error));
  }

  #appendTrainLog(line: string): void {
    this.#trainLog.push(line);
    if (this.#trainLog.length > TRAIN_LOG_CAPACITY) {
      this.#trainLog.splice(0, this.#trainLog.length - TRAIN_LOG_CAPACITY);
    }
    this.emit("trainLog", line, (error) => this.#reportListenerError("trainLog", error));
  }

  #reportListenerError(event: string, error: unknown): void {
    this.#reportOnce(`A ${event} listener failed: ${errorMessage(error)}`);
  }

  /** Logs `text` the first time it occurs; after 100 distinct texts it logs once that it stops. */
  #reportOnce(text: string): void {
    if (this.#reportedErrors.has(text)) {
      return;
    }
    if (this.#reportedErrors.size === MAX_DISTINCT_ERRORS) {
      this.#reportedErrors.add(text);
      this.app.ctx.log(`More than ${MAX_DISTINCT_ERRORS} distinct pipeline errors; further ones are not logged`);
      return;
    }
    if (this.#reportedErrors.size > MAX_DISTINCT_ERRORS) {
      return;
    }
    this.#reportedErrors.add(text);
    this.app.ctx.log(text);
  }

  #reportTickError(error: unknown): void {
    const text = `Predict loop error: ${errorMessage(error)}`;
    this.app.ctx.statusMessage = text;
    this.#reportOnce(text);
  }

  #refuse(reason: string): TransitionResult {
    this.app.ctx.statusMessage = reason;
    return { ok: false, reason };
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

function checkCallback<F>(name: string, fn: F): F {
  if (typeof fn !== "function") {
    throw new TypeError(`${name} expects a function, received ${describe(fn)}`);
  }
  return fn;
}

/** Returns whether `value` is a plain object (`{}` or `Object.create(null)`), the only accepted prediction. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") {
    return false;
  }
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

function describe(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (Array.isArray(value)) {
    return "an array";
  }
  if (typeof value === "object") {
    return `an instance of ${(value as object).constructor?.name ?? "an unknown class"}`;
  }
  return typeof value === "function" ? "a function" : `${typeof value} ${String(value)}`;
}
