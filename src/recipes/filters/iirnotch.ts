import type { Section } from "./sections.js";

/**
 * Designs a second-order IIR notch filter as one section, equal to
 * `scipy.signal.iirnotch(frequencyHz, qualityFactor, fs=sampleRateHz)` (scipy 1.17) with its
 * `(b, a)` written as `[b0, b1, b2, a0, a1, a2]`. The gain is 0 at `frequencyHz` and -3 dB at
 * `frequencyHz ± bandwidth / 2`, where bandwidth = frequencyHz / qualityFactor; the gain at DC
 * and at the Nyquist frequency is exactly 1.
 *
 * @param frequencyHz - Frequency to remove, in Hz, above 0 and below `sampleRateHz / 2`.
 * @param qualityFactor - Q, the notch frequency divided by its -3 dB bandwidth; above 0.
 * @param sampleRateHz - Sample rate of the signal to filter, in Hz.
 */
export function iirnotch(
  frequencyHz: number,
  qualityFactor: number,
  sampleRateHz: number,
): Section {
  if (!Number.isFinite(sampleRateHz) || sampleRateHz <= 0) {
    throw new RangeError(`sampleRateHz must be a finite number above 0, received ${sampleRateHz}`);
  }
  const nyquistHz = sampleRateHz / 2;
  if (!(frequencyHz > 0 && frequencyHz < nyquistHz)) {
    throw new RangeError(
      `frequencyHz must be above 0 and below the Nyquist frequency ${nyquistHz} Hz ` +
        `(sampleRateHz / 2), received ${frequencyHz}`,
    );
  }
  if (!Number.isFinite(qualityFactor) || qualityFactor <= 0) {
    throw new RangeError(
      `qualityFactor must be a finite number above 0, received ${qualityFactor}`,
    );
  }

  // scipy's design, in the order of its operations: with ω0 the notch and Δω the -3 dB
  // bandwidth in rad/sample, β = tan(Δω / 2), g = 1 / (1 + β), b = g·[1, -2·cos ω0, 1] and
  // a = [1, -2·g·cos ω0, 2·g - 1].
  const normalized = (2 * frequencyHz) / sampleRateHz;
  const bandwidthRad = (normalized / qualityFactor) * Math.PI;
  const centerRad = normalized * Math.PI;
  const beta = Math.tan(bandwidthRad / 2);
  const gain = 1 / (1 + beta);
  const cosine = Math.cos(centerRad);
  return [gain, gain * (-2 * cosine), gain, 1, -2 * gain * cosine, 2 * gain - 1];
}
