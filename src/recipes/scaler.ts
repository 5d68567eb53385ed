/** The serialisable state of a fitted {@link StandardScaler}. */
export interface StandardScalerData {
  readonly kind: "standard-scaler";
  /** Mean of each column over the training rows. */
  readonly mean: Float64Array;
  /** Divisor of each column: its population standard deviation, or 1 for a constant column. */
  readonly scale: Float64Array;
}

/**
 * Standardises feature rows column by column: (x - mean) / scale, as scikit-learn's
 * StandardScaler does with its defaults. The scale is the population standard deviation
 * (numpy's `std` with ddof 0). A column that is constant, up to the rounding error of the
 * two-pass variance, gets scale 1 so that it maps to 0 instead of dividing by almost nothing.
 */
export class StandardScaler {
  #mean: Float64Array | undefined;
  #scale: Float64Array | undefined;

  /** Whether {@link fit} or {@link fromModelData} has set the statistics. */
  get fitted(): boolean {
    return this.#mean !== undefined;
  }

  /** Number of columns the scaler was fitted on. Throws before fitting. */
  get nFeatures(): number {
    return this.#fittedMean().length;
  }

  /** A copy of the column means. Throws before fitting. */
  get mean(): Float64Array {
    return this.#fittedMean().slice();
  }

  /** A copy of the column scales. Throws before fitting. */
  get scale(): Float64Array {
    return this.#fittedScale().slice();
  }

  /**
   * Computes each column's mean and scale from `rows`, which must be non-empty, of one length
   * and finite (drop the windows that `hasNonFinite` flags before extracting their features).
   * Returns this scaler.
   */
  fit(rows: readonly ArrayLike<number>[]): this {
    const nRows = rows.length;
    const nFeatures = validateRows(rows);
    const mean = new Float64Array(nFeatures);
    for (const row of rows) {
      for (let j = 0; j < nFeatures; j++) {
        mean[j] = (mean[j] as number) + (row[j] as number);
      }
    }
    for (let j = 0; j < nFeatures; j++) {
      mean[j] = (mean[j] as number) / nRows;
    }

    const variance = new Float64Array(nFeatures);
    for (const row of rows) {
      for (let j = 0; j < nFeatures; j++) {
        const centred = (row[j] as number) - (mean[j] as number);
        variance[j] = (variance[j] as number) + centred * centred;
      }
    }
    const scale = new Float64Array(nFeatures);
    for (let j = 0; j < nFeatures; j++) {
      const columnVariance = (variance[j] as number) / nRows;
      const columnMean = mean[j] as number;
      // scikit-learn's constant-column test (sklearn.preprocessing._data, 1.x): a variance within
      // the error bound of the two-pass algorithm, n ε var + (n ε mean)², counts as zero.
      const bound =
        nRows * Number.EPSILON * columnVariance + (nRows * columnMean * Number.EPSILON) ** 2;
      scale[j] = columnVariance <= bound ? 1 : Math.sqrt(columnVariance);
    }

    this.#mean = mean;
    this.#scale = scale;
    return this;
  }

  /** Fits on `rows` and returns them transformed. */
  fitTransform(rows: readonly ArrayLike<number>[]): Float64Array[] {
    return this.fit(rows).transformRows(rows);
  }

  /**
   * Returns (row - mean) / scale as a new array. Throws before fitting and for a row of the wrong
   * length. A NaN or infinite value gives NaN or ±Infinity in its column, as in numpy.
   */
  transform(row: ArrayLike<number>): Float64Array {
    const mean = this.#fittedMean();
    const scale = this.#fittedScale();
    if (row.length !== mean.length) {
      throw new RangeError(
        `Invalid row: it has ${row.length} values, but the scaler was fitted on ` +
          `${mean.length} columns`,
      );
    }
    const out = new Float64Array(mean.length);
    for (let j = 0; j < mean.length; j++) {
      out[j] = ((row[j] as number) - (mean[j] as number)) / (scale[j] as number);
    }
    return out;
  }

  /** Transforms each row, as {@link transform}. */
  transformRows(rows: readonly ArrayLike<number>[]): Float64Array[] {
    return rows.map((row) => this.transform(row));
  }

  /** Returns copies of the fitted statistics, for a model file. Throws before fitting. */
  toModelData(): StandardScalerData {
    return { kind: "standard-scaler", mean: this.mean, scale: this.scale };
  }

  /**
   * Rebuilds a scaler from {@link toModelData}'s output. `mean` and `scale` may be Float64Arrays
   * or arrays of numbers. Throws a TypeError for data of the wrong kind or type, and a RangeError
   * for arrays of different or zero length, non-finite values or a scale that is not above 0.
   */
  static fromModelData(data: unknown): StandardScaler {
    if (typeof data !== "object" || data === null) {
      throw new TypeError(
        `Invalid standard scaler data: expected an object, got ${describeType(data)}`,
      );
    }
    const { kind, mean, scale } = data as Record<string, unknown>;
    if (kind !== "standard-scaler") {
      throw new TypeError(
        `Invalid standard scaler data: kind must be "standard-scaler", got ${JSON.stringify(kind)}`,
      );
    }
    const meanValues = toFloat64("mean", mean);
    const scaleValues = toFloat64("scale", scale);
    if (meanValues.length === 0 || meanValues.length !== scaleValues.length) {
      throw new RangeError(
        "Invalid standard scaler data: mean and scale must have the same non-zero length, got " +
          `${meanValues.length} and ${scaleValues.length}`,
      );
    }
    for (let j = 0; j < meanValues.length; j++) {
      const m = meanValues[j] as number;
      const s = scaleValues[j] as number;
      if (!Number.isFinite(m)) {
        throw new RangeError(
          `Invalid standard scaler data: mean[${j}] is ${m}; expected a finite number`,
        );
      }
      if (!Number.isFinite(s) || s <= 0) {
        throw new RangeError(
          `Invalid standard scaler data: scale[${j}] is ${s}; expected a finite number above 0`,
        );
      }
    }

    const scaler = new StandardScaler();
    scaler.#mean = meanValues;
    scaler.#scale = scaleValues;
    return scaler;
  }

  #fittedMean(): Float64Array {
    if (this.#mean === undefined) {
      throw new Error("StandardScaler is not fitted; call fit(rows) or fromModelData(data) first");
    }
    return this.#mean;
  }

  #fittedScale(): Float64Array {
    if (this.#scale === undefined) {
      throw new Error("StandardScaler is not fitted; call fit(rows) or fromModelData(data) first");
    }
    return this.#scale;
  }
}

/** Returns the common row length, or throws for no rows, ragged rows or non-finite values. */
function validateRows(rows: readonly ArrayLike<number>[]): number {
  const first = rows[0];
  if (first === undefined) {
    throw new RangeError("Cannot fit a StandardScaler on no rows; pass at least one row");
  }
  const nFeatures = first.length;
  if (nFeatures === 0) {
    throw new RangeError("Cannot fit a StandardScaler on rows of length 0");
  }
  rows.forEach((row, i) => {
    if (row.length !== nFeatures) {
      throw new RangeError(
        `Invalid rows: row ${i} has ${row.length} values, but row 0 has ${nFeatures}`,
      );
    }
    for (let j = 0; j < nFeatures; j++) {
      const value = row[j];
      if (typeof value !== "number" || !Number.isFinite(value)) {
        throw new RangeError(
          `Invalid rows: row ${i}, column ${j} is ${String(value)}; expected a finite number. ` +
            "Drop windows with non-finite samples or features before fitting",
        );
      }
    }
  });
  return nFeatures;
}

function toFloat64(field: string, value: unknown): Float64Array {
  if (value instanceof Float64Array) {
    return value.slice();
  }
  if (Array.isArray(value) && value.every((item) => typeof item === "number")) {
    return Float64Array.from(value as number[]);
  }
  throw new TypeError(
    `Invalid standard scaler data: ${field} must be a Float64Array or an array of numbers, ` +
      `got ${describeType(value)}`,
  );
}

function describeType(value: unknown): string {
  if (value === null) {
    return "null";
  }
  if (typeof value === "object") {
    return value.constructor?.name ?? "object";
  }
  return typeof value;
}
