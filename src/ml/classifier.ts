import { KNearestNeighbors } from "../recipes/estimators/knn.js";
import { LinearDiscriminant } from "../recipes/estimators/lda.js";
import {
  extractFeatures,
  extractGroup,
  FEATURE_GROUP_NAMES,
  FEATURE_NAMES,
  type FeatureGroup,
  type FeatureName,
  type FeatureOptions,
} from "../recipes/features/index.js";
import type { Window } from "../recipes/window.js";
import type { TrainedOn } from "./model-provenance.js";

/** The features a {@link WindowClassifier} extracts: a LibEMG group name or a list of feature names. */
export type FeatureSpec = FeatureGroup | readonly FeatureName[];

/** Estimators a {@link WindowClassifier} can use. */
export type ClassifierEstimator = LinearDiscriminant | KNearestNeighbors;

/** Held-out results of a training run. */
export interface ClassifierReport {
  /** Fraction of held-out windows classified correctly. */
  readonly accuracy: number;
  /** Held-out window counts, rows by true class and columns by predicted class, in `classNames` order. */
  readonly confusionMatrix: readonly (readonly number[])[];
  readonly classNames: readonly string[];
  readonly nTrainWindows: number;
  readonly nTestWindows: number;
}

/** Settings of a {@link WindowClassifier}: what it reads and what it extracts. */
export interface WindowClassifierSettings {
  /** Name of the stream whose windows it classifies. */
  readonly stream: string;
  readonly features: FeatureSpec;
  readonly featureOptions?: FeatureOptions;
  readonly windowMs: number;
  readonly classNames: readonly string[];
  /** Channel count of the stream it was trained on. */
  readonly nChannels: number;
  /** Nominal sample rate of the stream it was trained on, in Hz. */
  readonly sampleRateHz: number;
}

/** Model-file form of a {@link WindowClassifier}. */
export interface WindowClassifierData {
  readonly kind: "window-classifier";
  readonly settings: WindowClassifierSettings;
  readonly estimator: { readonly kind: "lda" | "knn"; readonly data: object };
  readonly report: ClassifierReport | null;
}

/**
 * A trained window classifier: the features of one stream's window, then an estimator. It is a
 * built-in model, so model files store it and loading rebuilds it with its methods.
 */
export class WindowClassifier {
  readonly settings: WindowClassifierSettings;
  readonly estimator: ClassifierEstimator;
  /** Held-out results from training, when training held windows out. */
  readonly report: ClassifierReport | undefined;

  constructor(settings: WindowClassifierSettings, estimator: ClassifierEstimator, report?: ClassifierReport) {
    checkFeatureSpec(settings.features);
    this.settings = settings;
    this.estimator = estimator;
    this.report = report;
  }

  /** Extracts the feature row of a channels-first window. */
  extract(window: Window): Float64Array {
    return extractFeatureRow(this.settings.features, window, this.settings.featureOptions);
  }

  /** Classifies a feature row and returns the class index. */
  predictRow(row: ArrayLike<number>): number {
    return this.estimator.predict(row);
  }

  /**
   * Classifies a window and returns the class index and name. Throws a `RangeError` when a
   * feature is NaN or infinite, so such samples never reach the estimator unnoticed.
   */
  classify(window: Window): { classIndex: number; className: string } {
    const row = this.extract(window);
    let nonFinite = 0;
    for (const value of row) {
      if (!Number.isFinite(value)) nonFinite++;
    }
    if (nonFinite > 0) {
      throw new RangeError(
        `${nonFinite} of the ${row.length} features of this ${this.settings.stream} window are NaN or infinite, ` +
          "because the window holds such samples; no class was predicted from it",
      );
    }
    const classIndex = this.predictRow(row);
    return { classIndex, className: this.settings.classNames[classIndex] ?? `class ${classIndex}` };
  }

  /** Returns the training setup of the classifier, for the model file's header. */
  trainedOn(): TrainedOn {
    const { stream, nChannels, sampleRateHz, windowMs, classNames, features } = this.settings;
    return {
      streamName: stream,
      nChannels,
      sampleRateHz,
      windowMs,
      classNames: [...classNames],
      features: typeof features === "string" ? [features] : [...features],
    };
  }

  toModelData(): WindowClassifierData {
    const kind = this.estimator instanceof LinearDiscriminant ? "lda" : "knn";
    return {
      kind: "window-classifier",
      settings: { ...this.settings, features: copySpec(this.settings.features), classNames: [...this.settings.classNames] },
      estimator: { kind, data: this.estimator.toModelData() },
      report: this.report ?? null,
    };
  }

  /** Rebuilds a classifier from its model-file form, checking every field. */
  static fromModelData(data: unknown): WindowClassifier {
    const record = data as Partial<WindowClassifierData> | null;
    if (record === null || typeof record !== "object" || typeof record.settings !== "object" || record.settings === null) {
      throw new TypeError("window-classifier data needs a settings object");
    }
    const settings = record.settings;
    if (typeof settings.stream !== "string" || !(Number.isFinite(settings.windowMs) && settings.windowMs > 0)) {
      throw new TypeError("window-classifier settings need a stream name and a positive windowMs");
    }
    if (!(Number.isInteger(settings.nChannels) && settings.nChannels > 0) || !(Number.isFinite(settings.sampleRateHz) && settings.sampleRateHz > 0)) {
      throw new TypeError("window-classifier settings need a positive integer nChannels and a positive sampleRateHz");
    }
    if (!Array.isArray(settings.classNames) || !settings.classNames.every((name) => typeof name === "string")) {
      throw new TypeError("window-classifier settings need classNames as an array of strings");
    }
    const estimatorData = record.estimator;
    let estimator: ClassifierEstimator;
    if (estimatorData?.kind === "lda") {
      estimator = LinearDiscriminant.fromModelData(estimatorData.data);
    } else if (estimatorData?.kind === "knn") {
      estimator = KNearestNeighbors.fromModelData(estimatorData.data);
    } else {
      throw new TypeError(`window-classifier estimator kind must be lda or knn, found ${String(estimatorData?.kind)}`);
    }
    return new WindowClassifier(settings, estimator, record.report ?? undefined);
  }
}

/** Extracts a feature row for a group name or a list of feature names. */
export function extractFeatureRow(features: FeatureSpec, window: Window, options?: FeatureOptions): Float64Array {
  return typeof features === "string" ? extractGroup(features as FeatureGroup, window, options) : extractFeatures(features, window, options);
}

/** Throws a RangeError naming the problem when `features` is not a known group or a list of feature names. */
export function checkFeatureSpec(features: unknown): asserts features is FeatureSpec {
  if (typeof features === "string") {
    if (!(FEATURE_GROUP_NAMES as readonly string[]).includes(features)) {
      throw new RangeError(`unknown feature group "${features}"; groups: ${FEATURE_GROUP_NAMES.join(", ")}`);
    }
    return;
  }
  if (!Array.isArray(features) || features.length === 0) {
    throw new RangeError("features must be a group name or a non-empty list of feature names");
  }
  for (const name of features) {
    if (!(FEATURE_NAMES as readonly string[]).includes(name)) {
      throw new RangeError(`unknown feature "${String(name)}"; features: ${FEATURE_NAMES.join(", ")}`);
    }
  }
}

function copySpec(features: FeatureSpec): FeatureSpec {
  return typeof features === "string" ? features : [...features];
}
