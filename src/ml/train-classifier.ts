import { KNearestNeighbors } from "../recipes/estimators/knn.js";
import { LinearDiscriminant } from "../recipes/estimators/lda.js";
import type { FeatureOptions } from "../recipes/features/index.js";
import { hasNonFinite } from "../recipes/window.js";
import { openSession } from "../session/reader.js";
import type { TrainingData } from "../session/training-data.js";
import { iterLabeledWindows } from "../session/windows.js";
import { checkFeatureSpec, extractFeatureRow, WindowClassifier, type ClassifierReport, type FeatureSpec } from "./classifier.js";
import type { TrainContext } from "./pipeline-types.js";

/** Options of {@link trainClassifier}. */
export interface TrainClassifierOptions {
  /** Name of the recorded stream to classify. */
  readonly stream: string;
  /** A LibEMG group name or a list of feature names. Default `HTD`. */
  readonly features?: FeatureSpec;
  readonly featureOptions?: FeatureOptions;
  /** `lda` (default) or `knn`. */
  readonly model?: "lda" | "knn";
  /** Neighbours of the kNN estimator. Default 5. */
  readonly k?: number;
  readonly windowMs: number;
  /** Step between windows, in ms. */
  readonly hopMs: number;
  /**
   * Fraction of each trial's windows, taken from its end, held out to report accuracy and the
   * confusion matrix; from 0 (no report) to below 1. Default 0.2.
   */
  readonly holdOutFraction?: number;
}

interface Run {
  readonly classIndex: number;
  readonly rows: Float64Array[];
}

/**
 * Trains a {@link WindowClassifier} from sessions: cuts labelled windows of `stream` inside each
 * trial, extracts features, holds out the end of each trial, fits the estimator on the rest and
 * reports accuracy and the confusion matrix on the held-out windows. Class indices are those of
 * `data.classNames`; sessions are matched to them by class name. Windows containing NaN or
 * infinite samples are left out and counted in the log. Progress goes to `context`.
 */
export async function trainClassifier(
  data: TrainingData,
  options: TrainClassifierOptions,
  context: TrainContext = { log: () => undefined, progress: () => undefined },
): Promise<WindowClassifier> {
  const features = options.features ?? "HTD";
  checkFeatureSpec(features);
  const holdOutFraction = options.holdOutFraction ?? 0.2;
  if (!(holdOutFraction >= 0 && holdOutFraction < 1)) {
    throw new RangeError(`holdOutFraction must be from 0 to below 1, received ${holdOutFraction}`);
  }
  const modelName = options.model ?? "lda";
  if (modelName !== "lda" && modelName !== "knn") {
    throw new RangeError(`model must be "lda" or "knn", received ${JSON.stringify(options.model)}`);
  }
  if (data.isEmpty) {
    throw new RangeError("the training data has no sessions or no classes");
  }

  const runs: Run[] = [];
  let skipped = 0;
  let nChannels = 0;
  let sampleRateHz = 0;
  for (const [index, path] of data.paths.entries()) {
    context.progress(index / data.paths.length, `Reading ${path}`);
    const session = await openSession(path);
    for (const warning of session.warnings) {
      context.log(`${path}: ${warning}`);
    }
    const info = session.streams.find((stream) => stream.name === options.stream);
    if (info !== undefined) {
      nChannels ||= info.nChannels;
      sampleRateHz ||= info.sampleRateHz;
    }
    let run: { key: string; classIndex: number; rows: Float64Array[]; lastStartS: number } | undefined;
    const windows = iterLabeledWindows([path], {
      stream: options.stream,
      windowMs: options.windowMs,
      hopMs: options.hopMs,
      classes: data.classes,
      classNames: data.classNames,
    });
    for await (const window of windows) {
      if (hasNonFinite(window)) {
        skipped++;
        continue;
      }
      const row = extractFeatureRow(features, window, options.featureOptions);
      const key = `${window.classIndex}`;
      // A new run starts at a class change or when windows stop following each other.
      if (run === undefined || run.key !== key || window.startS - run.lastStartS > (2 * options.hopMs) / 1000) {
        run = { key, classIndex: window.classIndex, rows: [], lastStartS: window.startS };
        runs.push(run);
      }
      run.rows.push(row);
      run.lastStartS = window.startS;
    }
  }
  if (skipped > 0) {
    context.log(`Left out ${skipped} windows containing NaN or infinite samples`);
  }

  const trainRows: Float64Array[] = [];
  const trainLabels: number[] = [];
  const testRows: Float64Array[] = [];
  const testLabels: number[] = [];
  for (const run of runs) {
    const nTest = run.rows.length >= 2 ? Math.floor(run.rows.length * holdOutFraction) : 0;
    const nTrain = run.rows.length - nTest;
    for (const [i, row] of run.rows.entries()) {
      (i < nTrain ? trainRows : testRows).push(row);
      (i < nTrain ? trainLabels : testLabels).push(run.classIndex);
    }
  }
  for (const classIndex of data.classes) {
    if (!trainLabels.includes(classIndex)) {
      throw new RangeError(
        `class ${data.classNames[classIndex]} has no training windows of ${options.windowMs} ms in stream ${options.stream}; record it or leave it out`,
      );
    }
  }
  context.log(`Fitting ${options.model ?? "lda"} on ${trainRows.length} windows of ${trainRows[0]?.length ?? 0} features`);
  context.progress(0.9, "Fitting");
  const estimator =
    (options.model ?? "lda") === "lda"
      ? new LinearDiscriminant().fit(trainRows, trainLabels, { classes: data.classes })
      : new KNearestNeighbors({ k: options.k ?? 5 }).fit(trainRows, trainLabels);

  let report: ClassifierReport | undefined;
  if (testRows.length > 0) {
    report = heldOutReport(estimator, testRows, testLabels, data.classNames, trainRows.length);
    context.log(`Held-out accuracy ${(report.accuracy * 100).toFixed(1)} % on ${testRows.length} windows`);
  }
  context.progress(1, "Done");
  return new WindowClassifier(
    {
      stream: options.stream,
      features,
      ...(options.featureOptions === undefined ? {} : { featureOptions: options.featureOptions }),
      windowMs: options.windowMs,
      classNames: [...data.classNames],
      nChannels,
      sampleRateHz,
    },
    estimator,
    report,
  );
}

function heldOutReport(
  estimator: LinearDiscriminant | KNearestNeighbors,
  rows: readonly Float64Array[],
  labels: readonly number[],
  classNames: readonly string[],
  nTrainWindows: number,
): ClassifierReport {
  const n = classNames.length;
  const matrix = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  let correct = 0;
  for (const [i, row] of rows.entries()) {
    const truth = labels[i] as number;
    const predicted = estimator.predict(row);
    if (predicted === truth) {
      correct++;
    }
    const matrixRow = matrix[truth];
    if (matrixRow !== undefined && predicted >= 0 && predicted < n) {
      matrixRow[predicted] = (matrixRow[predicted] as number) + 1;
    }
  }
  return { accuracy: correct / rows.length, confusionMatrix: matrix, classNames: [...classNames], nTrainWindows, nTestWindows: rows.length };
}
