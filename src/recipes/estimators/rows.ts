/** Training rows copied into one row-major matrix. */
export interface FeatureMatrix {
  /** `nRows × nFeatures` values, row-major. */
  readonly values: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
}

/** Training labels with the sorted unique classes they contain. */
export interface ClassLabels {
  /** Index into `classes` of each row's label. */
  readonly classIndex: Int32Array;
  /** Sorted unique labels. */
  readonly classes: Int32Array;
  /** Number of rows of each class, in the order of `classes`. */
  readonly counts: Float64Array;
}

/** Describes a non-finite number for an error message. */
export function describeNumber(value: number): string {
  return Number.isNaN(value) ? "NaN" : String(value);
}

/**
 * Copies `rows` into one Float64Array after checking them: at least one row, every row with the
 * same number of values (at least one), every value finite. `owner` starts each error message.
 */
export function toFeatureMatrix(rows: readonly ArrayLike<number>[], owner: string): FeatureMatrix {
  if (!Array.isArray(rows)) {
    throw new TypeError(`${owner}: rows must be an array of rows, got ${typeof rows}`);
  }
  const nRows = rows.length;
  if (nRows === 0) {
    throw new RangeError(`${owner}: no training rows were given`);
  }
  const nFeatures = rowLength(rows[0], 0, owner);
  if (nFeatures === 0) {
    throw new RangeError(`${owner}: row 0 has no values; each row needs at least one feature`);
  }

  const values = new Float64Array(nRows * nFeatures);
  for (let i = 0; i < nRows; i++) {
    const row = rows[i];
    const length = rowLength(row, i, owner);
    if (length !== nFeatures) {
      throw new RangeError(
        `${owner}: row ${i} has ${length} values, but row 0 has ${nFeatures}; all rows need the same features`,
      );
    }
    const offset = i * nFeatures;
    for (let j = 0; j < nFeatures; j++) {
      const value = row![j]!;
      if (!Number.isFinite(value)) {
        throw new RangeError(
          `${owner}: row ${i}, column ${j} is ${describeNumber(value)}; remove or repair non-finite features before fitting`,
        );
      }
      values[offset + j] = value;
    }
  }
  return { values, nRows, nFeatures };
}

function rowLength(row: ArrayLike<number> | undefined, index: number, owner: string): number {
  if (row === null || typeof row !== "object" || typeof row.length !== "number") {
    throw new TypeError(`${owner}: row ${index} is not an array of numbers`);
  }
  return row.length;
}

/**
 * Checks that `labels` contains one integer per row, each in the Int32 range, and finds the sorted
 * unique classes. `owner` starts each error message.
 */
export function toClassLabels(labels: ArrayLike<number>, nRows: number, owner: string): ClassLabels {
  if (labels === null || typeof labels !== "object" || typeof labels.length !== "number") {
    throw new TypeError(`${owner}: labels must be an array of integer class labels`);
  }
  if (labels.length !== nRows) {
    throw new RangeError(`${owner}: ${labels.length} labels were given for ${nRows} rows; give one label per row`);
  }

  const raw = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const label = labels[i]!;
    if (!Number.isInteger(label) || label < -0x80000000 || label > 0x7fffffff) {
      throw new RangeError(
        `${owner}: the label of row ${i} is ${describeNumber(label)}; labels must be integers from -2^31 to 2^31-1`,
      );
    }
    raw[i] = label;
  }

  const classes = Int32Array.from(new Set(raw)).sort();
  const counts = new Float64Array(classes.length);
  const classIndex = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const index = findClass(classes, raw[i]!);
    classIndex[i] = index;
    counts[index]! += 1;
  }
  return { classIndex, classes, counts };
}

/** Binary search for `label` in the sorted `classes`; -1 when absent. */
export function findClass(classes: Int32Array, label: number): number {
  let low = 0;
  let high = classes.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = classes[middle]!;
    if (value === label) {
      return middle;
    }
    if (value < label) {
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return -1;
}

/** Formats a list of class labels for a message, e.g. `0, 1, 2`. */
export function formatClasses(classes: ArrayLike<number>): string {
  return Array.from(classes).join(", ");
}

/**
 * Checks that the classes found in the labels are exactly `expected`, so that a class that was
 * meant to be trained but has no rows is reported instead of silently left out.
 */
export function checkExpectedClasses(found: ClassLabels, expected: ArrayLike<number>, owner: string): void {
  const expectedSet = new Set<number>();
  for (let i = 0; i < expected.length; i++) {
    const label = expected[i]!;
    if (!Number.isInteger(label)) {
      throw new RangeError(`${owner}: classes[${i}] is ${describeNumber(label)}; classes must be integers`);
    }
    expectedSet.add(label);
  }
  for (const label of found.classes) {
    if (!expectedSet.has(label)) {
      throw new RangeError(
        `${owner}: label ${label} is not one of the expected classes ${formatClasses([...expectedSet].sort((a, b) => a - b))}`,
      );
    }
  }
  const missing = [...expectedSet].filter((label) => findClass(found.classes, label) < 0).sort((a, b) => a - b);
  if (missing.length > 0) {
    const subject = missing.length === 1 ? `class ${missing[0]} has` : `classes ${formatClasses(missing)} have`;
    throw new RangeError(`${owner}: ${subject} no rows; record data for every expected class before fitting`);
  }
}
