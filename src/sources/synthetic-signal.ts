/**
 * The signal model behind {@link SyntheticEmgSource}: Gaussian noise band-limited by a
 * second-order band-pass filter, scaled per channel by an activation pattern that belongs to
 * the cued class.
 */
import { deriveSeed, Mulberry32 } from "./prng.js";

/** Settings of a {@link SyntheticEmgGenerator}, already validated. */
export interface SyntheticSignalConfig {
  readonly nChannels: number;
  readonly sampleRateHz: number;
  readonly seed: number;
  /** RMS of a fully active channel, in µV. */
  readonly activeRmsUv: number;
  /** RMS of every channel at rest, as a fraction of `activeRmsUv`. */
  readonly noiseLevel: number;
  /** Lower edge of the pass band, in Hz, before clamping by {@link clampPassBand}. */
  readonly lowCutHz: number;
  /** Upper edge of the pass band, in Hz, before clamping by {@link clampPassBand}. */
  readonly highCutHz: number;
  /** Duration of the linear gain ramp after a change of class, in ms; 0 switches at once. */
  readonly rampMs: number;
}

/** Coefficients of a biquad filter, normalised so that a0 = 1. */
export interface BiquadCoefficients {
  readonly b0: number;
  readonly b1: number;
  readonly b2: number;
  readonly a1: number;
  readonly a2: number;
}

/** Fraction of the sample rate above which the pass band's upper edge is clamped. */
const MAX_HIGH_CUT_FRACTION = 0.45;

/**
 * Returns the pass band used at a sample rate, in Hz. The upper edge is clamped to
 * 0.45 × `sampleRateHz`, just under the Nyquist frequency. The lower edge is clamped to half the
 * upper edge, so that a low sample rate still gets a band of noise.
 */
export function clampPassBand(
  lowCutHz: number,
  highCutHz: number,
  sampleRateHz: number,
): { lowCutHz: number; highCutHz: number } {
  const high = Math.min(highCutHz, MAX_HIGH_CUT_FRACTION * sampleRateHz);
  const low = Math.min(lowCutHz, high / 2);
  return { lowCutHz: low, highCutHz: high };
}

/**
 * Designs a second-order band-pass filter with unit gain at the centre frequency
 * √(low × high) and a −3 dB bandwidth of `highCutHz − lowCutHz` (bilinear transform, with the
 * bandwidth specified on the analog prototype, so the edges shift slightly near Nyquist).
 */
export function designBandPass(
  lowCutHz: number,
  highCutHz: number,
  sampleRateHz: number,
): BiquadCoefficients {
  const centreHz = Math.sqrt(lowCutHz * highCutHz);
  const quality = centreHz / (highCutHz - lowCutHz);
  const omega = (2 * Math.PI * centreHz) / sampleRateHz;
  const alpha = Math.sin(omega) / (2 * quality);
  const a0 = 1 + alpha;
  return {
    b0: alpha / a0,
    b1: 0,
    b2: -alpha / a0,
    a1: (-2 * Math.cos(omega)) / a0,
    a2: (1 - alpha) / a0,
  };
}

/**
 * Returns the filter's white-noise power gain (the sum of its squared impulse response) and the
 * number of samples after which the impulse response has decayed to a negligible level.
 */
export function measureNoiseGain(filter: BiquadCoefficients): { powerGain: number; settleSamples: number } {
  const maxSamples = 1_000_000;
  let x1 = 0;
  let x2 = 0;
  let y1 = 0;
  let y2 = 0;
  let powerGain = 0;
  let quietRun = 0;
  let n = 0;
  for (; n < maxSamples; n++) {
    const x = n === 0 ? 1 : 0;
    const y = filter.b0 * x + filter.b1 * x1 + filter.b2 * x2 - filter.a1 * y1 - filter.a2 * y2;
    x2 = x1;
    x1 = x;
    y2 = y1;
    y1 = y;
    powerGain += y * y;

    // Stop once 64 samples in a row add less than 1e-12 of the energy so far.
    quietRun = y * y < 1e-12 * powerGain ? quietRun + 1 : 0;
    if (quietRun >= 64) {
      break;
    }
  }
  return { powerGain, settleSamples: n + 1 };
}

/** Golden-ratio step that spreads the centres of successive classes around the channels. */
const CENTRE_STEP = 0.6180339887498949;

/**
 * Returns the activation pattern of a class: one weight per channel in (0, 1], largest 1.
 *
 * Channels are treated as a ring, as the electrodes of an armband are. A class activates a
 * Gaussian bump of channels around a centre, with a random width and a random weight per
 * channel. Centres of classes 0, 1, 2, … step around the ring by the golden ratio from a
 * rotation chosen by the seed, so any few classes get well-separated centres. The pattern
 * depends only on `seed`, `classIndex` and `nChannels`.
 */
export function classPattern(seed: number, classIndex: number, nChannels: number): Float64Array {
  const rotation = new Mulberry32(deriveSeed(seed, 0x5eed)).nextFloat();
  const random = new Mulberry32(deriveSeed(seed, 0xc1a55, classIndex));
  const centre = ((rotation + classIndex * CENTRE_STEP) % 1) * nChannels;
  const widthChannels = Math.max(0.5, nChannels * (0.08 + 0.07 * random.nextFloat()));
  const pattern = new Float64Array(nChannels);
  let largest = 0;
  for (let channel = 0; channel < nChannels; channel++) {
    const offset = Math.abs(channel - centre);
    const distance = Math.min(offset, nChannels - offset);
    const bump = Math.exp(-(distance * distance) / (2 * widthChannels * widthChannels));
    const weight = bump * (0.75 + 0.25 * random.nextFloat());
    pattern[channel] = weight;
    largest = Math.max(largest, weight);
  }
  for (let channel = 0; channel < nChannels; channel++) {
    pattern[channel] = Math.max(1e-3, (pattern[channel] as number) / largest);
  }
  return pattern;
}

/**
 * Stateful generator of synthetic EMG: per channel, unit-variance band-limited noise scaled by a
 * gain in µV. At rest (class `null`, or any class index that is not a non-negative integer)
 * every channel's RMS is `noiseLevel × activeRmsUv`. For class k, channel c has RMS
 * `activeRmsUv × (noiseLevel + (1 − noiseLevel) × pattern_k[c])` with
 * `pattern_k = classPattern(seed, k, nChannels)`.
 */
export class SyntheticEmgGenerator {
  readonly config: SyntheticSignalConfig;
  readonly #filter: BiquadCoefficients;
  readonly #noiseScale: number;
  readonly #settleSamples: number;
  readonly #patterns = new Map<number, Float64Array>();
  #random: Mulberry32;
  /** Filter memory: x[n-1], x[n-2], y[n-1], y[n-2] for each channel. */
  #filterState: Float64Array;
  #gains: Float64Array;
  #targetGains: Float64Array;
  #targetKey: number | null = null;
  #rampRemaining = 0;

  constructor(config: SyntheticSignalConfig) {
    this.config = config;
    const band = clampPassBand(config.lowCutHz, config.highCutHz, config.sampleRateHz);
    this.#filter = designBandPass(band.lowCutHz, band.highCutHz, config.sampleRateHz);
    const { powerGain, settleSamples } = measureNoiseGain(this.#filter);
    this.#noiseScale = 1 / Math.sqrt(powerGain);
    this.#settleSamples = settleSamples;
    this.#random = new Mulberry32(config.seed);
    this.#filterState = new Float64Array(4 * config.nChannels);
    this.#gains = new Float64Array(config.nChannels);
    this.#targetGains = new Float64Array(config.nChannels);
    this.reset(null);
  }

  /**
   * Starts the signal over from the seed, with the gains of `classIndex` in effect from the
   * first sample. The filters are run past their transient first, so the output is stationary
   * from sample 0.
   */
  reset(classIndex: number | null): void {
    const nChannels = this.config.nChannels;
    this.#random = new Mulberry32(this.config.seed);
    this.#filterState.fill(0);
    const warmUp = new Float32Array(this.#settleSamples * nChannels);
    this.#fill(warmUp, this.#settleSamples);
    this.#targetKey = normaliseClass(classIndex);
    this.#targetGains = this.#gainsFor(this.#targetKey);
    this.#gains = Float64Array.from(this.#targetGains);
    this.#rampRemaining = 0;
  }

  /**
   * Generates the next `nSamples` samples, sample-major (`nSamples × nChannels`), in µV. When
   * `classIndex` differs from the previous call's, the gains move to the new class's linearly
   * over `rampMs`, starting with the first sample of this call.
   */
  generate(nSamples: number, classIndex: number | null): Float32Array {
    const key = normaliseClass(classIndex);
    if (key !== this.#targetKey) {
      this.#targetKey = key;
      this.#targetGains = this.#gainsFor(key);
      this.#rampRemaining = Math.round((this.config.rampMs / 1000) * this.config.sampleRateHz);
      if (this.#rampRemaining === 0) {
        this.#gains = Float64Array.from(this.#targetGains);
      }
    }
    const out = new Float32Array(nSamples * this.config.nChannels);
    this.#fill(out, nSamples);
    return out;
  }

  #fill(out: Float32Array, nSamples: number): void {
    const nChannels = this.config.nChannels;
    const { b0, b1, b2, a1, a2 } = this.#filter;
    const state = this.#filterState;
    const gains = this.#gains;
    const targets = this.#targetGains;
    const random = this.#random;
    const scale = this.#noiseScale;
    for (let n = 0; n < nSamples; n++) {
      if (this.#rampRemaining > 0) {
        // Each step closes 1/remaining of the gap, so the ramp is linear and ends on target.
        for (let channel = 0; channel < nChannels; channel++) {
          const gain = gains[channel] as number;
          gains[channel] = gain + ((targets[channel] as number) - gain) / this.#rampRemaining;
        }
        this.#rampRemaining--;
      }
      for (let channel = 0; channel < nChannels; channel++) {
        const at = 4 * channel;
        const x = random.nextGaussian();
        const x1 = state[at] as number;
        const x2 = state[at + 1] as number;
        const y1 = state[at + 2] as number;
        const y2 = state[at + 3] as number;
        const y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2;
        state[at] = x;
        state[at + 1] = x1;
        state[at + 2] = y;
        state[at + 3] = y1;
        out[n * nChannels + channel] = y * scale * (gains[channel] as number);
      }
    }
  }

  #gainsFor(classIndex: number | null): Float64Array {
    const { nChannels, noiseLevel, activeRmsUv } = this.config;
    const gains = new Float64Array(nChannels);
    if (classIndex === null) {
      return gains.fill(noiseLevel * activeRmsUv);
    }
    let pattern = this.#patterns.get(classIndex);
    if (pattern === undefined) {
      pattern = classPattern(this.config.seed, classIndex, nChannels);
      this.#patterns.set(classIndex, pattern);
    }
    for (let channel = 0; channel < nChannels; channel++) {
      gains[channel] = activeRmsUv * (noiseLevel + (1 - noiseLevel) * (pattern[channel] as number));
    }
    return gains;
  }
}

/** Maps a cue to a class index, or `null` (rest) for anything but a non-negative integer. */
function normaliseClass(classIndex: number | null): number | null {
  return classIndex !== null && Number.isInteger(classIndex) && classIndex >= 0 ? classIndex : null;
}
