/** Detection of NaN and infinite values in whatever a pipeline's extract callback returns. */

/**
 * Counts the NaN and infinite numbers in extracted features: a number, an array or typed array
 * of numbers, or objects (such as stream windows, or a record of them) holding those, up to two
 * levels deep.
 */
export function countNonFinite(value: unknown, depth = 0): number {
  if (typeof value === "number") {
    return Number.isFinite(value) ? 0 : 1;
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    const items = value as unknown as ArrayLike<number>;
    let count = 0;
    for (let index = 0; index < items.length; index++) {
      const item = items[index] as number;
      if (typeof item === "number" && item - item !== 0) count++;
    }
    return count;
  }
  if (Array.isArray(value)) {
    let count = 0;
    for (const item of value) {
      if (typeof item === "number") {
        count += countNonFinite(item);
      } else if (depth < 2) {
        count += countNonFinite(item, depth + 1);
      }
    }
    return count;
  }
  if (depth < 2 && typeof value === "object" && value !== null) {
    let count = 0;
    for (const item of Object.values(value)) {
      count += countNonFinite(item, depth + 1);
    }
    return count;
  }
  return 0;
}
