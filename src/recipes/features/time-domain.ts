import type { Window } from "../window.js";
import { computeFeature, type FeatureKernel } from "./kernel.js";

// Amplitude and waveform features. Each follows numpy's arithmetic: a NaN sample makes the
// channel's value NaN, and an infinite sample gives ±Infinity or NaN where numpy does. A mean
// over no values is 0 / 0 = NaN, as numpy's mean of an empty array.

export const mavKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let sum = 0;
    for (let i = start; i < start + nSamples; i++) {
      sum += Math.abs(data[i] as number);
    }
    out[offset + c] = sum / nSamples;
  }
};

export const iavKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let sum = 0;
    for (let i = start; i < start + nSamples; i++) {
      sum += Math.abs(data[i] as number);
    }
    out[offset + c] = sum;
  }
};

export const rmsKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let sum = 0;
    for (let i = start; i < start + nSamples; i++) {
      const x = data[i] as number;
      sum += x * x;
    }
    out[offset + c] = Math.sqrt(sum / nSamples);
  }
};

export const varKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let sum = 0;
    for (let i = start; i < start + nSamples; i++) {
      sum += data[i] as number;
    }
    // Two passes, as numpy: the squares of the centred samples lose less precision than
    // mean(x^2) - mean(x)^2.
    const mean = sum / nSamples;
    let sumSquares = 0;
    for (let i = start; i < start + nSamples; i++) {
      const centred = (data[i] as number) - mean;
      sumSquares += centred * centred;
    }
    out[offset + c] = sumSquares / nSamples;
  }
};

export const wlKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let sum = 0;
    let previous = data[start] as number;
    for (let i = start + 1; i < start + nSamples; i++) {
      const x = data[i] as number;
      sum += Math.abs(x - previous);
      previous = x;
    }
    out[offset + c] = sum;
  }
};

export const dasdvKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  const nDifferences = Math.max(nSamples - 1, 0);
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let sum = 0;
    let previous = data[start] as number;
    for (let i = start + 1; i < start + nSamples; i++) {
      const x = data[i] as number;
      const difference = x - previous;
      sum += difference * difference;
      previous = x;
    }
    out[offset + c] = Math.sqrt(sum / nDifferences);
  }
};

export const mflKernel: FeatureKernel = (window, options, out, offset) => {
  wlKernel(window, options, out, offset);
  for (let c = 0; c < window.nChannels; c++) {
    out[offset + c] = Math.log10(out[offset + c] as number);
  }
};

export const ldKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let sum = 0;
    for (let i = start; i < start + nSamples; i++) {
      // log(|x| + 1) as LibEMG writes it, not log1p(|x|): the two can differ in the last bit.
      sum += Math.log(Math.abs(data[i] as number) + 1);
    }
    out[offset + c] = Math.exp(sum / nSamples);
  }
};

export const msrKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let realSum = 0;
    let imaginarySum = 0;
    for (let i = start; i < start + nSamples; i++) {
      const x = data[i] as number;
      if (x >= 0) {
        realSum += Math.sqrt(x);
      } else if (x < 0) {
        imaginarySum += Math.sqrt(-x);
      } else {
        // numpy's maximum(NaN, 0) is NaN, so a NaN sample reaches both parts.
        realSum += x;
        imaginarySum += x;
      }
    }
    out[offset + c] = Math.hypot(realSum / nSamples, imaginarySum / nSamples);
  }
};

export const lsKernel: FeatureKernel = (window, _options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  const sorted = new Float64Array(nSamples);
  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    let sum = 0;
    for (let i = 0; i < nSamples; i++) {
      const x = data[start + i] as number;
      sorted[i] = x;
      sum += x;
    }
    // A typed array sorts numerically, with NaN last as numpy's sort puts it.
    sorted.sort();
    let weightedSum = 0;
    for (let j = 1; j < nSamples; j++) {
      weightedSum += (j / (nSamples - 1)) * (sorted[j] as number);
    }
    const b0 = sum / nSamples;
    const b1 = (1 / nSamples) * weightedSum;
    out[offset + c] = 2 * b1 - b0;
  }
};

/** Mean absolute value: the mean of |x| over the window. */
export function mav(window: Window): Float64Array {
  return computeFeature(mavKernel, window);
}

/** Integral of absolute value: the sum of |x| over the window (nSamples × MAV). */
export function iav(window: Window): Float64Array {
  return computeFeature(iavKernel, window);
}

/** Root mean square: the square root of the mean of x². */
export function rms(window: Window): Float64Array {
  return computeFeature(rmsKernel, window);
}

/**
 * VAR, the population variance: the mean of (x - mean)², divided by nSamples as LibEMG's code
 * does (its documentation page writes nSamples - 1). Named `variance` because `var` is a
 * reserved word.
 */
export function variance(window: Window): Float64Array {
  return computeFeature(varKernel, window);
}

/** Waveform length: the sum of |x[i+1] - x[i]| over the nSamples - 1 successive differences. */
export function wl(window: Window): Float64Array {
  return computeFeature(wlKernel, window);
}

/**
 * Difference absolute standard deviation: the square root of the mean of (x[i+1] - x[i])² over
 * the nSamples - 1 differences. NaN for a window of fewer than 2 samples.
 */
export function dasdv(window: Window): Float64Array {
  return computeFeature(dasdvKernel, window);
}

/**
 * Maximum fractal length: log10 of the waveform length. A channel that does not change at all
 * has WL = 0 and so MFL = -Infinity, as in LibEMG.
 */
export function mfl(window: Window): Float64Array {
  return computeFeature(mflKernel, window);
}

/**
 * Log detector: exp of the mean of log(|x| + 1). The + 1 is LibEMG's, so an all-zero channel
 * gives 1, not 0 (its documentation page omits it).
 */
export function ld(window: Window): Float64Array {
  return computeFeature(ldKernel, window);
}

/**
 * Mean squared ratio: the modulus of the mean of √x taken in complex numbers, that is
 * hypot(Σ √x over x ≥ 0, Σ √-x over x < 0) / nSamples, as LibEMG's code computes it.
 */
export function msr(window: Window): Float64Array {
  return computeFeature(msrKernel, window);
}

/**
 * L-scale, the second sample L-moment: 2 b1 - b0, where b0 is the mean and
 * b1 = (1 / N) Σ_j ((j - 1) / (N - 1)) x(j) over the samples sorted ascending, j = 1 .. N.
 * It equals half the mean of |x[i] - x[j]| over all pairs. A channel containing NaN gives NaN.
 */
export function ls(window: Window): Float64Array {
  return computeFeature(lsKernel, window);
}
