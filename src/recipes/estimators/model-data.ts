/**
 * Checks shared by the estimators' `fromModelData`. Each throws a TypeError or RangeError whose
 * message starts with `<kind> model data:` and names the field, the expected shape and what was
 * found.
 */

/** Checks that `data` is an object whose `kind` is `kind`, and returns it for field access. */
export function expectModelData(data: unknown, kind: string): Record<string, unknown> {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new TypeError(`${kind} model data must be an object, got ${describeValue(data)}`);
  }
  const record = data as Record<string, unknown>;
  if (record.kind !== kind) {
    throw new TypeError(`${kind} model data: kind must be "${kind}", got ${describeValue(record.kind)}`);
  }
  return record;
}

/** Returns the integer field `name`, checked to lie in `[min, max]`. */
export function expectInteger(
  record: Record<string, unknown>,
  kind: string,
  name: string,
  min: number,
  max: number = Number.MAX_SAFE_INTEGER,
): number {
  const value = record[name];
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new RangeError(`${kind} model data: ${name} must be an integer ${range}, got ${describeValue(value)}`);
  }
  return value;
}

/** Returns the Int32Array field `name`, checked to have `length` elements when `length` is given. */
export function expectInt32Array(
  record: Record<string, unknown>,
  kind: string,
  name: string,
  length?: number,
  shape?: string,
): Int32Array {
  const value = record[name];
  if (!(value instanceof Int32Array)) {
    throw new TypeError(`${kind} model data: ${name} must be an Int32Array, got ${describeValue(value)}`);
  }
  if (length !== undefined) {
    checkLength(value, kind, name, length, shape);
  }
  return value;
}

/**
 * Returns the Float64Array field `name`, checked to have `length` elements, all finite.
 * `shape` describes the expected length for the message, e.g. `3 classes × 8 features`.
 */
export function expectFiniteFloat64Array(
  record: Record<string, unknown>,
  kind: string,
  name: string,
  length: number,
  shape: string,
): Float64Array {
  const value = record[name];
  if (!(value instanceof Float64Array)) {
    throw new TypeError(`${kind} model data: ${name} must be a Float64Array, got ${describeValue(value)}`);
  }
  checkLength(value, kind, name, length, shape);
  for (let i = 0; i < value.length; i++) {
    if (!Number.isFinite(value[i]!)) {
      throw new RangeError(`${kind} model data: ${name}[${i}] is ${value[i]}; every value must be finite`);
    }
  }
  return value;
}

/** Checks that `classes` is strictly increasing and has at least `minimum` labels. */
export function checkClasses(classes: Int32Array, kind: string, minimum: number): void {
  if (classes.length < minimum) {
    throw new RangeError(`${kind} model data: classes must hold at least ${minimum} labels, got ${classes.length}`);
  }
  for (let i = 1; i < classes.length; i++) {
    if (!(classes[i]! > classes[i - 1]!)) {
      throw new RangeError(
        `${kind} model data: classes must be sorted and unique, but classes[${i}] = ${classes[i]} follows ${classes[i - 1]}`,
      );
    }
  }
}

function checkLength(value: ArrayLike<number>, kind: string, name: string, length: number, shape?: string): void {
  if (value.length !== length) {
    const expected = shape === undefined ? `${length}` : `${length} (${shape})`;
    throw new RangeError(`${kind} model data: ${name} must have ${expected} elements, got ${value.length}`);
  }
}

/** Describes a value's type for an error message: `Float32Array of 4`, `string "x"`, `undefined`. */
export function describeValue(value: unknown): string {
  if (value === null || value === undefined) {
    return String(value);
  }
  if (ArrayBuffer.isView(value)) {
    const length = (value as unknown as ArrayLike<unknown>).length;
    return `${value.constructor.name} of ${length ?? value.byteLength} elements`;
  }
  if (Array.isArray(value)) {
    return `an array of ${value.length} elements`;
  }
  if (typeof value === "string") {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  }
  if (typeof value === "number" || typeof value === "boolean") {
    return String(value);
  }
  return typeof value;
}
