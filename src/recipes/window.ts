/**
 * A block of samples, channels-first: `data` contains `nChannels × nSamples` values, channel by
 * channel (all samples of channel 0, then of channel 1, and so on). The windows that streams
 * return satisfy this type.
 */
export interface Window {
  readonly data: Float32Array | Float64Array;
  readonly nChannels: number;
  readonly nSamples: number;
}

/**
 * Throws a RangeError unless `nChannels` and `nSamples` are non-negative integers and `data`
 * contains exactly `nChannels × nSamples` values.
 */
export function validateWindow(window: Window): void {
  const { data, nChannels, nSamples } = window;
  if (!Number.isInteger(nChannels) || nChannels < 0) {
    throw new RangeError(
      `Invalid window: nChannels must be a non-negative integer, got ${nChannels}`,
    );
  }
  if (!Number.isInteger(nSamples) || nSamples < 0) {
    throw new RangeError(
      `Invalid window: nSamples must be a non-negative integer, got ${nSamples}`,
    );
  }
  if (data.length !== nChannels * nSamples) {
    throw new RangeError(
      `Invalid window: data has ${data.length} values, expected nChannels × nSamples = ` +
        `${nChannels} × ${nSamples} = ${nChannels * nSamples}`,
    );
  }
}

/**
 * Returns true when any sample of the window is NaN or ±Infinity. Features keep such values
 * visible (see each feature's documentation), and a pipeline can use this check to flag or drop
 * the window before it reaches a model.
 */
export function hasNonFinite(window: Window): boolean {
  const data = window.data;
  const length = data.length;
  // x - x is 0 for every finite x and NaN for NaN and ±Infinity, so one NaN test at the end
  // replaces a branch per sample.
  let probe = 0;
  for (let i = 0; i < length; i++) {
    const x = data[i] as number;
    probe += x - x;
  }
  return Number.isNaN(probe);
}
