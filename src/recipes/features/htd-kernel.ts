import { signOf } from "./counts.js";
import type { FeatureKernel } from "./kernel.js";

/**
 * Computes MAV, ZC, SSC and WL, Hudgins' time-domain set, in one pass over each channel and
 * writes them feature-major (all channels of MAV, then of ZC, SSC and WL). Each value equals
 * the single-feature kernel's to the bit, because the sums run in the same order. The four
 * independent running sums also let the processor overlap their additions, which is where the
 * time goes on long windows.
 */
export const htdKernel: FeatureKernel = (window, options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  const threshold = options.sscThreshold;
  const zcOffset = offset + nChannels;
  const sscOffset = offset + 2 * nChannels;
  const wlOffset = offset + 3 * nChannels;

  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    const end = start + nSamples;
    let absoluteSum = 0;
    let crossings = 0;
    let slopeChanges = 0;
    let length = 0;
    // 0 while every sample is finite, NaN after a NaN or infinite one (x - x).
    let probe = 0;
    let before = 0;
    let previous = 0;
    let previousSign = 0;

    if (nSamples > 0) {
      previous = data[start] as number;
      absoluteSum = Math.abs(previous);
      probe = previous - previous;
      previousSign = signOf(previous);
    }
    for (let i = start + 1; i < end; i++) {
      const x = data[i] as number;
      absoluteSum += Math.abs(x);
      probe += x - x;
      const sign = signOf(x);
      crossings += sign * previousSign === -1 ? 1 : 0;
      length += Math.abs(x - previous);
      // The slope sign change of the previous sample needs this one as its right neighbour.
      if (i >= start + 2) {
        slopeChanges += (previous - before) * (previous - x) >= threshold ? 1 : 0;
      }
      before = previous;
      previous = x;
      previousSign = sign;
    }

    const finite = !Number.isNaN(probe);
    out[offset + c] = absoluteSum / nSamples;
    out[zcOffset + c] = finite ? crossings : Number.NaN;
    out[sscOffset + c] = finite ? slopeChanges : Number.NaN;
    out[wlOffset + c] = length;
  }
};
