import type { Window } from "../window.js";
import { computeFeature, type FeatureKernel } from "./kernel.js";

// TDPSD: time-domain power spectral descriptors, as LibEMG 2.0.0's code computes them.
//
// Each feature computes one descriptor d twice, on the channel x and on log(x² + 2^-52), and
// returns the orientation between the two: -2 d_log d_raw / (d_log² + d_raw²). The result lies in
// [-1, 1], and it is NaN when either descriptor is infinite or NaN, or both are 0. A channel
// with a NaN or infinite sample therefore gives NaN, as in numpy.
//
// The moments behind the descriptors, over N samples with first and second differences d1 and
// d2, each passed through the power transform m -> m^0.1 / 0.1:
//     m0 = sqrt(Σ x²) / (N - 1),  m2 = sqrt(Σ d1² / (N - 1)),  m4 = sqrt(Σ d2² / (N - 1)).
// The N - 1 outside the root for m0 and inside it for m2 and m4, and m4 dividing its N - 2 terms
// by N - 1, are LibEMG's code, kept as is. Its documentation page differs: it gives
// log(m^0.1 / 0.1) without the N - 1 or the orientation step, and writes x[i+2] + x[i] where the
// code uses the second difference.

/** np.spacing(1.0), which LibEMG adds before taking log(x²) so that exact zeros stay finite. */
const MACHINE_EPSILON = 2 ** -52;

/** The descriptors, numbered in the TDPSD group's column order. */
const DESCRIPTOR = { m0: 0, m2: 1, m4: 2, sparsi: 3, irf: 4, wlf: 5 } as const;
type Descriptor = (typeof DESCRIPTOR)[keyof typeof DESCRIPTOR];
const DESCRIPTORS: readonly Descriptor[] = Object.values(DESCRIPTOR);

/** Indices into the sums that {@link accumulateSums} writes. */
const SUM_SQUARES = 0;
const SUM_D1_SQUARES = 1;
const SUM_D2_SQUARES = 2;
const SUM_ABS_D1 = 3;
const SUM_ABS_D2 = 4;

/** Writes Σ x², Σ d1², Σ d2², Σ |d1| and Σ |d2| of signal[start, start + n) into `sums`. */
function accumulateSums(
  signal: Float32Array | Float64Array,
  start: number,
  n: number,
  sums: Float64Array,
): void {
  let sumSquares = 0;
  let sumD1Squares = 0;
  let sumD2Squares = 0;
  let sumAbsD1 = 0;
  let sumAbsD2 = 0;
  let previous = 0;
  let previousD1 = 0;
  for (let i = 0; i < n; i++) {
    const x = signal[start + i] as number;
    sumSquares += x * x;
    if (i >= 1) {
      const d1 = x - previous;
      sumD1Squares += d1 * d1;
      sumAbsD1 += Math.abs(d1);
      if (i >= 2) {
        const d2 = d1 - previousD1;
        sumD2Squares += d2 * d2;
        sumAbsD2 += Math.abs(d2);
      }
      previousD1 = d1;
    }
    previous = x;
  }
  sums[SUM_SQUARES] = sumSquares;
  sums[SUM_D1_SQUARES] = sumD1Squares;
  sums[SUM_D2_SQUARES] = sumD2Squares;
  sums[SUM_ABS_D1] = sumAbsD1;
  sums[SUM_ABS_D2] = sumAbsD2;
}

function powerTransform(moment: number): number {
  return moment ** 0.1 / 0.1;
}

/** Returns the descriptor d of a signal of n samples from its sums. */
function describe(descriptor: Descriptor, sums: Float64Array, n: number): number {
  if (descriptor === DESCRIPTOR.wlf) {
    const ratio = (sums[SUM_ABS_D1] as number) / (sums[SUM_ABS_D2] as number);
    return Math.log(Math.abs(Math.sqrt(ratio)));
  }
  const m0 = powerTransform(Math.sqrt(sums[SUM_SQUARES] as number) / (n - 1));
  const m2 = powerTransform(Math.sqrt((sums[SUM_D1_SQUARES] as number) / (n - 1)));
  const m4 = powerTransform(Math.sqrt((sums[SUM_D2_SQUARES] as number) / (n - 1)));
  switch (descriptor) {
    case DESCRIPTOR.m0:
      return Math.log(Math.abs(m0));
    case DESCRIPTOR.m2:
      return Math.log(Math.abs(m0 - m2));
    case DESCRIPTOR.m4:
      return Math.log(Math.abs(m0 - m4));
    case DESCRIPTOR.sparsi:
      return Math.log(Math.abs(Math.sqrt(Math.abs((m0 - m2) * (m0 - m4))) / m0));
    case DESCRIPTOR.irf:
      return Math.log(Math.abs(m2 / Math.sqrt(m0 * m4)));
  }
}

/**
 * Writes the sums of channel `c` into `rawSums` and those of its log power log(x² + 2^-52) into
 * `logSums`, using `logSignal` (nSamples long) as scratch.
 */
function accumulateChannelSums(
  window: Window,
  c: number,
  logSignal: Float64Array,
  rawSums: Float64Array,
  logSums: Float64Array,
): void {
  const { data, nSamples } = window;
  const start = c * nSamples;
  accumulateSums(data, start, nSamples, rawSums);
  for (let i = 0; i < nSamples; i++) {
    const x = data[start + i] as number;
    logSignal[i] = Math.log(x * x + MACHINE_EPSILON);
  }
  accumulateSums(logSignal, 0, nSamples, logSums);
}

/** Returns -2 d_log d_raw / (d_log² + d_raw²) for one descriptor of a signal of n samples. */
function orientation(
  descriptor: Descriptor,
  rawSums: Float64Array,
  logSums: Float64Array,
  n: number,
): number {
  const raw = describe(descriptor, rawSums, n);
  const log = describe(descriptor, logSums, n);
  return (-2 * (log * raw)) / (log * log + raw * raw);
}

function tdpsdKernel(descriptor: Descriptor): FeatureKernel {
  return (window, _options, out, offset) => {
    const logSignal = new Float64Array(window.nSamples);
    const rawSums = new Float64Array(5);
    const logSums = new Float64Array(5);
    for (let c = 0; c < window.nChannels; c++) {
      accumulateChannelSums(window, c, logSignal, rawSums, logSums);
      out[offset + c] = orientation(descriptor, rawSums, logSums, window.nSamples);
    }
  };
}

/**
 * Computes the whole TDPSD group (M0, M2, M4, SPARSI, IRF, WLF) feature-major, sharing the sums
 * and the log power between the six features. Equal to the single-feature kernels to the bit.
 */
export const tdpsdGroupKernel: FeatureKernel = (window, _options, out, offset) => {
  const { nChannels, nSamples } = window;
  const logSignal = new Float64Array(nSamples);
  const rawSums = new Float64Array(5);
  const logSums = new Float64Array(5);
  for (let c = 0; c < nChannels; c++) {
    accumulateChannelSums(window, c, logSignal, rawSums, logSums);
    for (const descriptor of DESCRIPTORS) {
      const value = orientation(descriptor, rawSums, logSums, nSamples);
      out[offset + descriptor * nChannels + c] = value;
    }
  }
};

export const m0Kernel = tdpsdKernel(DESCRIPTOR.m0);
export const m2Kernel = tdpsdKernel(DESCRIPTOR.m2);
export const m4Kernel = tdpsdKernel(DESCRIPTOR.m4);
export const sparsiKernel = tdpsdKernel(DESCRIPTOR.sparsi);
export const irfKernel = tdpsdKernel(DESCRIPTOR.irf);
export const wlfKernel = tdpsdKernel(DESCRIPTOR.wlf);

/**
 * TDPSD M0: the orientation of d = log|m0| between the channel and its log power (see the notes
 * at the top of this file). An all-zero channel gives log 0 = -Infinity and so NaN.
 */
export function m0(window: Window): Float64Array {
  return computeFeature(m0Kernel, window);
}

/** TDPSD M2: the orientation of d = log|m0 - m2|. */
export function m2(window: Window): Float64Array {
  return computeFeature(m2Kernel, window);
}

/** TDPSD M4: the orientation of d = log|m0 - m4|. */
export function m4(window: Window): Float64Array {
  return computeFeature(m4Kernel, window);
}

/**
 * TDPSD sparseness: the orientation of d = log|sqrt(|(m0 - m2)(m0 - m4)|) / m0|. A constant
 * channel gives d = 0 for both signals and so 0 / 0 = NaN.
 */
export function sparsi(window: Window): Float64Array {
  return computeFeature(sparsiKernel, window);
}

/**
 * TDPSD irregularity factor: the orientation of d = log|m2 / sqrt(m0 m4)|. A constant channel
 * has m2 = m4 = 0 and so gives NaN.
 */
export function irf(window: Window): Float64Array {
  return computeFeature(irfKernel, window);
}

/**
 * TDPSD waveform length factor: the orientation of d = log|sqrt(Σ |d1| / Σ |d2|)|, with no power
 * transform. A constant channel gives 0 / 0 and so NaN. LibEMG's documentation page calls it WLR.
 */
export function wlf(window: Window): Float64Array {
  return computeFeature(wlfKernel, window);
}
