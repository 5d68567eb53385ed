import type { StreamWindow } from "../stream/stream-types.js";
import type { TrainingData } from "../session/training-data.js";

/** States the pipeline adds to the app; they compare equal to the strings written to `ctx.state`. */
export const PipelineState = {
  TRAINING: "training",
  PREDICTING: "predicting",
} as const;

/** `"training"` or `"predicting"`. */
export type PipelineState = (typeof PipelineState)[keyof typeof PipelineState];

/** The newest window of each stream with data, channels-first, by stream name. */
export type Windows = Readonly<Record<string, StreamWindow>>;

/** Feature extraction: windows in, whatever the model consumes out. */
export type ExtractFn<Features = unknown> = (windows: Windows) => Features;

/** Reporting functions a train callback may call while it runs. */
export interface TrainContext {
  /** Appends a line to the pipeline's `trainLog` and the app's log. */
  log(line: string): void;
  /** Reports progress as a fraction from 0 to 1, with an optional message, on the status line. */
  progress(fraction: number, message?: string): void;
}

/** Training: the selected sessions in, any model out. */
export type TrainFn<Model = unknown> = (data: TrainingData, context: TrainContext) => Model | Promise<Model>;

/** Prediction: the model and the extracted features in, a plain object of predictions out. */
export type PredictFn<Model = unknown, Features = unknown> = (model: Model, features: Features) => unknown;

/** Saving a model, as the Save button calls it: `saveModel(model, path)`. */
export type SaveModelFn = (model: unknown, path: string) => unknown;

/** Loading a model, as the Load button calls it: `loadModel(path)` returns the model. */
export type LoadModelFn = (path: string) => unknown;

/**
 * A train callback that runs on a worker thread: the module's default export is the train
 * function. The model it returns travels back in model-file form and is rebuilt on arrival.
 */
export interface TrainModule {
  readonly module: string | URL;
}

/** Options of `new Pipeline`. */
export interface PipelineOptions {
  /** Maximum predict-loop tick rate in Hz; 0 or less removes the cap. Default 50. */
  readonly predictHz?: number;
}

/** Default values of {@link PipelineOptions}. */
export const PIPELINE_DEFAULTS = { predictHz: 50 } as const;

/** Progress of a training run. */
export interface TrainProgress {
  readonly fraction: number;
  readonly message: string;
}

/** Events of a pipeline. */
export interface PipelineEvents extends Record<string, unknown> {
  /** A new plain-object prediction replaced `predictions`. */
  prediction: Readonly<Record<string, unknown>>;
  /** A line was added to `trainLog`. */
  trainLog: string;
  trainProgress: TrainProgress;
  /** Training ended, with the error when it failed. */
  trainingDone: { readonly ok: boolean; readonly error?: Error };
}
