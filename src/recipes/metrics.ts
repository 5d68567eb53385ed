/**
 * Offline metrics of a classifier, with the definitions of LibEMG's `OfflineMetrics` class
 * (`libemg/offline_metrics.py`, read at commit 6586527 of github.com/LibEMG/libemg): CA, AER,
 * INS, REJ_RATE, CONF_MAT, PREC, RECALL and F1. As LibEMG's `extract_offline_metrics` does,
 * every metric except the rejection rate first drops the rejected predictions and their true
 * labels.
 */

/** Options of {@link computeMetrics} and the single metrics. */
export interface MetricOptions {
  /** Label that marks a rejected prediction in `yPred`. Default -1, as in LibEMG. */
  readonly rejectLabel?: number;
  /**
   * Class of no motion (rest). {@link computeMetrics} reports the active error only when it is
   * set, and {@link activeError} requires it.
   */
  readonly nullClass?: number;
  /**
   * Classes of the confusion matrix rows and columns and of the per-class scores, in that
   * order. Every accepted true label must be one of them. Default: the distinct true labels of
   * the accepted predictions in ascending order, as LibEMG.
   */
  readonly classes?: readonly number[];
  /**
   * Value of a precision, recall or F1 that is 0 / 0, and of an average over no classes.
   * Default NaN, which is what LibEMG's numpy division gives. scikit-learn's default gives 0.
   */
  readonly zeroDivision?: number;
}

/** Default values of {@link MetricOptions}. */
export const METRIC_DEFAULTS = { rejectLabel: -1, zeroDivision: Number.NaN } as const;

/** Counts of accepted predictions by true class (rows) and predicted class (columns). */
export interface ConfusionMatrix {
  /** Class labels of the rows and the columns, in order. */
  readonly classes: readonly number[];
  /**
   * `counts[i][j]` is the number of accepted predictions of `classes[j]` whose true class is
   * `classes[i]`. A predicted label outside `classes` is counted in no column, as in LibEMG.
   */
  readonly counts: readonly (readonly number[])[];
}

/** One score per class with its averages over the classes. */
export interface ClassScores {
  /** One value per class, in the order of {@link ConfusionMatrix.classes}. */
  readonly perClass: readonly number[];
  /** Unweighted mean of `perClass`; NaN when any class value is NaN. */
  readonly macro: number;
  /**
   * Mean of `perClass` weighted by each class's share of the accepted true labels: the value
   * LibEMG's PREC, RECALL and F1 return. Classes with no true labels have weight 0.
   */
  readonly weighted: number;
}

/** Everything {@link computeMetrics} returns. */
export interface ClassificationMetrics {
  /** Classification accuracy (LibEMG `CA`); see {@link classificationAccuracy}. */
  readonly classificationAccuracy: number;
  /** Active error (LibEMG `AER`), or null without `nullClass`; see {@link activeError}. */
  readonly activeError: number | null;
  /** Instability (LibEMG `INS`); see {@link instability}. */
  readonly instability: number;
  /** Rejection rate (LibEMG `REJ_RATE`); see {@link rejectionRate}. */
  readonly rejectionRate: number;
  /** Confusion matrix (LibEMG `CONF_MAT`), rows true and columns predicted. */
  readonly confusionMatrix: ConfusionMatrix;
  /** Precision (LibEMG `PREC` is `precision.weighted`); see {@link precisionRecallF1}. */
  readonly precision: ClassScores;
  /** Recall (LibEMG `RECALL` is `recall.weighted`); see {@link precisionRecallF1}. */
  readonly recall: ClassScores;
  /** F1 score (LibEMG `F1` is `f1.weighted`); see {@link precisionRecallF1}. */
  readonly f1: ClassScores;
  /** Number of predictions. */
  readonly nPredictions: number;
  /** Number of rejected predictions. */
  readonly nRejected: number;
}

/** Precision, recall and F1 per class, from {@link precisionRecallF1}. */
export interface PrecisionRecallF1Scores {
  readonly confusionMatrix: ConfusionMatrix;
  readonly precision: ClassScores;
  readonly recall: ClassScores;
  readonly f1: ClassScores;
}

/** True and predicted labels of the accepted predictions, in their original order. */
interface Accepted {
  readonly yTrue: number[];
  readonly yPred: number[];
  readonly nRejected: number;
}

/**
 * Computes every metric of this module over one sequence of predictions, as LibEMG's
 * `extract_offline_metrics` with all metrics: CA, AER (only when `options.nullClass` is
 * set), INS, REJ_RATE, CONF_MAT, PREC, RECALL and F1.
 *
 * @param yTrue - True class of each prediction, in time order (instability depends on it).
 * @param yPred - Predicted class of each prediction; `options.rejectLabel` marks a rejection.
 */
export function computeMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: MetricOptions = {},
): ClassificationMetrics {
  const accepted = acceptedPredictions(yTrue, yPred, options);
  const scores = scoresOf(accepted, options);
  return {
    classificationAccuracy: accuracyOf(accepted.yTrue, accepted.yPred),
    activeError:
      options.nullClass === undefined ? null : activeErrorOf(accepted, options.nullClass),
    instability: instabilityOf(accepted),
    rejectionRate: accepted.nRejected / yPred.length,
    ...scores,
    nPredictions: yPred.length,
    nRejected: accepted.nRejected,
  };
}

/**
 * Computes the classification accuracy (LibEMG `CA`): the number of correct accepted
 * predictions divided by the number of accepted predictions. It is 1 when every prediction
 * is rejected, as in LibEMG.
 */
export function classificationAccuracy(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: MetricOptions = {},
): number {
  const accepted = acceptedPredictions(yTrue, yPred, options);
  return accuracyOf(accepted.yTrue, accepted.yPred);
}

/**
 * Computes the active error (LibEMG `AER`): among the accepted predictions that are not the
 * null class, the fraction that is wrong. As in LibEMG, a prediction of the null class is left
 * out whatever its true class, and a wrong active prediction during rest counts as an error.
 * It is 0 when no accepted prediction is active.
 */
export function activeError(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: MetricOptions & { readonly nullClass: number },
): number {
  const accepted = acceptedPredictions(yTrue, yPred, options);
  return activeErrorOf(accepted, options.nullClass);
}

/**
 * Computes the instability (LibEMG `INS`): over the accepted predictions in order, the number
 * of changes between consecutive predictions minus the number of changes between consecutive
 * true labels, divided by the number of accepted predictions, and 0 when that is negative.
 * It is 0 when every prediction is rejected, a case where LibEMG divides by zero and raises.
 */
export function instability(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: MetricOptions = {},
): number {
  return instabilityOf(acceptedPredictions(yTrue, yPred, options));
}

/**
 * Computes the rejection rate (LibEMG `REJ_RATE`): the number of predictions equal to
 * `options.rejectLabel` divided by the number of predictions.
 */
export function rejectionRate(yPred: ArrayLike<number>, options: MetricOptions = {}): number {
  const rejectLabel = options.rejectLabel ?? METRIC_DEFAULTS.rejectLabel;
  requireInteger(rejectLabel, "rejectLabel");
  if (yPred.length === 0) {
    throw new RangeError("yPred is empty; the rejection rate needs at least one prediction");
  }

  let nRejected = 0;
  for (let i = 0; i < yPred.length; i++) {
    const predicted = yPred[i] as number;
    requireInteger(predicted, `yPred[${i}]`);
    if (predicted === rejectLabel) {
      nRejected++;
    }
  }
  return nRejected / yPred.length;
}

/**
 * Counts the accepted predictions by true class (rows) and predicted class (columns), LibEMG's
 * `CONF_MAT`; see {@link ConfusionMatrix}.
 */
export function confusionMatrix(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: MetricOptions = {},
): ConfusionMatrix {
  const accepted = acceptedPredictions(yTrue, yPred, options);
  return matrixOf(accepted, classesOf(accepted, options));
}

/**
 * Computes precision, recall and F1 per class over the accepted predictions, with their macro
 * and support-weighted averages, as LibEMG's `PREC`, `RECALL` and `F1` do. For class c:
 * precision = TP / (TP + FP), the correct share of the predictions of c; recall =
 * TP / (TP + FN), the correct share of the true labels c; F1 = 2·P·R / (P + R). A ratio of
 * 0 / 0 takes `options.zeroDivision`, and an F1 from such a precision or recall follows it.
 */
export function precisionRecallF1(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: MetricOptions = {},
): PrecisionRecallF1Scores {
  return scoresOf(acceptedPredictions(yTrue, yPred, options), options);
}

function accuracyOf(yTrue: readonly number[], yPred: readonly number[]): number {
  if (yTrue.length === 0) {
    return 1;
  }
  let correct = 0;
  for (let i = 0; i < yTrue.length; i++) {
    if (yTrue[i] === yPred[i]) {
      correct++;
    }
  }
  return correct / yTrue.length;
}

function activeErrorOf(accepted: Accepted, nullClass: number): number {
  requireInteger(nullClass, "nullClass");
  const activeTrue: number[] = [];
  const activePred: number[] = [];
  accepted.yPred.forEach((predicted, i) => {
    if (predicted !== nullClass) {
      activeTrue.push(accepted.yTrue[i] as number);
      activePred.push(predicted);
    }
  });
  return 1 - accuracyOf(activeTrue, activePred);
}

function instabilityOf(accepted: Accepted): number {
  const { yTrue, yPred } = accepted;
  if (yPred.length === 0) {
    return 0;
  }
  let predictionChanges = 0;
  let trueChanges = 0;
  for (let i = 1; i < yPred.length; i++) {
    if (yPred[i] !== yPred[i - 1]) {
      predictionChanges++;
    }
    if (yTrue[i] !== yTrue[i - 1]) {
      trueChanges++;
    }
  }
  return Math.max(0, (predictionChanges - trueChanges) / yPred.length);
}

function scoresOf(accepted: Accepted, options: MetricOptions): PrecisionRecallF1Scores {
  const zeroDivision = options.zeroDivision ?? METRIC_DEFAULTS.zeroDivision;
  const classes = classesOf(accepted, options);
  const nClasses = classes.length;
  const index = new Map(classes.map((label, i) => [label, i]));
  const truePositives = new Array<number>(nClasses).fill(0);
  const trueCounts = new Array<number>(nClasses).fill(0);
  const predictedCounts = new Array<number>(nClasses).fill(0);

  accepted.yTrue.forEach((label, i) => {
    const predicted = accepted.yPred[i] as number;
    const row = index.get(label) as number;
    trueCounts[row] = (trueCounts[row] as number) + 1;
    const column = index.get(predicted);
    if (column !== undefined) {
      predictedCounts[column] = (predictedCounts[column] as number) + 1;
    }
    if (predicted === label) {
      truePositives[row] = (truePositives[row] as number) + 1;
    }
  });

  const ratio = (numerator: number, denominator: number): number =>
    denominator === 0 ? zeroDivision : numerator / denominator;
  const precision = truePositives.map((tp, i) => ratio(tp, predictedCounts[i] as number));
  const recall = truePositives.map((tp, i) => ratio(tp, trueCounts[i] as number));
  const f1 = precision.map((p, i) => {
    const r = recall[i] as number;
    return ratio(2 * p * r, p + r);
  });

  const average = (values: number[]): ClassScores => ({
    perClass: values,
    macro: nClasses === 0 ? zeroDivision : values.reduce((sum, v) => sum + v, 0) / nClasses,
    weighted: weightedMean(values, trueCounts, zeroDivision),
  });
  return {
    confusionMatrix: matrixOf(accepted, classes),
    precision: average(precision),
    recall: average(recall),
    f1: average(f1),
  };
}

/** Averages `values` with weights `counts`, leaving out weight 0 (whose value may be NaN). */
function weightedMean(values: readonly number[], counts: readonly number[], empty: number): number {
  let sum = 0;
  let total = 0;
  values.forEach((value, i) => {
    const count = counts[i] as number;
    if (count > 0) {
      sum += value * count;
      total += count;
    }
  });
  return total === 0 ? empty : sum / total;
}

function matrixOf(accepted: Accepted, classes: readonly number[]): ConfusionMatrix {
  const index = new Map(classes.map((label, i) => [label, i]));
  const counts = classes.map(() => new Array<number>(classes.length).fill(0));
  accepted.yTrue.forEach((label, i) => {
    const row = counts[index.get(label) as number] as number[];
    const column = index.get(accepted.yPred[i] as number);
    if (column !== undefined) {
      row[column] = (row[column] as number) + 1;
    }
  });
  return { classes: [...classes], counts };
}

/** Returns `options.classes` after checking it, or the sorted distinct accepted true labels. */
function classesOf(accepted: Accepted, options: MetricOptions): number[] {
  if (options.classes === undefined) {
    return [...new Set(accepted.yTrue)].sort((a, b) => a - b);
  }

  const classes = [...options.classes];
  classes.forEach((label, i) => requireInteger(label, `classes[${i}]`));
  if (new Set(classes).size !== classes.length) {
    throw new RangeError(`classes must not repeat a label, received [${classes.join(", ")}]`);
  }
  const known = new Set(classes);
  const missing = accepted.yTrue.find((label) => !known.has(label));
  if (missing !== undefined) {
    throw new RangeError(
      `yTrue contains class ${missing}, which is not in classes [${classes.join(", ")}]; ` +
        "add it to classes or leave classes out",
    );
  }
  return classes;
}

/**
 * Checks the labels and drops the rejected predictions with their true labels, keeping the
 * order of the rest.
 */
function acceptedPredictions(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  options: MetricOptions,
): Accepted {
  const rejectLabel = options.rejectLabel ?? METRIC_DEFAULTS.rejectLabel;
  requireInteger(rejectLabel, "rejectLabel");
  if (yTrue.length !== yPred.length) {
    throw new RangeError(
      `yTrue and yPred must have one label per prediction, received ${yTrue.length} and ` +
        `${yPred.length} labels`,
    );
  }
  if (yPred.length === 0) {
    throw new RangeError("yTrue and yPred are empty; metrics need at least one prediction");
  }

  const acceptedTrue: number[] = [];
  const acceptedPred: number[] = [];
  let nRejected = 0;
  for (let i = 0; i < yPred.length; i++) {
    const label = yTrue[i] as number;
    const predicted = yPred[i] as number;
    requireInteger(label, `yTrue[${i}]`);
    requireInteger(predicted, `yPred[${i}]`);
    if (label === rejectLabel) {
      throw new RangeError(
        `yTrue[${i}] is ${label}, the rejectLabel; set rejectLabel to a value that is not a class`,
      );
    }
    if (predicted === rejectLabel) {
      nRejected++;
    } else {
      acceptedTrue.push(label);
      acceptedPred.push(predicted);
    }
  }
  return { yTrue: acceptedTrue, yPred: acceptedPred, nRejected };
}

function requireInteger(value: number, name: string): void {
  if (!Number.isInteger(value)) {
    throw new RangeError(`${name} must be an integer class label, received ${value}`);
  }
}
