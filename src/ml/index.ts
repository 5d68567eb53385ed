/**
 * The ML pipeline: extract, train and predict callbacks, the predict loop, training on a worker
 * thread, model files, and a recipe for training window classifiers from sessions.
 *
 * @module myogestic/ml
 */
export { Pipeline, TRAIN_LOG_CAPACITY } from "./pipeline.js";
export {
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
  type Windows,
} from "./pipeline-types.js";
export { FixedRateLoop, type FixedRateLoopOptions, type LoopStats } from "./loop.js";
export {
  checkTrainedOn,
  decodeModel,
  encodeModel,
  loadModelFile,
  MAX_MODEL_DEPTH,
  MODEL_FILE_MAGIC,
  MODEL_FILE_VERSION,
  ModelFileError,
  readModelFileInfo,
  readModelInfo,
  registerModelKind,
  saveModelFile,
  type CurrentSetup,
  type ModelDecodeOptions,
  type ModelEncodeOptions,
  type ModelFileInfo,
  type ModelKind,
  type TrainedOn,
} from "./model-file.js";
export {
  checkFeatureSpec,
  extractFeatureRow,
  WindowClassifier,
  type ClassifierEstimator,
  type ClassifierReport,
  type FeatureSpec,
  type WindowClassifierData,
  type WindowClassifierSettings,
} from "./classifier.js";
export { trainClassifier, type TrainClassifierOptions } from "./train-classifier.js";
export { streamSetup } from "./setup.js";
export { evaluateOffline, type EvaluateOptions, type EvaluateResult } from "./evaluate.js";
