import {
  checkClasses,
  expectFiniteFloat64Array,
  expectInt32Array,
  expectInteger,
  expectModelData,
} from "./model-data.js";
import { describeNumber, findClass, formatClasses, toClassLabels, toFeatureMatrix } from "./rows.js";

/** Options of {@link KNearestNeighbors}. */
export interface KnnOptions {
  /** Number of neighbours that vote, a positive integer. Default 5. */
  readonly k?: number;
}

/** Defaults of {@link KnnOptions}. */
export const KNN_DEFAULTS = { k: 5 } as const satisfies Required<KnnOptions>;

/** A fitted {@link KNearestNeighbors} as plain data, the form model files store. */
export interface KnnModelData {
  readonly kind: "knn";
  readonly k: number;
  readonly nFeatures: number;
  /** Sorted unique class labels. */
  readonly classes: Int32Array;
  /** Training rows, `nRows × nFeatures`, row-major. */
  readonly rows: Float64Array;
  /** Class label of each training row. */
  readonly labels: Int32Array;
}

const OWNER = "KNearestNeighbors";

/**
 * k-nearest-neighbours classification with Euclidean distance and a uniform majority vote,
 * breaking ties as scikit-learn's KNeighborsClassifier does: among neighbours at equal distance
 * the earlier training row is nearer, and among classes with equal votes the smallest label
 * wins. Prediction compares the row with every training row (brute force) and allocates only
 * its result.
 */
export class KNearestNeighbors {
  readonly k: number;
  #nFeatures = 0;
  #nRows = 0;
  #classes: Int32Array = new Int32Array(0);
  #rows: Float64Array = new Float64Array(0);
  #classIndex: Int32Array = new Int32Array(0);
  // Scratch space reused by every prediction: the nearest rows found so far, sorted by
  // distance, and the vote of each class.
  #nearestDistance: Float64Array;
  #nearestIndex: Int32Array;
  #votes: Float64Array = new Float64Array(0);

  constructor(options: KnnOptions = {}) {
    const k = options.k ?? KNN_DEFAULTS.k;
    if (!Number.isInteger(k) || k < 1) {
      throw new RangeError(`${OWNER}: the k option must be a positive integer, got ${describeNumber(k)}`);
    }
    this.k = k;
    this.#nearestDistance = new Float64Array(k);
    this.#nearestIndex = new Int32Array(k);
  }

  /**
   * Stores `rows` and their integer class `labels` as the training set, replacing any earlier
   * one, and returns this model. Throws a RangeError when there are fewer rows than `k`, rows
   * of different lengths, or a non-finite value (naming its row and column).
   */
  fit(rows: readonly ArrayLike<number>[], labels: ArrayLike<number>): this {
    const { values, nRows, nFeatures } = toFeatureMatrix(rows, OWNER);
    const { classIndex, classes } = toClassLabels(labels, nRows, OWNER);
    if (nRows < this.k) {
      throw new RangeError(`${OWNER}: k is ${this.k}, but there are only ${nRows} training rows; lower k or add rows`);
    }
    this.#set(nFeatures, classes, values, classIndex);
    return this;
  }

  /** Whether {@link fit} or {@link fromModelData} has set the training set. */
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

  /** Number of training rows; 0 before fitting. */
  get nRows(): number {
    return this.#nRows;
  }

  /** Sorted unique class labels, as a copy. */
  get classes(): Int32Array {
    return this.#classes.slice();
  }

  /** Predicts the class label of `row`: the most common label among its k nearest training rows. */
  predict(row: ArrayLike<number>): number {
    this.#vote(row);
    const votes = this.#votes;
    let best = 0;
    for (let c = 1; c < votes.length; c++) {
      if (votes[c]! > votes[best]!) {
        best = c;
      }
    }
    return this.#classes[best]!;
  }

  /**
   * Computes the fraction of the k nearest training rows in each class, in the order of
   * {@link classes}. Writes into `out` when given (length `nClasses`).
   */
  predictProba(row: ArrayLike<number>, out?: Float64Array): Float64Array {
    this.#vote(row);
    const nClasses = this.#classes.length;
    let probabilities = out;
    if (probabilities === undefined) {
      probabilities = new Float64Array(nClasses);
    } else if (!(probabilities instanceof Float64Array) || probabilities.length !== nClasses) {
      throw new RangeError(`${OWNER}: out must be a Float64Array of ${nClasses} elements, one per class`);
    }
    for (let c = 0; c < nClasses; c++) {
      probabilities[c] = this.#votes[c]! / this.k;
    }
    return probabilities;
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

  /** Returns the training set and k as plain data (copies of the arrays) for a model file. */
  toModelData(): KnnModelData {
    this.#checkFitted();
    const labels = new Int32Array(this.#nRows);
    for (let i = 0; i < this.#nRows; i++) {
      labels[i] = this.#classes[this.#classIndex[i]!]!;
    }
    return {
      kind: "knn",
      k: this.k,
      nFeatures: this.#nFeatures,
      classes: this.#classes.slice(),
      rows: this.#rows.slice(),
      labels,
    };
  }

  /**
   * Rebuilds a fitted model from {@link toModelData}'s output after checking every field's type,
   * length and values. Throws a TypeError or RangeError naming the first field that is wrong.
   */
  static fromModelData(data: unknown): KNearestNeighbors {
    const record = expectModelData(data, "knn");
    const nFeatures = expectInteger(record, "knn", "nFeatures", 1);
    const classes = expectInt32Array(record, "knn", "classes");
    checkClasses(classes, "knn", 1);
    const labels = expectInt32Array(record, "knn", "labels");
    const nRows = labels.length;
    const k = expectInteger(record, "knn", "k", 1);
    if (nRows < k) {
      throw new RangeError(`knn model data: k is ${k}, but labels has only ${nRows} rows`);
    }
    const rows = expectFiniteFloat64Array(record, "knn", "rows", nRows * nFeatures, `${nRows} rows × ${nFeatures} features`);

    const classIndex = new Int32Array(nRows);
    const seen = new Uint8Array(classes.length);
    for (let i = 0; i < nRows; i++) {
      const index = findClass(classes, labels[i]!);
      if (index < 0) {
        throw new RangeError(
          `knn model data: labels[${i}] is ${labels[i]}, which is not one of the classes ${formatClasses(classes)}`,
        );
      }
      classIndex[i] = index;
      seen[index] = 1;
    }
    const unused = seen.indexOf(0);
    if (unused >= 0) {
      throw new RangeError(`knn model data: class ${classes[unused]} has no training rows`);
    }

    const model = new KNearestNeighbors({ k });
    model.#set(nFeatures, classes.slice(), rows.slice(), classIndex);
    return model;
  }

  #set(nFeatures: number, classes: Int32Array, rows: Float64Array, classIndex: Int32Array): void {
    this.#nFeatures = nFeatures;
    this.#nRows = classIndex.length;
    this.#classes = classes;
    this.#rows = rows;
    this.#classIndex = classIndex;
    this.#votes = new Float64Array(classes.length);
  }

  #checkFitted(): void {
    if (this.#nFeatures === 0) {
      throw new Error(`${OWNER}: the model is not fitted; call fit(rows, labels) first`);
    }
  }

  /** Finds the k nearest training rows of `row` and counts their classes into `#votes`. */
  #vote(row: ArrayLike<number>): void {
    this.#checkFitted();
    const nFeatures = this.#nFeatures;
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

    const k = this.k;
    const rows = this.#rows;
    const nearestDistance = this.#nearestDistance;
    const nearestIndex = this.#nearestIndex;
    let found = 0;
    let worst = Infinity;
    for (let i = 0; i < this.#nRows; i++) {
      const offset = i * nFeatures;
      let distance = 0;
      // Squared distances order rows as distances do. A row stops early once its partial sum
      // exceeds the k-th nearest, because it can then no longer enter the list.
      for (let j = 0; j < nFeatures && distance <= worst; j++) {
        const difference = rows[offset + j]! - row[j]!;
        distance += difference * difference;
      }
      if (found === k && !(distance < worst)) {
        continue;
      }
      // Insert after every entry at the same or a smaller distance, so earlier rows win ties.
      let position = found < k ? found : k - 1;
      while (position > 0 && nearestDistance[position - 1]! > distance) {
        nearestDistance[position] = nearestDistance[position - 1]!;
        nearestIndex[position] = nearestIndex[position - 1]!;
        position--;
      }
      nearestDistance[position] = distance;
      nearestIndex[position] = i;
      if (found < k) {
        found++;
      }
      if (found === k) {
        worst = nearestDistance[k - 1]!;
      }
    }

    const votes = this.#votes;
    votes.fill(0);
    for (let n = 0; n < k; n++) {
      votes[this.#classIndex[nearestIndex[n]!]!]! += 1;
    }
  }
}
