import type { Window } from "../window.js";
import { fftInPlace, fftPlan, nextPowerOfTwo } from "./fft.js";
import { computeFeature, type FeatureKernel } from "./kernel.js";
import type { FeatureOptions, ResolvedFeatureOptions } from "./options.js";

// LibEMG's spectrum: the FFT of each channel zero-padded to nFft, the next power of two ≥ N,
// divided by N (not by nFft). The power P[k] = |X[k]|² is taken for k = 0 .. nFft/2 - 1, that is
// from DC up to but not including the Nyquist bin, and is not doubled. Bin k lies at
// k × sampleRateHz / nFft.
//
// A channel with a NaN or infinite sample gives NaN for every spectral feature: its spectrum
// would be a mixture of NaN and ±Infinity that depends on the FFT's order of operations.

type SpectrumReducer = (
  power: Float64Array,
  nBins: number,
  nFft: number,
  options: ResolvedFeatureOptions,
) => number;

function spectralKernel(reduce: SpectrumReducer): FeatureKernel {
  return (window, options, out, offset) => {
    const { data, nChannels, nSamples } = window;
    const nFft = nextPowerOfTwo(nSamples);
    const nBins = nFft >> 1;
    const plan = fftPlan(nFft);
    const reversed = plan.reversed;
    const real = new Float64Array(nFft);
    const imaginary = new Float64Array(nFft);
    const power = new Float64Array(nBins);

    for (let c = 0; c < nChannels; c++) {
      const start = c * nSamples;
      real.fill(0);
      imaginary.fill(0);
      let probe = 0;
      for (let i = 0; i < nSamples; i++) {
        const x = data[start + i] as number;
        probe += x - x;
        real[reversed[i] as number] = x;
      }
      if (Number.isNaN(probe)) {
        out[offset + c] = Number.NaN;
        continue;
      }

      fftInPlace(plan, real, imaginary);
      for (let k = 0; k < nBins; k++) {
        const binReal = (real[k] as number) / nSamples;
        const binImaginary = (imaginary[k] as number) / nSamples;
        power[k] = binReal * binReal + binImaginary * binImaginary;
      }
      out[offset + c] = reduce(power, nBins, nFft, options);
    }
  };
}

export const mnpKernel = spectralKernel((power, nBins) => {
  let total = 0;
  for (let k = 0; k < nBins; k++) {
    total += power[k] as number;
  }
  return total / nBins;
});

export const mnfKernel = spectralKernel((power, nBins, nFft, options) => {
  let total = 0;
  let weighted = 0;
  for (let k = 0; k < nBins; k++) {
    const p = power[k] as number;
    total += p;
    // k × (1 / nFft) × rate, in numpy's order of operations.
    weighted += k * (1 / nFft) * options.sampleRateHz * p;
  }
  return weighted / total;
});

export const mdfKernel = spectralKernel((power, nBins, nFft, options) => {
  let total = 0;
  for (let k = 0; k < nBins; k++) {
    total += power[k] as number;
  }
  const half = total / 2;
  let cumulative = 0;
  for (let k = 0; k < nBins; k++) {
    cumulative += power[k] as number;
    if (cumulative > half) {
      return ((options.sampleRateHz / 2) * k) / (nFft / 2);
    }
  }
  return Number.NaN;
});

/** Mean power: the mean of P[k] over the nFft / 2 bins of LibEMG's spectrum. */
export function mnp(window: Window): Float64Array {
  return computeFeature(mnpKernel, window);
}

/**
 * Mean frequency in Hz: Σ f[k] P[k] / Σ P[k] over LibEMG's spectrum, with bins converted at
 * `sampleRateHz` (default 1000, as LibEMG's MNF_fs). An all-zero channel gives 0 / 0 = NaN.
 */
export function mnf(window: Window, options?: FeatureOptions): Float64Array {
  return computeFeature(mnfKernel, window, options);
}

/**
 * Median frequency in Hz: the frequency of the first bin k whose cumulative power
 * P[0] + … + P[k] is strictly greater than half the total. That is
 * (sampleRateHz / 2) × k / (nFft / 2), with no interpolation between bins. `sampleRateHz`
 * defaults to 1000, as LibEMG's MDF_fs.
 *
 * A channel with zero total power has no such bin: LibEMG raises an IndexError there, and this
 * function returns NaN for that channel so that the other channels and windows survive.
 */
export function mdf(window: Window, options?: FeatureOptions): Float64Array {
  return computeFeature(mdfKernel, window, options);
}
