import { validateWindow, type Window } from "../window.js";
import type { FeatureKernel } from "./kernel.js";
import { resolveFeatureOptions, type FeatureOptions } from "./options.js";

/**
 * The smallest normal double. librosa adds it to Burg's denominator, so an all-zero channel gives
 * zero coefficients, not NaN.
 */
const SMALLEST_NORMAL = 2.2250738585072014e-308;

/** Throws a RangeError unless `order` leaves at least one sample for Burg's last stage. */
export function validateArOrder(order: number, nSamples: number): void {
  if (order >= nSamples) {
    throw new RangeError(
      `AR order ${order} needs windows of more than ${order} samples, got ${nSamples}; ` +
        "lower arOrder or lengthen the window",
    );
  }
}

export const arKernel: FeatureKernel = (window, options, out, offset) => {
  const { data, nChannels, nSamples } = window;
  const order = options.arOrder;
  validateArOrder(order, nSamples);
  const forward = new Float64Array(nSamples - 1);
  const backward = new Float64Array(nSamples - 1);
  const coefficients = new Float64Array(order + 1);
  const previous = new Float64Array(order + 1);

  for (let c = 0; c < nChannels; c++) {
    const start = c * nSamples;
    const first = offset + c * order;
    let length = nSamples - 1;
    let denominator = 0;
    let probe = 0;
    for (let i = 0; i < length; i++) {
      const f = data[start + i + 1] as number;
      const b = data[start + i] as number;
      forward[i] = f;
      backward[i] = b;
      denominator += f * f + b * b;
      probe += f - f + (b - b);
    }
    if (Number.isNaN(probe)) {
      out.fill(Number.NaN, first, first + order);
      continue;
    }

    coefficients.fill(0);
    coefficients[0] = 1;
    // The forward errors start at index `shift`: each stage drops the first forward error and
    // the last backward error.
    let shift = 0;
    for (let stage = 0; stage < order; stage++) {
      let dot = 0;
      for (let i = 0; i < length; i++) {
        dot += (backward[i] as number) * (forward[shift + i] as number);
      }
      const k = (-2 * dot) / (denominator + SMALLEST_NORMAL);

      previous.set(coefficients);
      for (let j = 1; j <= stage + 1; j++) {
        coefficients[j] = (previous[j] as number) + k * (previous[stage + 1 - j] as number);
      }

      for (let i = 0; i < length; i++) {
        const f = forward[shift + i] as number;
        const b = backward[i] as number;
        forward[shift + i] = f + k * b;
        backward[i] = b + k * f;
      }
      const lastBackward = backward[length - 1] as number;
      const firstForward = forward[shift] as number;
      denominator =
        (1 - k * k) * denominator - lastBackward * lastBackward - firstForward * firstForward;
      shift++;
      length--;
    }

    for (let j = 0; j < order; j++) {
      out[first + j] = coefficients[j + 1] as number;
    }
  }
};

/**
 * Autoregressive coefficients a1 … a_order by Burg's method, as librosa 0.9.2's `lpc` computes
 * them for LibEMG: the model is x[t] + a1 x[t-1] + … + a_p x[t-p] = error. Returns
 * `nChannels × arOrder` values, channel-major (channel 0's a1 … a_p, then channel 1's). An
 * all-zero channel gives zeros and a constant channel gives a1 = -1 and zeros after it.
 *
 * Throws a RangeError when `arOrder` (default 4) is not below nSamples. A channel with a NaN or
 * infinite sample gives NaN coefficients; librosa raises an error there instead.
 */
export function ar(window: Window, options?: FeatureOptions): Float64Array {
  validateWindow(window);
  const resolved = resolveFeatureOptions(options);
  const out = new Float64Array(window.nChannels * resolved.arOrder);
  arKernel(window, resolved, out, 0);
  return out;
}
