import {
  checkClasses,
  expectFiniteFloat64Array,
  expectInt32Array,
  expectInteger,
  expectModelData,
} from "./model-data.js";
import { checkExpectedClasses, describeNumber, formatClasses, toClassLabels, toFeatureMatrix } from "./rows.js";
import { symmetricPseudoInverse } from "./symmetric-pinv.js";

/** A fitted {@link LinearDiscriminant} as plain data, the form model files store. */
export interface LdaModelData {
  readonly kind: "lda";
  readonly nFeatures: number;
  /** Sorted unique class labels. */
  readonly classes: Int32Array;
  /** Fraction of the training rows in each class. */
  readonly priors: Float64Array;
  /** Class means, `nClasses × nFeatures`, row-major. */
  readonly means: Float64Array;
  /** Discriminant weights, `nClasses × nFeatures`, row-major. */
  readonly weights: Float64Array;
  /** Discriminant biases, one per class. */
  readonly biases: Float64Array;
}

/** Options of {@link LinearDiscriminant.fit}. */
export interface LdaFitOptions {
  /**
   * The classes the labels must contain. A class listed here with no rows is an error, so a
   * gesture that was never recorded cannot silently drop out of the model. Default: the labels'
   * own unique values.
   */
  readonly classes?: ArrayLike<number>;
}

const OWNER = "LinearDiscriminant";

/**
 * Linear discriminant analysis with a pooled covariance: class means, the covariance of the
 * rows about their class mean divided by `nRows - nClasses`, its pseudo-inverse (numpy's `pinv`
 * cutoff, so a constant or duplicated feature is tolerated), and priors from the class counts.
 * The decision value of class `c` is `weights[c] · row + biases[c]`, where
 * `weights = means · pinv(covariance)` and
 * `biases[c] = -0.5 · weights[c] · means[c] + log(priors[c])`.
 *
 * Predicting one row allocates nothing but its result, so it suits a live loop.
 */
export class LinearDiscriminant {
  #nFeatures = 0;
  #classes: Int32Array = new Int32Array(0);
  #priors: Float64Array = new Float64Array(0);
  #means: Float64Array = new Float64Array(0);
  #weights: Float64Array = new Float64Array(0);
  #biases: Float64Array = new Float64Array(0);

  /**
   * Fits the model to `rows` (one feature vector each) and `labels` (one integer class label
   * per row), replacing any earlier fit, and returns this model.
   * Throws a RangeError for fewer than 2 classes, not more rows than classes, rows of different
   * lengths, or a non-finite value (naming its row and column).
   */
  fit(rows: readonly ArrayLike<number>[], labels: ArrayLike<number>, options: LdaFitOptions = {}): this {
    const { values, nRows, nFeatures } = toFeatureMatrix(rows, OWNER);
    const found = toClassLabels(labels, nRows, OWNER);
    if (options.classes !== undefined) {
      checkExpectedClasses(found, options.classes, OWNER);
    }
    const { classIndex, classes, counts } = found;
    const nClasses = classes.length;
    if (nClasses < 2) {
      throw new RangeError(
        `${OWNER}: the labels hold ${nClasses} class (${formatClasses(classes)}); LDA needs at least 2 classes`,
      );
    }
    if (nRows <= nClasses) {
      throw new RangeError(
        `${OWNER}: ${nRows} rows for ${nClasses} classes; LDA needs more rows than classes to estimate the covariance`,
      );
    }

    const means = classMeans(values, classIndex, counts, nFeatures);
    const covariance = pooledCovariance(values, classIndex, means, nRows, nFeatures, nClasses);
    const inverse = symmetricPseudoInverse(covariance, nFeatures);

    const weights = new Float64Array(nClasses * nFeatures);
    const biases = new Float64Array(nClasses);
    const priors = new Float64Array(nClasses);
    for (let c = 0; c < nClasses; c++) {
      priors[c] = counts[c]! / nRows;
      let weightDotMean = 0;
      for (let j = 0; j < nFeatures; j++) {
        let sum = 0;
        for (let k = 0; k < nFeatures; k++) {
          sum += means[c * nFeatures + k]! * inverse[k * nFeatures + j]!;
        }
        weights[c * nFeatures + j] = sum;
        weightDotMean += sum * means[c * nFeatures + j]!;
      }
      biases[c] = -0.5 * weightDotMean + Math.log(priors[c]!);
    }

    this.#nFeatures = nFeatures;
    this.#classes = classes;
    this.#priors = priors;
    this.#means = means;
    this.#weights = weights;
    this.#biases = biases;
    return this;
  }

  /** Whether {@link fit} or {@link fromModelData} has set the model. */
  get fitted(): boolean {
    return this.#nFeatures > 0;
  }

  /** Number of features per row; 0 before fitting. */
  get nFeatures(): number {
    return this.#nFeatures;
  }

  /** Number of classes; 0 before fitting. */
  get nClasses(): number {
    return this.#classes.length;
  }

  /** Sorted unique class labels, as a copy. */
  get classes(): Int32Array {
    return this.#classes.slice();
  }

  /**
   * Computes the decision value of each class for `row`, in the order of {@link classes}.
   * Writes into `out` when given (length `nClasses`), so a live loop can reuse one array.
   */
  decisionFunction(row: ArrayLike<number>, out?: Float64Array): Float64Array {
    this.#checkRow(row);
    const scores = this.#output(out);
    this.#scores(row, scores);
    return scores;
  }

  /** Predicts the class label of `row`: the class with the largest decision value, the smallest label on a tie. */
  predict(row: ArrayLike<number>): number {
    this.#checkRow(row);
    const weights = this.#weights;
    const biases = this.#biases;
    const nFeatures = this.#nFeatures;
    const nClasses = biases.length;
    let bestClass = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < nClasses; c++) {
      const offset = c * nFeatures;
      let score = biases[c]!;
      for (let j = 0; j < nFeatures; j++) {
        score += weights[offset + j]! * row[j]!;
      }
      if (score > bestScore) {
        bestScore = score;
        bestClass = c;
      }
    }
    return this.#classes[bestClass]!;
  }

  /**
   * Computes the probability of each class for `row`, in the order of {@link classes}: the
   * softmax of the decision values, as scikit-learn's LinearDiscriminantAnalysis does.
   * Writes into `out` when given (length `nClasses`).
   */
  predictProba(row: ArrayLike<number>, out?: Float64Array): Float64Array {
    this.#checkRow(row);
    const scores = this.#output(out);
    this.#scores(row, scores);
    softmaxInPlace(scores);
    return scores;
  }

  /** Computes {@link decisionFunction} for each row. */
  decisionFunctionBatch(rows: readonly ArrayLike<number>[]): Float64Array[] {
    return rows.map((row) => this.decisionFunction(row));
  }

  /** Predicts the class label of each row. */
  predictBatch(rows: readonly ArrayLike<number>[]): Int32Array {
    const labels = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      labels[i] = this.predict(rows[i]!);
    }
    return labels;
  }

  /** Computes {@link predictProba} for each row. */
  predictProbaBatch(rows: readonly ArrayLike<number>[]): Float64Array[] {
    return rows.map((row) => this.predictProba(row));
  }

  /** Returns the fitted model as plain data (copies of its arrays) for a model file. */
  toModelData(): LdaModelData {
    this.#checkFitted();
    return {
      kind: "lda",
      nFeatures: this.#nFeatures,
      classes: this.#classes.slice(),
      priors: this.#priors.slice(),
      means: this.#means.slice(),
      weights: this.#weights.slice(),
      biases: this.#biases.slice(),
    };
  }

  /**
   * Rebuilds a fitted model from {@link toModelData}'s output after checking every field's type,
   * length and values. Throws a TypeError or RangeError naming the first field that is wrong.
   */
  static fromModelData(data: unknown): LinearDiscriminant {
    const record = expectModelData(data, "lda");
    const nFeatures = expectInteger(record, "lda", "nFeatures", 1);
    const classes = expectInt32Array(record, "lda", "classes");
    checkClasses(classes, "lda", 2);
    const nClasses = classes.length;
    const shape = `${nClasses} classes × ${nFeatures} features`;
    const priors = expectFiniteFloat64Array(record, "lda", "priors", nClasses, `${nClasses} classes`);
    const means = expectFiniteFloat64Array(record, "lda", "means", nClasses * nFeatures, shape);
    const weights = expectFiniteFloat64Array(record, "lda", "weights", nClasses * nFeatures, shape);
    const biases = expectFiniteFloat64Array(record, "lda", "biases", nClasses, `${nClasses} classes`);
    let priorSum = 0;
    for (let c = 0; c < nClasses; c++) {
      if (!(priors[c]! > 0 && priors[c]! <= 1)) {
        throw new RangeError(`lda model data: priors[${c}] is ${priors[c]}; each prior must be in (0, 1]`);
      }
      priorSum += priors[c]!;
    }
    if (Math.abs(priorSum - 1) > 1e-9) {
      throw new RangeError(`lda model data: the priors sum to ${priorSum}; they must sum to 1`);
    }

    const model = new LinearDiscriminant();
    model.#nFeatures = nFeatures;
    model.#classes = classes.slice();
    model.#priors = priors.slice();
    model.#means = means.slice();
    model.#weights = weights.slice();
    model.#biases = biases.slice();
    return model;
  }

  #scores(row: ArrayLike<number>, scores: Float64Array): void {
    const weights = this.#weights;
    const biases = this.#biases;
    const nFeatures = this.#nFeatures;
    for (let c = 0; c < biases.length; c++) {
      const offset = c * nFeatures;
      let score = biases[c]!;
      for (let j = 0; j < nFeatures; j++) {
        score += weights[offset + j]! * row[j]!;
      }
      scores[c] = score;
    }
  }

  #output(out: Float64Array | undefined): Float64Array {
    const nClasses = this.#classes.length;
    if (out === undefined) {
      return new Float64Array(nClasses);
    }
    if (!(out instanceof Float64Array) || out.length !== nClasses) {
      throw new RangeError(`${OWNER}: out must be a Float64Array of ${nClasses} elements, one per class`);
    }
    return out;
  }

  #checkFitted(): void {
    if (this.#nFeatures === 0) {
      throw new Error(`${OWNER}: the model is not fitted; call fit(rows, labels) first`);
    }
  }

  #checkRow(row: ArrayLike<number>): void {
    const nFeatures = this.#nFeatures;
    if (nFeatures === 0) {
      this.#checkFitted();
    }
    if (row == null || row.length !== nFeatures) {
      const found = row == null ? String(row) : `${row.length} features`;
      throw new RangeError(`${OWNER}: the row has ${found}, but the model was fitted on ${nFeatures}`);
    }
    for (let j = 0; j < nFeatures; j++) {
      const value = row[j]!;
      if (!Number.isFinite(value)) {
        throw new RangeError(`${OWNER}: column ${j} of the row is ${describeNumber(value)}; features must be finite`);
      }
    }
  }
}

function classMeans(values: Float64Array, classIndex: Int32Array, counts: Float64Array, nFeatures: number): Float64Array {
  const means = new Float64Array(counts.length * nFeatures);
  for (let i = 0; i < classIndex.length; i++) {
    const meanOffset = classIndex[i]! * nFeatures;
    const rowOffset = i * nFeatures;
    for (let j = 0; j < nFeatures; j++) {
      means[meanOffset + j]! += values[rowOffset + j]!;
    }
  }
  for (let c = 0; c < counts.length; c++) {
    for (let j = 0; j < nFeatures; j++) {
      means[c * nFeatures + j]! /= counts[c]!;
    }
  }
  return means;
}

/** Computes the covariance of the rows about their class means, divided by `nRows - nClasses`. */
function pooledCovariance(
  values: Float64Array,
  classIndex: Int32Array,
  means: Float64Array,
  nRows: number,
  nFeatures: number,
  nClasses: number,
): Float64Array {
  const covariance = new Float64Array(nFeatures * nFeatures);
  const centred = new Float64Array(nFeatures);
  for (let i = 0; i < nRows; i++) {
    const meanOffset = classIndex[i]! * nFeatures;
    const rowOffset = i * nFeatures;
    for (let j = 0; j < nFeatures; j++) {
      centred[j] = values[rowOffset + j]! - means[meanOffset + j]!;
    }
    for (let j = 0; j < nFeatures; j++) {
      const cj = centred[j]!;
      if (cj === 0) {
        continue;
      }
      const rowStart = j * nFeatures;
      for (let k = j; k < nFeatures; k++) {
        covariance[rowStart + k]! += cj * centred[k]!;
      }
    }
  }
  const divisor = nRows - nClasses;
  for (let j = 0; j < nFeatures; j++) {
    for (let k = j; k < nFeatures; k++) {
      const value = covariance[j * nFeatures + k]! / divisor;
      covariance[j * nFeatures + k] = value;
      covariance[k * nFeatures + j] = value;
    }
  }
  return covariance;
}

/** Replaces `scores` by their softmax, shifted by the maximum so that exp cannot overflow. */
function softmaxInPlace(scores: Float64Array): void {
  let max = -Infinity;
  for (const score of scores) {
    max = Math.max(max, score);
  }
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    const value = Math.exp(scores[c]! - max);
    scores[c] = value;
    sum += value;
  }
  for (let c = 0; c < scores.length; c++) {
    scores[c]! /= sum;
  }
}
