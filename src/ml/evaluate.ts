import { KNearestNeighbors } from "../recipes/estimators/knn.js";
import { LinearDiscriminant } from "../recipes/estimators/lda.js";
import type { FeatureOptions } from "../recipes/features/index.js";
import { computeMetrics, type ClassificationMetrics } from "../recipes/metrics.js";
import { hasNonFinite } from "../recipes/window.js";
import { listLibemgDataset, readLibemgCsv } from "../session/libemg.js";
import { openSession } from "../session/reader.js";
import { iterLabeledWindows, sliceChannelsFirst } from "../session/windows.js";
import { checkFeatureSpec, extractFeatureRow, type FeatureSpec } from "./classifier.js";

/** Options of {@link evaluateOffline}. */
export interface EvaluateOptions {
  readonly windowMs: number;
  readonly stepMs: number;
  readonly features: FeatureSpec;
  readonly featureOptions?: FeatureOptions;
  readonly model: "lda" | "knn";
  readonly k?: number;
  /** Training part: trial numbers of a LibEMG-layout set, or session paths. */
  readonly train: readonly string[];
  /** Test part, given like `train`. */
  readonly test: readonly string[];
  /** Sample rate of a LibEMG-layout set's rows, in Hz. Default 200. */
  readonly sampleRateHz?: number;
  /** Stream of the sessions to evaluate; default their first numeric stream. */
  readonly stream?: string;
}

/** Offline evaluation results. */
export interface EvaluateResult {
  readonly classNames: readonly string[];
  readonly nTrainWindows: number;
  readonly nTestWindows: number;
  /** Windows left out because they contain NaN or infinite samples. */
  readonly skippedWindows: number;
  readonly metrics: ClassificationMetrics;
}

interface LabelledRows {
  readonly rows: Float64Array[];
  readonly labels: number[];
  /** Windows left out because they contain NaN or infinite samples. */
  skipped: number;
}

/**
 * Trains on one part of a data set and tests on another, window by window. With `dir` a
 * LibEMG-layout set, `train` and `test` name trial folders (`trial_<n>`) and windows are cut from
 * the start of each file. Without it they are session paths, and windows are cut inside trials.
 * Windows containing NaN or infinite samples are left out and counted.
 */
export async function evaluateOffline(dir: string | undefined, options: EvaluateOptions): Promise<EvaluateResult> {
  checkFeatureSpec(options.features);
  if (options.model !== "lda" && options.model !== "knn") {
    throw new RangeError(`model must be "lda" or "knn", received ${JSON.stringify(options.model)}`);
  }
  let classNames: readonly string[];
  let train: LabelledRows;
  let test: LabelledRows;
  if (dir !== undefined) {
    const dataset = await listLibemgDataset(dir);
    classNames = dataset.classNames;
    const sampleRateHz = options.sampleRateHz ?? 200;
    const pick = async (trials: readonly string[]) => {
      const wanted = new Set(
        trials.map((trial) => {
          const number = Number(trial);
          if (trial.trim() === "" || !Number.isInteger(number) || number < 0) {
            throw new RangeError(`trial "${trial}" is not a trial number; give numbers such as 1,2,3`);
          }
          return number;
        }),
      );
      const files = dataset.files.filter((file) => file.trial !== undefined && wanted.has(file.trial));
      if (files.length === 0) {
        throw new RangeError(`no files of trials ${trials.join(", ")} in ${dir}; trial folders are named trial_<n>`);
      }
      const rows: LabelledRows = { rows: [], labels: [], skipped: 0 };
      for (const file of files) {
        const csv = await readLibemgCsv(file.path);
        cutCsvWindows(csv.samples, csv.nSamples, csv.nChannels, sampleRateHz, options, file.classIndex, rows);
      }
      return rows;
    };
    train = await pick(options.train);
    test = await pick(options.test);
  } else {
    const first = await openSession(options.train[0] ?? "");
    classNames = first.classNames;
    const stream = options.stream ?? first.streams.find((info) => info.kind === "numeric")?.name ?? "";
    const pick = async (paths: readonly string[]) => {
      const rows: LabelledRows = { rows: [], labels: [], skipped: 0 };
      for await (const window of iterLabeledWindows(paths, { stream, windowMs: options.windowMs, hopMs: options.stepMs, classNames })) {
        if (hasNonFinite(window)) {
          rows.skipped++;
          continue;
        }
        rows.rows.push(extractFeatureRow(options.features, window, options.featureOptions));
        rows.labels.push(window.classIndex);
      }
      return rows;
    };
    train = await pick(options.train);
    test = await pick(options.test);
  }
  if (test.rows.length === 0) {
    throw new RangeError(`the test part has no windows of ${options.windowMs} ms`);
  }
  const estimator =
    options.model === "lda"
      ? new LinearDiscriminant().fit(train.rows, train.labels)
      : new KNearestNeighbors({ k: options.k ?? 5 }).fit(train.rows, train.labels);
  const predicted = test.rows.map((row) => estimator.predict(row));
  return {
    classNames,
    skippedWindows: train.skipped + test.skipped,
    nTrainWindows: train.rows.length,
    nTestWindows: test.rows.length,
    metrics: computeMetrics(test.labels, predicted),
  };
}

/** Cuts channels-first windows from the start of a sample-major recording and appends their feature rows. */
function cutCsvWindows(
  samples: Float32Array,
  nSamples: number,
  nChannels: number,
  sampleRateHz: number,
  options: EvaluateOptions,
  classIndex: number,
  out: LabelledRows,
): void {
  const windowSamples = Math.round((options.windowMs / 1000) * sampleRateHz);
  const stepSamples = Math.round((options.stepMs / 1000) * sampleRateHz);
  if (windowSamples < 1 || stepSamples < 1) {
    throw new RangeError(`windows of ${options.windowMs} ms every ${options.stepMs} ms are shorter than a sample at ${sampleRateHz} Hz`);
  }
  const data = new Float32Array(nChannels * windowSamples);
  for (let start = 0; start + windowSamples <= nSamples; start += stepSamples) {
    sliceChannelsFirst(samples, nChannels, start, windowSamples, data);
    const window = { data, nChannels, nSamples: windowSamples };
    if (hasNonFinite(window)) {
      out.skipped++;
      continue;
    }
    out.rows.push(extractFeatureRow(options.features, window, options.featureOptions));
    out.labels.push(classIndex);
  }
}
