import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type InitialState,
  type Section,
  SosFilter,
  bandpass,
  bandstop,
  butter,
  cascade,
  highpass,
  iirnotch,
  lowpass,
  notch,
} from "../src/recipes/filters/index.js";
import { runScipy, seededRandom } from "./support/scipy-signal.js";

const N_CHANNELS = 5;
const N_SAMPLES = 3000;

/** Designs named by the scipy call that makes the same sections. */
const DESIGNS: readonly { readonly name: string; readonly scipy: string; readonly sections: Section[] }[] = [
  {
    name: "4th-order 20-450 Hz band-pass at 2 kHz",
    scipy: 'signal.butter(4, [20, 450], "bandpass", fs=2000, output="sos")',
    sections: butter(4, [20, 450], "bandpass", 2000),
  },
  {
    name: "4th-order 20 Hz high-pass at 1 kHz",
    scipy: 'signal.butter(4, 20, "highpass", fs=1000, output="sos")',
    sections: butter(4, 20, "highpass", 1000),
  },
  {
    name: "3rd-order 100 Hz low-pass at 2 kHz",
    scipy: 'signal.butter(3, 100, "lowpass", fs=2000, output="sos")',
    sections: butter(3, 100, "lowpass", 2000),
  },
  {
    name: "8th-order 5 Hz low-pass at 2 kHz",
    scipy: 'signal.butter(8, 5, "lowpass", fs=2000, output="sos")',
    sections: butter(8, 5, "lowpass", 2000),
  },
  {
    name: "5th-order 45-55 Hz band-stop at 1 kHz",
    scipy: 'signal.butter(5, [45, 55], "bandstop", fs=1000, output="sos")',
    sections: butter(5, [45, 55], "bandstop", 1000),
  },
  {
    name: "6th-order 400-600 Hz band-pass at 2 kHz, with tied poles",
    scipy: 'signal.butter(6, [400, 600], "bandpass", fs=2000, output="sos")',
    sections: butter(6, [400, 600], "bandpass", 2000),
  },
  {
    name: "50 Hz notch, Q 30, at 2 kHz",
    scipy: "np.array([np.concatenate(signal.iirnotch(50, 30, fs=2000))])",
    sections: [iirnotch(50, 30, 2000)],
  },
  {
    name: "60 Hz notch, Q 20, at 1 kHz",
    scipy: "np.array([np.concatenate(signal.iirnotch(60, 20, fs=1000))])",
    sections: [iirnotch(60, 20, 1000)],
  },
];

/** Sample-major test signal: noise, a 50 Hz tone and a DC offset per channel. */
function testSignal(seed: number, nSamples = N_SAMPLES, nChannels = N_CHANNELS): Float64Array {
  const random = seededRandom(seed);
  const values = new Float64Array(nSamples * nChannels);
  for (let n = 0; n < nSamples; n++) {
    for (let c = 0; c < nChannels; c++) {
      values[n * nChannels + c] = 2 * random() - 1 + Math.sin((2 * Math.PI * 50 * n) / 2000) + 3 * (c - 2);
    }
  }
  return values;
}

function toChannelsFirst(samples: Float64Array | Float32Array, nChannels: number): Float64Array {
  const nSamples = samples.length / nChannels;
  const result = new Float64Array(samples.length);
  for (let n = 0; n < nSamples; n++) {
    for (let c = 0; c < nChannels; c++) {
      result[c * nSamples + n] = samples[n * nChannels + c] as number;
    }
  }
  return result;
}

/** Largest absolute difference, relative to the largest absolute reference value. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  expect(actual.length).toBe(expected.length);
  let difference = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    difference = Math.max(difference, Math.abs((actual[i] as number) - (expected[i] as number)));
    scale = Math.max(scale, Math.abs(expected[i] as number));
  }
  return difference / scale;
}

interface ScipyOutputs {
  /** sosfilt with this project's sections. */
  readonly withOurSections: number[];
  /** sosfilt with the sections scipy designs itself. */
  readonly withScipySections: number[];
  /** sosfilt with this project's sections, each channel started at sosfilt_zi × its first sample. */
  readonly stepStart: number[];
}

/** Filters sample-major `samples` with scipy, as float32 input when `float32` is set. */
function scipyOutputs(samples: Float64Array, float32: boolean): ScipyOutputs[] {
  return runScipy<ScipyOutputs[]>(
    `
dtype = np.float32 if data["float32"] else np.float64
x = np.array(data["samples"], dtype=dtype).reshape(-1, data["nChannels"])
result = []
for design in data["designs"]:
    ours = np.array(design["sections"])
    theirs = eval(design["scipy"])
    zi = signal.sosfilt_zi(ours)
    step = np.stack([signal.sosfilt(ours, x[:, c], zi=zi * x[0, c])[0] for c in range(x.shape[1])], axis=1)
    result.append({
        "withOurSections": signal.sosfilt(ours, x, axis=0).ravel().tolist(),
        "withScipySections": signal.sosfilt(theirs, x, axis=0).ravel().tolist(),
        "stepStart": step.ravel().tolist(),
    })
`,
    { samples: Array.from(samples), nChannels: N_CHANNELS, float32, designs: DESIGNS },
  );
}

describe("SosFilter against scipy's sosfilt", () => {
  it("equals sosfilt on float64 input", () => {
    const samples = testSignal(1);
    const expected = scipyOutputs(samples, false);

    DESIGNS.forEach((design, d) => {
      const reference = expected[d] as ScipyOutputs;
      const sampleMajor = new SosFilter(design.sections, { nChannels: N_CHANNELS }).processSampleMajor(
        samples,
        new Float64Array(samples.length),
      );
      expect(relativeError(sampleMajor, reference.withOurSections), design.name).toBeLessThan(1e-12);
      expect(relativeError(sampleMajor, reference.withScipySections), design.name).toBeLessThan(1e-9);

      const channelsFirst = new SosFilter(design.sections, { nChannels: N_CHANNELS }).processChannelsFirst(
        { data: toChannelsFirst(samples, N_CHANNELS), nChannels: N_CHANNELS, nSamples: N_SAMPLES },
        new Float64Array(samples.length),
      );
      expect(channelsFirst, design.name).toEqual(toChannelsFirst(sampleMajor, N_CHANNELS));
    });
  });

  it("equals sosfilt on float32 input", () => {
    const samples = Float32Array.from(testSignal(2));
    const expected = scipyOutputs(Float64Array.from(samples), true);

    DESIGNS.forEach((design, d) => {
      const reference = expected[d] as ScipyOutputs;
      const wide = new SosFilter(design.sections, { nChannels: N_CHANNELS }).processSampleMajor(
        samples,
        new Float64Array(samples.length),
      );
      expect(relativeError(wide, reference.withOurSections), design.name).toBeLessThan(1e-12);
      expect(relativeError(wide, reference.withScipySections), design.name).toBeLessThan(1e-9);

      // In place, each output is the float64 result rounded to float32.
      const inPlace = new SosFilter(design.sections, { nChannels: N_CHANNELS }).processSampleMajor(
        Float32Array.from(samples),
      );
      expect(relativeError(inPlace, reference.withOurSections), design.name).toBeLessThan(1e-7);
      expect(inPlace, design.name).toEqual(Float32Array.from(wide));
    });
  });

  it("equals sosfilt with sosfilt_zi when starting from the first sample", () => {
    const samples = testSignal(3);
    const expected = scipyOutputs(samples, false);

    DESIGNS.forEach((design, d) => {
      const filter = new SosFilter(design.sections, { nChannels: N_CHANNELS, initialState: "step" });
      const output = filter.processSampleMajor(samples, new Float64Array(samples.length));
      expect(relativeError(output, (expected[d] as ScipyOutputs).stepStart), design.name).toBeLessThan(1e-9);
    });
  });
});

/** Splits `total` into consecutive lengths following `cuts`, a list of lengths that may run over. */
function chunkLengths(total: number, cuts: readonly number[]): number[] {
  const lengths: number[] = [];
  let used = 0;
  for (const cut of cuts) {
    const length = Math.min(cut, total - used);
    lengths.push(length);
    used += length;
  }
  lengths.push(total - used);
  return lengths;
}

describe("SosFilter streaming", () => {
  const nSamples = 700;
  const samples = testSignal(4, nSamples);
  const chunkCuts = fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 12 });
  const initialStates = fc.constantFrom<InitialState>("zero", "step");
  const designs = fc.constantFrom(...DESIGNS);

  it("gives whole-signal output for any sample-major chunking", () => {
    fc.assert(
      fc.property(designs, initialStates, chunkCuts, (design, initialState, cuts) => {
        const options = { nChannels: N_CHANNELS, initialState };
        const whole = new SosFilter(design.sections, options).processSampleMajor(samples.slice());

        const streaming = new SosFilter(design.sections, options);
        const pieces: Float64Array[] = [];
        let start = 0;
        for (const length of chunkLengths(nSamples, cuts)) {
          const chunk = samples.slice(start * N_CHANNELS, (start + length) * N_CHANNELS);
          pieces.push(streaming.processSampleMajor(chunk));
          start += length;
        }
        const joined = new Float64Array(samples.length);
        let offset = 0;
        for (const piece of pieces) {
          joined.set(piece, offset);
          offset += piece.length;
        }
        expect(joined).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it("gives whole-signal output for any channels-first chunking", () => {
    fc.assert(
      fc.property(designs, initialStates, chunkCuts, (design, initialState, cuts) => {
        const options = { nChannels: N_CHANNELS, initialState };
        const whole = new SosFilter(design.sections, options).processSampleMajor(samples.slice());

        const streaming = new SosFilter(design.sections, options);
        const joined = new Float64Array(samples.length);
        let start = 0;
        for (const length of chunkLengths(nSamples, cuts)) {
          const chunk = toChannelsFirst(samples.subarray(start * N_CHANNELS, (start + length) * N_CHANNELS), N_CHANNELS);
          streaming.processChannelsFirst({ data: chunk, nChannels: N_CHANNELS, nSamples: length });
          for (let c = 0; c < N_CHANNELS; c++) {
            for (let n = 0; n < length; n++) {
              joined[(start + n) * N_CHANNELS + c] = chunk[c * length + n] as number;
            }
          }
          start += length;
        }
        expect(joined).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });

  it("carries one state across both layouts", () => {
    const design = DESIGNS[0] as (typeof DESIGNS)[number];
    const whole = new SosFilter(design.sections, { nChannels: N_CHANNELS }).processSampleMajor(samples.slice());
    const half = 350;

    const filter = new SosFilter(design.sections, { nChannels: N_CHANNELS });
    const first = filter.processSampleMajor(samples.slice(0, half * N_CHANNELS));
    const secondWindow = toChannelsFirst(samples.subarray(half * N_CHANNELS), N_CHANNELS);
    const second = filter.processChannelsFirst({ data: secondWindow, nChannels: N_CHANNELS, nSamples: nSamples - half });

    expect(first).toEqual(whole.subarray(0, half * N_CHANNELS));
    expect(second).toEqual(toChannelsFirst(whole.subarray(half * N_CHANNELS), N_CHANNELS));
  });

  it("starts afresh after reset", () => {
    for (const initialState of ["zero", "step"] as const) {
      const design = DESIGNS[1] as (typeof DESIGNS)[number];
      const fresh = new SosFilter(design.sections, { nChannels: N_CHANNELS, initialState });
      const expected = fresh.processSampleMajor(samples.slice());

      const used = new SosFilter(design.sections, { nChannels: N_CHANNELS, initialState });
      used.processSampleMajor(testSignal(9, 100));
      used.reset();
      expect(used.processSampleMajor(samples.slice()), initialState).toEqual(expected);
    }
  });

  it("waits for a sample before a step start", () => {
    const design = DESIGNS[0] as (typeof DESIGNS)[number];
    const expected = new SosFilter(design.sections, { nChannels: N_CHANNELS, initialState: "step" }).processSampleMajor(
      samples.slice(),
    );

    const filter = new SosFilter(design.sections, { nChannels: N_CHANNELS, initialState: "step" });
    expect(filter.processSampleMajor(new Float64Array(0))).toHaveLength(0);
    expect(filter.processChannelsFirst({ data: new Float32Array(0), nChannels: N_CHANNELS, nSamples: 0 })).toHaveLength(0);
    expect(filter.processSampleMajor(samples.slice())).toEqual(expected);
  });

  it("filters in place without an output array", () => {
    const design = DESIGNS[0] as (typeof DESIGNS)[number];
    const input = samples.slice();
    const expected = new SosFilter(design.sections, { nChannels: N_CHANNELS }).processSampleMajor(
      input,
      new Float64Array(input.length),
    );

    const returned = new SosFilter(design.sections, { nChannels: N_CHANNELS }).processSampleMajor(input);
    expect(returned).toBe(input);
    expect(input).toEqual(expected);
  });

  it("leaves the input alone with an output array", () => {
    const design = DESIGNS[0] as (typeof DESIGNS)[number];
    const input = samples.slice();
    new SosFilter(design.sections, { nChannels: N_CHANNELS }).processSampleMajor(input, new Float32Array(input.length));
    expect(input).toEqual(samples);
  });
});

describe("SosFilter input checks", () => {
  const sections = butter(2, 100, "lowpass", 1000);

  it("rejects invalid sections", () => {
    expect(() => new SosFilter([], { nChannels: 1 })).toThrow(/sections must be a non-empty array/);
    expect(() => new SosFilter([[1, 0, 0, 2, 0, 0]], { nChannels: 1 })).toThrow(/a0 = 1, received a0 = 2/);
    expect(() => new SosFilter([[1, 0, 0, 1, Number.NaN, 0]], { nChannels: 1 })).toThrow(/finite numbers/);
    expect(() => new SosFilter([[1, 0, 0, 1]] as unknown as Section[], { nChannels: 1 })).toThrow(
      /sections\[0\] must contain six numbers/,
    );
  });

  it("rejects invalid options", () => {
    expect(() => new SosFilter(sections, { nChannels: 0 })).toThrow(/nChannels must be a positive integer, received 0/);
    expect(() => new SosFilter(sections, { nChannels: 1.5 })).toThrow(RangeError);
    expect(() => new SosFilter(sections, { nChannels: 1, initialState: "ones" as InitialState })).toThrow(
      /initialState must be "zero" or "step", received ones/,
    );
  });

  it("rejects chunks that do not fit the channels", () => {
    const filter = new SosFilter(sections, { nChannels: 3 });
    expect(() => filter.processSampleMajor(new Float32Array(10))).toThrow(
      /samples has 10 values, which is not a multiple of nChannels = 3/,
    );
    expect(() => filter.processSampleMajor(new Float32Array(9), new Float32Array(6))).toThrow(
      /output has 6 values, but the input has 9/,
    );
    expect(() => filter.processChannelsFirst({ data: new Float32Array(8), nChannels: 2, nSamples: 4 })).toThrow(
      /window has 2 channels, but this filter was built for nChannels = 3/,
    );
    expect(() => filter.processChannelsFirst({ data: new Float32Array(8), nChannels: 3, nSamples: 4 })).toThrow(
      RangeError,
    );
  });
});

describe("filter constructors", () => {
  it("build the sections of butter", () => {
    const options = { sampleRateHz: 2000, nChannels: 3 };
    expect(bandpass(20, 450, options).sections).toEqual(butter(4, [20, 450], "bandpass", 2000));
    expect(bandstop(45, 55, { ...options, order: 3 }).sections).toEqual(butter(3, [45, 55], "bandstop", 2000));
    expect(highpass(20, { ...options, order: 2 }).sections).toEqual(butter(2, 20, "highpass", 2000));
    expect(lowpass(450, options).sections).toEqual(butter(4, 450, "lowpass", 2000));
    expect(lowpass(450, { ...options, initialState: "step" }).initialState).toBe("step");
    expect(bandpass(20, 450, options).nChannels).toBe(3);
  });

  it("build one notch section per harmonic", () => {
    const filter = notch(50, { sampleRateHz: 2000, nChannels: 2, harmonics: 3 });
    expect(filter.sections).toEqual([iirnotch(50, 30, 2000), iirnotch(100, 30, 2000), iirnotch(150, 30, 2000)]);
    expect(notch(60, { sampleRateHz: 1000, nChannels: 1, qualityFactor: 10 }).sections).toEqual([
      iirnotch(60, 10, 1000),
    ]);
  });

  it("reject harmonics at or above Nyquist", () => {
    expect(() => notch(60, { sampleRateHz: 250, nChannels: 1, harmonics: 3 })).toThrow(
      /harmonics = 3 puts a notch at 180 Hz, at or above the Nyquist frequency 125 Hz; use at most 2 for 60 Hz/,
    );
    expect(() => notch(50, { sampleRateHz: 200, nChannels: 1, harmonics: 2 })).toThrow(/use at most 1 for 50 Hz/);
    expect(() => notch(50, { sampleRateHz: 2000, nChannels: 1, harmonics: 0 })).toThrow(
      /harmonics must be an integer of at least 1, received 0/,
    );
  });

  it("remove a 50 Hz tone", () => {
    const sampleRateHz = 2000;
    const tone = new Float64Array(4 * sampleRateHz).map((_, n) => Math.sin((2 * Math.PI * 50 * n) / sampleRateHz));
    const output = notch(50, { sampleRateHz, nChannels: 1 }).processSampleMajor(tone);
    // With Q = 30 the notch is 1.7 Hz wide and its transient decays by e in about 0.2 s.
    const lastSecondPeak = Math.max(...Array.from(output.subarray(3 * sampleRateHz), Math.abs));
    expect(lastSecondPeak).toBeLessThan(1e-4);
  });

  it("cascade filters in order", () => {
    const options = { sampleRateHz: 2000, nChannels: N_CHANNELS };
    const samples = testSignal(5, 500);
    const expected = notch(50, options).processSampleMajor(
      bandpass(20, 450, options).processSampleMajor(samples, new Float64Array(samples.length)),
    );

    const combined = cascade(bandpass(20, 450, options), notch(50, options));
    expect(combined.nSections).toBe(5);
    expect(combined.processSampleMajor(samples.slice())).toEqual(expected);
  });

  it("cascade rejects filters that differ", () => {
    expect(() => cascade()).toThrow(/at least one filter/);
    expect(() =>
      cascade(lowpass(100, { sampleRateHz: 1000, nChannels: 2 }), lowpass(100, { sampleRateHz: 1000, nChannels: 3 })),
    ).toThrow(/equal nChannels and initialState/);
  });
});
