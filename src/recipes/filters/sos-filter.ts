import { type Window, validateWindow } from "../window.js";
import { type Section, sosfiltZi, validateSections } from "./sections.js";

/** Sample values a filter reads and writes; the state and arithmetic are float64 either way. */
export type SampleArray = Float32Array | Float64Array;

/**
 * Initial state of a filter, after construction and after {@link SosFilter.reset}:
 * - `"zero"`: every section state is 0, as `scipy.signal.sosfilt` without `zi`.
 * - `"step"`: each channel starts as if its input had always been equal to its first sample,
 *   as `sosfilt(sos, x, zi=sosfilt_zi(sos) * x[0])`, so a DC offset causes no start-up
 *   transient. The first sample is taken from the first call that has at least one sample.
 */
export type InitialState = "zero" | "step";

/** Options of {@link SosFilter}. */
export interface SosFilterOptions {
  /** Number of channels, each filtered with its own state. */
  readonly nChannels: number;
  /** Initial state of each channel; see {@link InitialState}. Default `"zero"`. */
  readonly initialState?: InitialState;
}

/** Default values of {@link SosFilterOptions}. */
export const SOS_FILTER_DEFAULTS = { initialState: "zero" } as const;

// Samples of one channel filtered together through all sections; small enough to stay in the
// first-level cache.
const BLOCK_SAMPLES = 1024;

/**
 * A streaming multichannel IIR filter made of second-order sections, each in transposed direct
 * form II with float64 state per channel, computing what `scipy.signal.sosfilt` computes. The
 * state carries from one call to the next, so filtering a signal in chunks of any size gives
 * exactly the values of filtering it whole. Successive calls must therefore pass consecutive,
 * non-overlapping pieces of one signal; call {@link SosFilter.reset} before an unrelated one.
 * Both layouts advance the same state.
 */
export class SosFilter {
  /** The sections, first to last, as given. */
  readonly sections: readonly Section[];
  readonly nChannels: number;
  readonly initialState: InitialState;
  /** b0, b1, b2, a1, a2 of each section. */
  readonly #coefficients: Float64Array;
  /** Two values per section per channel: channel 0's sections, then channel 1's, and so on. */
  readonly #state: Float64Array;
  /** `sosfiltZi(sections)` when the initial state is `"step"`. */
  readonly #stepState: Float64Array | undefined;
  readonly #block = new Float64Array(BLOCK_SAMPLES);
  #awaitingFirstSample: boolean;

  constructor(sections: readonly Section[], options: SosFilterOptions) {
    validateSections(sections);
    const { nChannels, initialState } = { ...SOS_FILTER_DEFAULTS, ...options };
    if (!Number.isInteger(nChannels) || nChannels < 1) {
      throw new RangeError(`nChannels must be a positive integer, received ${nChannels}`);
    }
    if (initialState !== "zero" && initialState !== "step") {
      throw new RangeError(
        `initialState must be "zero" or "step", received ${String(initialState)}`,
      );
    }

    this.sections = sections.map((section) => [...section] as const);
    this.nChannels = nChannels;
    this.initialState = initialState;
    this.#coefficients = new Float64Array(sections.length * 5);
    sections.forEach(([b0, b1, b2, , a1, a2], index) => {
      this.#coefficients.set([b0, b1, b2, a1, a2], index * 5);
    });
    this.#state = new Float64Array(nChannels * sections.length * 2);
    this.#stepState = initialState === "step" ? sosfiltZi(sections) : undefined;
    this.#awaitingFirstSample = initialState === "step";
  }

  get nSections(): number {
    return this.sections.length;
  }

  /** Returns every channel to the initial state, forgetting the signal filtered so far. */
  reset(): void {
    this.#state.fill(0);
    this.#awaitingFirstSample = this.initialState === "step";
  }

  /**
   * Filters a sample-major chunk (all channels of sample 0, then of sample 1, …), as sources
   * deliver it. Without `output` the chunk is filtered in place. `output` must have the length
   * of `samples` and must be `samples` itself or an array that does not overlap it.
   *
   * @returns The filtered values: `output`, or `samples` when filtering in place.
   */
  processSampleMajor<T extends SampleArray>(samples: T): T;
  processSampleMajor<T extends SampleArray>(samples: SampleArray, output: T): T;
  processSampleMajor(samples: SampleArray, output: SampleArray = samples): SampleArray {
    const nChannels = this.nChannels;
    if (samples.length % nChannels !== 0) {
      throw new RangeError(
        `samples has ${samples.length} values, which is not a multiple of nChannels = ${nChannels}`,
      );
    }
    checkOutputLength(samples.length, output);
    const nSamples = samples.length / nChannels;
    this.#startIfAwaiting(samples, nSamples, 1);

    // Block by block across all channels, so that the rows being read stay in cache.
    for (let blockStart = 0; blockStart < nSamples; blockStart += BLOCK_SAMPLES) {
      const blockLength = Math.min(BLOCK_SAMPLES, nSamples - blockStart);
      for (let channel = 0; channel < nChannels; channel++) {
        const start = blockStart * nChannels + channel;
        this.#filterChannel(samples, output, start, nChannels, blockLength, channel);
      }
    }
    return output;
  }

  /**
   * Filters a channels-first window (all samples of channel 0, then of channel 1, …), as
   * streams return windows. Without `output` the window's data is filtered in place. `output`
   * must have the length of `window.data` and must be that array itself or one that does not
   * overlap it.
   *
   * @returns The filtered values: `output`, or `window.data` when filtering in place.
   */
  processChannelsFirst<T extends SampleArray>(window: Window & { readonly data: T }): T;
  processChannelsFirst<T extends SampleArray>(window: Window, output: T): T;
  processChannelsFirst(window: Window, output: SampleArray = window.data): SampleArray {
    validateWindow(window);
    const { data, nChannels, nSamples } = window;
    if (nChannels !== this.nChannels) {
      throw new RangeError(
        `window has ${nChannels} channels, but this filter was built for nChannels = ${this.nChannels}`,
      );
    }
    checkOutputLength(data.length, output);
    this.#startIfAwaiting(data, nSamples, nSamples);

    for (let channel = 0; channel < nChannels; channel++) {
      this.#filterChannel(data, output, channel * nSamples, 1, nSamples, channel);
    }
    return output;
  }

  /**
   * Sets each channel's state to the steady state of its first sample, on the first call with
   * samples after construction or reset when the initial state is `"step"`. Channel c's first
   * sample is `input[c * channelStride]`.
   */
  #startIfAwaiting(input: SampleArray, nSamples: number, channelStride: number): void {
    const stepState = this.#stepState;
    if (!this.#awaitingFirstSample || stepState === undefined || nSamples === 0) {
      return;
    }
    const stateLength = stepState.length;
    for (let channel = 0; channel < this.nChannels; channel++) {
      const first = input[channel * channelStride] as number;
      const base = channel * stateLength;
      for (let i = 0; i < stateLength; i++) {
        this.#state[base + i] = (stepState[i] as number) * first;
      }
    }
    this.#awaitingFirstSample = false;
  }

  /**
   * Filters the `nSamples` values of one channel found at `start`, `start + stride`, … of
   * `input` into the same positions of `output`, block by block through all sections.
   */
  #filterChannel(
    input: SampleArray,
    output: SampleArray,
    start: number,
    stride: number,
    nSamples: number,
    channel: number,
  ): void {
    const block = this.#block;
    const coefficients = this.#coefficients;
    const state = this.#state;
    const nSections = this.sections.length;
    const stateBase = channel * nSections * 2;

    for (let blockStart = 0; blockStart < nSamples; blockStart += BLOCK_SAMPLES) {
      const blockLength = Math.min(BLOCK_SAMPLES, nSamples - blockStart);
      let position = start + blockStart * stride;
      for (let i = 0; i < blockLength; i++) {
        block[i] = input[position] as number;
        position += stride;
      }

      for (let section = 0; section < nSections; section++) {
        const c = section * 5;
        const b0 = coefficients[c] as number;
        const b1 = coefficients[c + 1] as number;
        const b2 = coefficients[c + 2] as number;
        const a1 = coefficients[c + 3] as number;
        const a2 = coefficients[c + 4] as number;
        const s = stateBase + section * 2;
        let z0 = state[s] as number;
        let z1 = state[s + 1] as number;
        // The operations and their order are those of scipy's sosfilt, so equal coefficients
        // give equal results.
        for (let i = 0; i < blockLength; i++) {
          const x = block[i] as number;
          const y = b0 * x + z0;
          z0 = b1 * x - a1 * y + z1;
          z1 = b2 * x - a2 * y;
          block[i] = y;
        }
        state[s] = z0;
        state[s + 1] = z1;
      }

      position = start + blockStart * stride;
      for (let i = 0; i < blockLength; i++) {
        output[position] = block[i] as number;
        position += stride;
      }
    }
  }
}

function checkOutputLength(inputLength: number, output: SampleArray): void {
  if (output.length !== inputLength) {
    throw new RangeError(
      `output has ${output.length} values, but the input has ${inputLength}; pass an array of the same length`,
    );
  }
}
