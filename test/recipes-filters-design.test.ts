import { describe, expect, it } from "vitest";
import { type FilterType, type Section, butter, iirnotch, sosfiltZi } from "../src/recipes/filters/index.js";
import { runScipy, seededRandom } from "./support/scipy-signal.js";

type Cutoff = number | [number, number];

interface DesignCase {
  readonly order: number;
  readonly cutoffHz: Cutoff;
  readonly type: FilterType;
  readonly sampleRateHz: number;
}

const TYPES: readonly FilterType[] = ["lowpass", "highpass", "bandpass", "bandstop"];

/** Cutoffs per type for a sample rate: one near DC, one in the middle, one near Nyquist. */
function cutoffsFor(type: FilterType, sampleRateHz: number): Cutoff[] {
  const f = sampleRateHz;
  switch (type) {
    case "lowpass":
      return [5, 0.2 * f, 0.45 * f];
    case "highpass":
      return [20, 0.1 * f, 0.49 * f];
    case "bandpass":
      // [0.2·f, 0.3·f] is centred on f/4 after pre-warping, where poles are symmetric about
      // the imaginary axis and ties in scipy's pairing are likeliest.
      return [[20, 450], [0.2 * f, 0.3 * f], [1, 0.49 * f]];
    case "bandstop":
      return [[45, 55], [0.2 * f, 0.3 * f], [10, 0.4 * f]];
  }
}

function tableCases(): DesignCase[] {
  const cases: DesignCase[] = [];
  for (let order = 1; order <= 8; order++) {
    for (const type of TYPES) {
      for (const sampleRateHz of [1000, 2000, 2048]) {
        for (const cutoffHz of cutoffsFor(type, sampleRateHz)) {
          cases.push({ order, cutoffHz, type, sampleRateHz });
        }
      }
    }
  }
  return cases;
}

function randomCases(count: number, seed: number): DesignCase[] {
  const random = seededRandom(seed);
  const rates = [250, 500, 1000, 1024, 2000, 2048, 4000, 10240];
  const cases: DesignCase[] = [];
  while (cases.length < count) {
    const order = 1 + Math.floor(random() * 12);
    const type = TYPES[Math.floor(random() * TYPES.length)] as FilterType;
    const sampleRateHz = rates[Math.floor(random() * rates.length)] as number;
    const nyquistHz = sampleRateHz / 2;
    const a = nyquistHz * (0.001 + 0.998 * random());
    const b = nyquistHz * (0.001 + 0.998 * random());
    if (type === "lowpass" || type === "highpass") {
      cases.push({ order, cutoffHz: a, type, sampleRateHz });
    } else if (Math.abs(a - b) > 0.01 * nyquistHz) {
      cases.push({ order, cutoffHz: [Math.min(a, b), Math.max(a, b)], type, sampleRateHz });
    }
  }
  return cases;
}

interface ScipyDesign {
  readonly sos: number[][];
  /** Whether two poles that are not conjugates are equally close to the unit circle. */
  readonly tie: boolean;
}

/**
 * Designs with scipy and flags ties. scipy orders sections by each pole's distance to the unit
 * circle. When two poles are at the same distance, which happens for a band centred on a
 * quarter of the sample rate, the last bit of rounding decides their order.
 */
function scipyButter(cases: readonly DesignCase[]): ScipyDesign[] {
  return runScipy<ScipyDesign[]>(
    `
result = []
for c in data:
    args = (c["order"], c["cutoffHz"], c["type"])
    sos = signal.butter(*args, fs=c["sampleRateHz"], output="sos")
    z, p, k = signal.butter(*args, fs=c["sampleRateHz"], output="zpk")
    distance = np.sort(np.abs(1 - np.abs(p[p.imag >= 0])))
    tie = bool(np.any(np.diff(distance) <= 1e-9 * max(distance.max(), 1e-300)))
    result.append({"sos": sos.tolist(), "tie": tie})
`,
    cases,
  );
}

/**
 * Largest difference between two section lists, relative to the largest coefficient of the
 * numerator or denominator it belongs to; Infinity when the shapes differ.
 */
function sectionError(actual: readonly (readonly number[])[], expected: readonly (readonly number[])[]): number {
  if (actual.length !== expected.length) {
    return Infinity;
  }
  let worst = 0;
  actual.forEach((section, s) => {
    const reference = expected[s] as number[];
    for (const [from, to] of [
      [0, 3],
      [3, 6],
    ] as const) {
      const scale = Math.max(...reference.slice(from, to).map(Math.abs));
      for (let i = from; i < to; i++) {
        worst = Math.max(worst, Math.abs((section[i] as number) - (reference[i] as number)) / scale);
      }
    }
  });
  return worst;
}

/**
 * Converts sections to a form that ignores their order: each numerator divided by its b0,
 * sorted by the denominator, and the product of the b0 values (the overall gain) as one extra row.
 */
function sectionSet(sections: readonly (readonly number[])[]): number[][] {
  let gain = 1;
  const rows = sections.map((section) => {
    const [b0, b1, b2, a0, a1, a2] = section as [number, number, number, number, number, number];
    gain *= b0;
    return [1, b1 / b0, b2 / b0, a0, a1, a2];
  });
  const key = (row: number[]): number => Math.round((row[4] as number) * 1e6) * 1e7 + Math.round((row[5] as number) * 1e6);
  rows.sort((a, b) => key(a) - key(b));
  return [...rows, [gain, 0, 0, 1, 0, 0]];
}

/** Compares in order, or as sets where scipy's order came from a tie (see {@link scipyButter}). */
function designError(actual: readonly Section[], expected: ScipyDesign): number {
  const inOrder = sectionError(actual, expected.sos);
  if (inOrder < 1e-10 || !expected.tie) {
    return inOrder;
  }
  return sectionError(sectionSet(actual), sectionSet(expected.sos));
}

function describeCase(c: DesignCase): string {
  return `butter(${c.order}, ${JSON.stringify(c.cutoffHz)}, "${c.type}", ${c.sampleRateHz})`;
}

describe("butter", () => {
  it("equals scipy's sections for a table of designs", () => {
    const cases = tableCases();
    const expected = scipyButter(cases);

    cases.forEach((c, i) => {
      const error = designError(butter(c.order, c.cutoffHz, c.type, c.sampleRateHz), expected[i] as ScipyDesign);
      expect(error, describeCase(c)).toBeLessThan(1e-10);
    });
  });

  it("equals scipy's sections for random designs", () => {
    const cases = randomCases(400, 20_240_601);
    const expected = scipyButter(cases);

    cases.forEach((c, i) => {
      const error = designError(butter(c.order, c.cutoffHz, c.type, c.sampleRateHz), expected[i] as ScipyDesign);
      expect(error, describeCase(c)).toBeLessThan(1e-10);
    });
  });

  it("equals scipy's sections for the EMG designs", () => {
    const cases: DesignCase[] = [
      { order: 4, cutoffHz: [20, 450], type: "bandpass", sampleRateHz: 2000 },
      { order: 2, cutoffHz: [20, 450], type: "bandpass", sampleRateHz: 2000 },
      { order: 4, cutoffHz: 20, type: "highpass", sampleRateHz: 1000 },
      { order: 2, cutoffHz: 20, type: "highpass", sampleRateHz: 1000 },
      { order: 4, cutoffHz: 450, type: "lowpass", sampleRateHz: 2000 },
    ];
    const expected = scipyButter(cases);

    cases.forEach((c, i) => {
      const actual = butter(c.order, c.cutoffHz, c.type, c.sampleRateHz);
      const error = sectionError(actual, (expected[i] as ScipyDesign).sos);
      expect(error, describeCase(c)).toBeLessThan(1e-12);
    });
  });

  it("returns one section per two poles", () => {
    for (let order = 1; order <= 9; order++) {
      expect(butter(order, 100, "lowpass", 1000)).toHaveLength(Math.ceil(order / 2));
      expect(butter(order, 100, "highpass", 1000)).toHaveLength(Math.ceil(order / 2));
      expect(butter(order, [100, 200], "bandpass", 1000)).toHaveLength(order);
      expect(butter(order, [100, 200], "bandstop", 1000)).toHaveLength(order);
    }
  });

  it("puts a0 = 1 in every section", () => {
    for (const section of butter(7, [30, 300], "bandstop", 2000)) {
      expect(section[3]).toBe(1);
    }
  });

  it("rejects an invalid order", () => {
    expect(() => butter(0, 100, "lowpass", 1000)).toThrow(/order must be an integer of at least 1, received 0/);
    expect(() => butter(2.5, 100, "lowpass", 1000)).toThrow(/received 2\.5/);
    expect(() => butter(Number.NaN, 100, "lowpass", 1000)).toThrow(RangeError);
  });

  it("rejects cutoffs outside zero to Nyquist", () => {
    expect(() => butter(2, 0, "lowpass", 1000)).toThrow(
      /cutoffHz must be above 0 and below the Nyquist frequency 500 Hz \(sampleRateHz \/ 2\), received 0/,
    );
    expect(() => butter(2, 500, "highpass", 1000)).toThrow(/received 500/);
    expect(() => butter(2, -3, "highpass", 1000)).toThrow(RangeError);
    expect(() => butter(2, [10, 600], "bandpass", 1000)).toThrow(/received 600/);
    expect(() => butter(2, [Number.NaN, 100], "bandpass", 1000)).toThrow(/received NaN/);
  });

  it("rejects a band with low above high", () => {
    expect(() => butter(2, [200, 100], "bandpass", 1000)).toThrow(
      /lowHz below highHz, received \[200, 100\]/,
    );
    expect(() => butter(2, [100, 100], "bandstop", 1000)).toThrow(RangeError);
  });

  it("rejects a cutoff of the wrong shape", () => {
    expect(() => butter(2, 100, "bandpass", 1000)).toThrow(TypeError);
    expect(() => butter(2, [10, 100], "lowpass", 1000)).toThrow(TypeError);
  });

  it("rejects an unknown type and sample rate", () => {
    expect(() => butter(2, 100, "allpass" as FilterType, 1000)).toThrow(/type must be one of/);
    expect(() => butter(2, 100, "lowpass", 0)).toThrow(/sampleRateHz must be a finite number above 0, received 0/);
    expect(() => butter(2, 100, "lowpass", Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe("iirnotch", () => {
  it("equals scipy's coefficients", () => {
    const cases: { frequencyHz: number; qualityFactor: number; sampleRateHz: number }[] = [];
    for (const frequencyHz of [50, 60, 100, 120, 150, 180]) {
      for (const qualityFactor of [1, 10, 30, 35.5]) {
        for (const sampleRateHz of [500, 1000, 1024, 2000, 2048, 4000]) {
          cases.push({ frequencyHz, qualityFactor, sampleRateHz });
        }
      }
    }
    const expected = runScipy<[number[], number[]][]>(
      `result = [[x.tolist() for x in signal.iirnotch(c["frequencyHz"], c["qualityFactor"], fs=c["sampleRateHz"])] for c in data]`,
      cases,
    );

    cases.forEach((c, i) => {
      const [b, a] = expected[i] as [number[], number[]];
      const section = iirnotch(c.frequencyHz, c.qualityFactor, c.sampleRateHz);
      const label = JSON.stringify(c);
      for (let k = 0; k < 3; k++) {
        expect(Math.abs((section[k] as number) - (b[k] as number)), `${label} b${k}`).toBeLessThan(1e-14);
        expect(Math.abs((section[k + 3] as number) - (a[k] as number)), `${label} a${k}`).toBeLessThan(1e-14);
      }
    });
  });

  it("rejects frequencies outside zero to Nyquist", () => {
    expect(() => iirnotch(0, 30, 1000)).toThrow(/frequencyHz must be above 0 and below the Nyquist frequency 500 Hz/);
    expect(() => iirnotch(500, 30, 1000)).toThrow(/received 500/);
    expect(() => iirnotch(50, 0, 1000)).toThrow(/qualityFactor must be a finite number above 0, received 0/);
    expect(() => iirnotch(50, 30, -1)).toThrow(/sampleRateHz/);
  });
});

describe("sosfiltZi", () => {
  it("equals scipy's sosfilt_zi", () => {
    const designs: Section[][] = [
      butter(4, [20, 450], "bandpass", 2000),
      butter(5, 20, "highpass", 1000),
      butter(3, 100, "lowpass", 2000),
      butter(6, [45, 55], "bandstop", 2000),
      [iirnotch(50, 30, 2000), iirnotch(100, 30, 2000)],
    ];
    const expected = runScipy<number[][][]>(
      `result = [signal.sosfilt_zi(np.array(sos)).tolist() for sos in data]`,
      designs,
    );

    designs.forEach((sections, d) => {
      const state = sosfiltZi(sections);
      const reference = (expected[d] as number[][]).flat();
      const scale = Math.max(1, ...reference.map(Math.abs));
      expect(state).toHaveLength(reference.length);
      reference.forEach((value, i) => {
        expect(Math.abs((state[i] as number) - value) / scale, `design ${d} value ${i}`).toBeLessThan(1e-12);
      });
    });
  });

  it("rejects a section with a pole at z = 1", () => {
    expect(() => sosfiltZi([[1, 0, 0, 1, -1, 0]])).toThrow(/pole at z = 1/);
  });
});
