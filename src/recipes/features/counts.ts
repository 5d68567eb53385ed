import type { Window } from "../window.js";
import type { FeatureOptions } from "./options.js";
import { computeFeature, type FeatureKernel } from "./kernel.js";

// Count features. LibEMG counts only the comparisons that hold, so a NaN sample would silently
// lower the count. Here a channel with any NaN or infinite sample gives NaN instead, so that a
// bad window cannot pass for a quiet one. The running `probe` sum is 0 for finite samples and
// NaN otherwise (x - x), which avoids a branch per sample.

/** Returns 1 for x > 0, -1 for x < 0 and 0 for 0 and NaN. */
export function signOf(x: number): number {
  if (x > 0) {
    return 1;
  }
  return x < 0 ? -1 : 0;
}

export const zcKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let count = 0;
    let probe = 0;
    let previousSign = 0;
    for (let i = start; i < start + nSamples; i++) {
      const x = data[i] as number;
      probe += x - x;
      const sign = signOf(x);
      // Only +1 next to -1 multiplies to -1, so an exact zero breaks a crossing.
      count += sign * previousSign === -1 ? 1 : 0;
      previousSign = sign;
    }
    out[offset + c] = Number.isNaN(probe) ? Number.NaN : count;
  }
};

export const sscKernel: FeatureKernel = (window, options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  const threshold = options.sscThreshold;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    const end = start + nSamples;
    let count = 0;
    let probe = 0;
    if (nSamples > 0) {
      const first = data[start] as number;
      const last = data[end - 1] as number;
      probe = first - first + (last - last);
    }
    let before = data[start] as number;
    for (let i = start + 1; i < end - 1; i++) {
      const x = data[i] as number;
      const after = data[i + 1] as number;
      probe += x - x;
      count += (x - before) * (x - after) >= threshold ? 1 : 0;
      before = x;
    }
    out[offset + c] = Number.isNaN(probe) ? Number.NaN : count;
  }
};

export const wampKernel: FeatureKernel = (window, options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  const threshold = options.wampThreshold;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    const end = start + nSamples;
    let count = 0;
    let probe = 0;
    let previous = nSamples > 0 ? (data[start] as number) : 0;
    probe += previous - previous;
    for (let i = start + 1; i < end; i++) {
      const x = data[i] as number;
      probe += x - x;
      count += Math.abs(x - previous) > threshold ? 1 : 0;
      previous = x;
    }
    out[offset + c] = Number.isNaN(probe) ? Number.NaN : count;
  }
};

/**
 * Zero crossings: the number of successive pairs whose signs are strictly opposite. An exact 0
 * breaks a crossing, so 1, 0, -1 counts none. LibEMG's code has no threshold, although its
 * documentation page gives one. NaN for a channel with a non-finite sample.
 */
export function zc(window: Window): Float64Array {
  return computeFeature(zcKernel, window);
}

/**
 * Slope sign changes: the number of inner samples with
 * (x[i] - x[i-1]) × (x[i] - x[i+1]) ≥ `sscThreshold` (default 0, so ties and every sample of a
 * flat run count). NaN for a channel with a non-finite sample.
 */
export function ssc(window: Window, options?: FeatureOptions): Float64Array {
  return computeFeature(sscKernel, window, options);
}

/**
 * Willison amplitude: the number of successive differences with |x[i+1] - x[i]| > `wampThreshold`
 * (strict; default 2e-3, in signal units). NaN for a channel with a non-finite sample.
 */
export function wamp(window: Window, options?: FeatureOptions): Float64Array {
  return computeFeature(wampKernel, window, options);
}
