/** Returns the first index at or after `from` whose value is at least `target`, in a non-decreasing array. */
export function lowerBound(sorted: ArrayLike<number>, target: number, from = 0): number {
  let low = from;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) < target) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/** Returns the first index at or after `from` whose value is above `target`, in a non-decreasing array. */
export function upperBound(sorted: ArrayLike<number>, target: number, from = 0): number {
  let low = from;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) <= target) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}
