import { butter } from "./butter.js";
import { iirnotch } from "./iirnotch.js";
import type { Section } from "./sections.js";
import { type InitialState, SOS_FILTER_DEFAULTS, SosFilter } from "./sos-filter.js";

/** Options of {@link bandpass}, {@link bandstop}, {@link highpass} and {@link lowpass}. */
export interface ButterworthOptions {
  /** Sample rate of the signal, in Hz. */
  readonly sampleRateHz: number;
  /** Number of channels, each filtered with its own state. */
  readonly nChannels: number;
  /** Butterworth order; a band-pass or band-stop filter of order N has 2N poles. Default 4. */
  readonly order?: number;
  /** Initial state of each channel; see {@link InitialState}. Default `"zero"`. */
  readonly initialState?: InitialState;
}

/** Default values of {@link ButterworthOptions}. */
export const BUTTERWORTH_DEFAULTS = {
  order: 4,
  initialState: SOS_FILTER_DEFAULTS.initialState,
} as const;

/** Options of {@link notch}. */
export interface NotchOptions {
  /** Sample rate of the signal, in Hz. */
  readonly sampleRateHz: number;
  /** Number of channels, each filtered with its own state. */
  readonly nChannels: number;
  /**
   * Q of each notch: its frequency divided by its -3 dB bandwidth, so the notch at the k-th
   * harmonic is k times as wide as the first. Default 30.
   */
  readonly qualityFactor?: number;
  /**
   * Number of harmonics to remove, counting the fundamental: 3 removes 50, 100 and 150 Hz for
   * a 50 Hz notch. Every harmonic must lie below the Nyquist frequency. Default 1.
   */
  readonly harmonics?: number;
  /** Initial state of each channel; see {@link InitialState}. Default `"zero"`. */
  readonly initialState?: InitialState;
}

/** Default values of {@link NotchOptions}. */
export const NOTCH_DEFAULTS = {
  qualityFactor: 30,
  harmonics: 1,
  initialState: SOS_FILTER_DEFAULTS.initialState,
} as const;

/** Creates a Butterworth band-pass filter passing `lowHz` to `highHz`; see {@link butter}. */
export function bandpass(lowHz: number, highHz: number, options: ButterworthOptions): SosFilter {
  const { order, sampleRateHz, ...filterOptions } = { ...BUTTERWORTH_DEFAULTS, ...options };
  return new SosFilter(butter(order, [lowHz, highHz], "bandpass", sampleRateHz), filterOptions);
}

/** Creates a Butterworth band-stop filter removing `lowHz` to `highHz`; see {@link butter}. */
export function bandstop(lowHz: number, highHz: number, options: ButterworthOptions): SosFilter {
  const { order, sampleRateHz, ...filterOptions } = { ...BUTTERWORTH_DEFAULTS, ...options };
  return new SosFilter(butter(order, [lowHz, highHz], "bandstop", sampleRateHz), filterOptions);
}

/** Creates a Butterworth high-pass filter, -3 dB at `cutoffHz`; see {@link butter}. */
export function highpass(cutoffHz: number, options: ButterworthOptions): SosFilter {
  const { order, sampleRateHz, ...filterOptions } = { ...BUTTERWORTH_DEFAULTS, ...options };
  return new SosFilter(butter(order, cutoffHz, "highpass", sampleRateHz), filterOptions);
}

/** Creates a Butterworth low-pass filter, -3 dB at `cutoffHz`; see {@link butter}. */
export function lowpass(cutoffHz: number, options: ButterworthOptions): SosFilter {
  const { order, sampleRateHz, ...filterOptions } = { ...BUTTERWORTH_DEFAULTS, ...options };
  return new SosFilter(butter(order, cutoffHz, "lowpass", sampleRateHz), filterOptions);
}

/**
 * Creates a notch filter at `frequencyHz`, usually the mains frequency (50 or 60 Hz), and
 * optionally at its harmonics: one {@link iirnotch} section per harmonic.
 */
export function notch(frequencyHz: number, options: NotchOptions): SosFilter {
  const { qualityFactor, harmonics, sampleRateHz, ...filterOptions } = {
    ...NOTCH_DEFAULTS,
    ...options,
  };
  if (!Number.isInteger(harmonics) || harmonics < 1) {
    throw new RangeError(`harmonics must be an integer of at least 1, received ${harmonics}`);
  }
  const nyquistHz = sampleRateHz / 2;
  if (harmonics * frequencyHz >= nyquistHz) {
    const maxHarmonics = Math.ceil(nyquistHz / frequencyHz) - 1;
    throw new RangeError(
      `harmonics = ${harmonics} puts a notch at ${harmonics * frequencyHz} Hz, at or above the ` +
        `Nyquist frequency ${nyquistHz} Hz; use at most ${maxHarmonics} for ${frequencyHz} Hz`,
    );
  }

  const sections: Section[] = [];
  for (let harmonic = 1; harmonic <= harmonics; harmonic++) {
    sections.push(iirnotch(harmonic * frequencyHz, qualityFactor, sampleRateHz));
  }
  return new SosFilter(sections, filterOptions);
}

/**
 * Creates one filter that applies the given filters in order: their sections joined into one
 * cascade, with a fresh state. All must have the same channel count and initial state.
 */
export function cascade(...filters: readonly SosFilter[]): SosFilter {
  const first = filters[0];
  if (first === undefined) {
    throw new RangeError("cascade needs at least one filter, received none");
  }
  for (const filter of filters) {
    if (filter.nChannels !== first.nChannels || filter.initialState !== first.initialState) {
      throw new RangeError(
        `cascade needs filters with equal nChannels and initialState, received ` +
          `${first.nChannels} channels "${first.initialState}" and ` +
          `${filter.nChannels} channels "${filter.initialState}"`,
      );
    }
  }
  return new SosFilter(
    filters.flatMap((filter) => filter.sections),
    { nChannels: first.nChannels, initialState: first.initialState },
  );
}
