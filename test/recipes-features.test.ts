import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  extractFeatureRows,
  extractFeatures,
  extractGroup,
  extractGroupRows,
  FEATURE_GROUPS,
  FEATURE_GROUP_NAMES,
  FEATURE_NAMES,
  featureColumnLabels,
  groupColumnLabels,
  htd,
  type FeatureGroup,
  type FeatureName,
  type FeatureOptions,
} from "../src/recipes/features/index.js";
import {
  COUNT_FEATURES,
  expectMatches,
  FEATURE_FUNCTIONS,
  REFERENCE_FOLDER,
  windowOf,
  type EncodedNumber,
} from "./recipes-features-support.js";

interface FeatureEntry {
  feature: FeatureName;
  options: Record<string, number>;
  raises_for?: [number, number][];
  shape: [number, number];
  values: EncodedNumber[][];
}

interface Vectors {
  input: { shape: [number, number, number]; windows: number[][][] };
  features: Record<string, FeatureEntry>;
  with_options: FeatureEntry[];
  groups: Record<string, { features: string[]; columns: string[]; values: EncodedNumber[][] }>;
}

const vectors = JSON.parse(
  readFileSync(join(REFERENCE_FOLDER, "features_vectors.json"), "utf8"),
) as Vectors;
const windows64 = vectors.input.windows.map((channels) => windowOf(channels));
const windows32 = vectors.input.windows.map((channels) => windowOf(channels, true));
const nChannels = vectors.input.shape[1];

/** Converts the reference's snake_case option names to ours. */
function optionsOf(entry: FeatureEntry): FeatureOptions {
  const { threshold, order, sample_rate_hz: sampleRateHz } = entry.options;
  if (entry.feature === "SSC") {
    return { sscThreshold: threshold };
  }
  if (entry.feature === "WAMP") {
    return { wampThreshold: threshold };
  }
  return { arOrder: order, sampleRateHz };
}

function describeEntry(entry: FeatureEntry): string {
  return `${entry.feature} ${JSON.stringify(entry.options)}`;
}

const featureCases = [...Object.values(vectors.features), ...vectors.with_options];

describe("features against the reference vectors", () => {
  it("cover every feature name", () => {
    expect(Object.keys(vectors.features).sort()).toEqual([...FEATURE_NAMES].sort());
  });

  for (const entry of featureCases) {
    const exact = COUNT_FEATURES.includes(entry.feature);
    const options = optionsOf(entry);

    it(`${describeEntry(entry)} matches`, () => {
      windows64.forEach((window, w) => {
        const actual = FEATURE_FUNCTIONS[entry.feature](window, options);
        expectMatches(`window ${w}`, actual, entry.values[w] as EncodedNumber[], exact);
      });
    });

    it(`${describeEntry(entry)} matches through extractFeatures`, () => {
      windows64.forEach((window, w) => {
        const actual = extractFeatures([entry.feature], window, options);
        expectMatches(`window ${w}`, actual, entry.values[w] as EncodedNumber[], exact);
      });
    });
  }

  it("MDF is NaN where the reference raises", () => {
    for (const entry of [vectors.features.MDF, ...vectors.with_options]) {
      for (const [w, c] of entry?.raises_for ?? []) {
        const window = windows64[w] as (typeof windows64)[0];
        const values = FEATURE_FUNCTIONS.MDF(window, optionsOf(entry as FeatureEntry));
        expect(values[c]).toBeNaN();
      }
    }
    expect(vectors.features.MDF?.raises_for).toEqual([[3, 0]]);
  });

  for (const group of FEATURE_GROUP_NAMES) {
    const expected = vectors.groups[group];

    it(`group ${group} matches`, () => {
      expect(expected).toBeDefined();
      windows64.forEach((window, w) => {
        const actual = extractGroup(group, window);
        expectMatches(`window ${w}`, actual, expected?.values[w] as EncodedNumber[], false);
      });
    });

    it(`group ${group} lists LibEMG's features`, () => {
      expect([...FEATURE_GROUPS[group]]).toEqual(expected?.features);
    });

    it(`group ${group} column labels match`, () => {
      expect(groupColumnLabels(group, nChannels)).toEqual(expected?.columns);
    });
  }
});

describe("float32 windows", () => {
  for (const name of FEATURE_NAMES) {
    it(`${name} equals float64 input`, () => {
      windows32.forEach((window, w) => {
        const expected = FEATURE_FUNCTIONS[name](windows64[w] as (typeof windows64)[0]);
        const actual = FEATURE_FUNCTIONS[name](window);
        expect(Array.from(actual)).toEqual(Array.from(expected));
      });
    });
  }

  it("random float32 windows equal float64 input", () => {
    const windowArbitrary = fc
      .record({
        nChannels: fc.integer({ min: 1, max: 4 }),
        nSamples: fc.integer({ min: 5, max: 70 }),
      })
      .chain(({ nChannels, nSamples }) =>
        fc.record({
          nChannels: fc.constant(nChannels),
          nSamples: fc.constant(nSamples),
          values: fc.array(fc.float({ min: -1e3, max: 1e3, noNaN: true }), {
            minLength: nChannels * nSamples,
            maxLength: nChannels * nSamples,
          }),
        }),
      );
    fc.assert(
      fc.property(windowArbitrary, ({ nChannels, nSamples, values }) => {
        const single = { data: Float32Array.from(values), nChannels, nSamples };
        const double = { data: Float64Array.from(values), nChannels, nSamples };
        for (const name of FEATURE_NAMES) {
          const expected = Array.from(FEATURE_FUNCTIONS[name](double));
          expect(Array.from(FEATURE_FUNCTIONS[name](single)), name).toEqual(expected);
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });

  for (const group of FEATURE_GROUP_NAMES) {
    it(`group ${group} equals float64 input`, () => {
      windows32.forEach((window, w) => {
        const expected = extractGroup(group, windows64[w] as (typeof windows64)[0]);
        expect(Array.from(extractGroup(group, window))).toEqual(Array.from(expected));
      });
    });
  }
});

describe("feature extraction API", () => {
  const window = windows64[0] as (typeof windows64)[0];

  it("extractFeatures stacks feature-major", () => {
    const names: FeatureName[] = ["WL", "AR", "MAV"];
    const stacked = extractFeatures(names, window, { arOrder: 3 });
    const expected = [
      ...FEATURE_FUNCTIONS.WL(window),
      ...FEATURE_FUNCTIONS.AR(window, { arOrder: 3 }),
      ...FEATURE_FUNCTIONS.MAV(window),
    ];
    expect(Array.from(stacked)).toEqual(expected);
    expect(featureColumnLabels(names, 2, { arOrder: 3 })).toEqual([
      "WL[0]",
      "WL[1]",
      "AR[0].a1",
      "AR[0].a2",
      "AR[0].a3",
      "AR[1].a1",
      "AR[1].a2",
      "AR[1].a3",
      "MAV[0]",
      "MAV[1]",
    ]);
  });

  it("groups equal their features stacked one by one", () => {
    // HTD and TDPSD run through fused kernels, which must give the single kernels' values.
    for (const group of FEATURE_GROUP_NAMES) {
      for (const testWindow of [...windows64, ...windows32]) {
        const expected = FEATURE_GROUPS[group].flatMap((name) =>
          Array.from(FEATURE_FUNCTIONS[name](testWindow)),
        );
        expect(Array.from(extractGroup(group, testWindow)), group).toEqual(expected);
      }
    }
  });

  it("features out of group order are not fused", () => {
    const names: FeatureName[] = ["WL", "MAV", "ZC", "SSC", "IRF", "M0"];
    const expected = names.flatMap((name) => Array.from(FEATURE_FUNCTIONS[name](window)));
    expect(Array.from(extractFeatures(names, window))).toEqual(expected);
    const reordered = extractFeatures(["SSC", "MAV", "ZC", "WL"], window);
    expect(Array.from(reordered.subarray(2, 4))).toEqual(Array.from(FEATURE_FUNCTIONS.MAV(window)));
  });

  it("htd equals the HTD group", () => {
    expect(Array.from(htd(window))).toEqual(Array.from(extractGroup("HTD", window)));
  });

  it("row helpers give one row per window", () => {
    const groupRows = extractGroupRows("TDAR", windows64);
    const featureRows = extractFeatureRows(["MSR", "LD"], windows64);
    expect(groupRows).toHaveLength(windows64.length);
    expect(featureRows).toHaveLength(windows64.length);
    windows64.forEach((testWindow, w) => {
      expect(Array.from(groupRows[w] ?? [])).toEqual(Array.from(extractGroup("TDAR", testWindow)));
      expect(Array.from(featureRows[w] ?? [])).toEqual(
        Array.from(extractFeatures(["MSR", "LD"], testWindow)),
      );
    });
  });

  it("empty name list gives an empty row", () => {
    expect(extractFeatures([], window)).toHaveLength(0);
  });

  it("unknown feature name is rejected", () => {
    const call = () => extractFeatures(["MAV", "XYZ" as FeatureName], window);
    expect(call).toThrow(RangeError);
    expect(call).toThrow(/Unknown feature "XYZ"; valid features: MAV, ZC, SSC/);
  });

  it("repeated feature name is rejected", () => {
    expect(() => extractFeatures(["MAV", "MAV"], window)).toThrow(/"MAV" is listed twice/);
  });

  it("unknown group name is rejected", () => {
    const call = () => extractGroup("HJORTH" as FeatureGroup, window);
    expect(call).toThrow(RangeError);
    expect(call).toThrow(/Unknown feature group "HJORTH"; valid groups: HTD, LS4, LS9, TDPSD, TDAR$/);
    expect(() => groupColumnLabels("toString" as FeatureGroup, 2)).toThrow(RangeError);
  });

  it("invalid options are rejected", () => {
    const cases: [FeatureOptions, ErrorConstructor, RegExp][] = [
      [{ arOrder: 0 }, RangeError, /arOrder: expected an integer of at least 1, got 0/],
      [{ arOrder: 2.5 }, RangeError, /arOrder: .* got 2.5/],
      [{ sampleRateHz: 0 }, RangeError, /sampleRateHz: expected a finite number above 0, got 0/],
      [{ sampleRateHz: Number.POSITIVE_INFINITY }, RangeError, /sampleRateHz: .* got Infinity/],
      [{ sscThreshold: Number.NaN }, RangeError, /sscThreshold: expected a number, got NaN/],
      [{ wampThreshold: "1" as unknown as number }, TypeError, /wampThreshold: expected a number/],
      [{ arorder: 3 } as FeatureOptions, RangeError, /Unknown feature option "arorder"/],
    ];
    for (const [options, errorType, message] of cases) {
      expect(() => extractGroup("TDAR", window, options)).toThrow(errorType);
      expect(() => extractGroup("TDAR", window, options)).toThrow(message);
    }
    expect(() => FEATURE_FUNCTIONS.MNF(window, { sampleRateHz: -1 })).toThrow(/sampleRateHz/);
  });

  it("undefined option keeps its default", () => {
    const explicit = FEATURE_FUNCTIONS.WAMP(window, { wampThreshold: undefined });
    expect(Array.from(explicit)).toEqual(Array.from(FEATURE_FUNCTIONS.WAMP(window)));
  });

  it("AR order not below window length is rejected", () => {
    const short = windowOf([[1, 2, 3, 4]]);
    expect(Array.from(FEATURE_FUNCTIONS.AR(short, { arOrder: 3 }))).toHaveLength(3);
    expect(() => FEATURE_FUNCTIONS.AR(short)).toThrow(
      /AR order 4 needs windows of more than 4 samples, got 4/,
    );
    expect(() => extractGroup("TDAR", short)).toThrow(RangeError);
  });

  it("window of the wrong size is rejected", () => {
    const bad = { data: new Float32Array(7), nChannels: 2, nSamples: 4 };
    for (const name of FEATURE_NAMES) {
      const call = () => FEATURE_FUNCTIONS[name](bad);
      expect(call, name).toThrow(/data has 7 values, expected .* = 8/);
    }
    const noData = new Float32Array(0);
    expect(() => htd({ data: noData, nChannels: -1, nSamples: 0 })).toThrow(/nChannels/);
    expect(() => htd({ data: noData, nChannels: 0, nSamples: 1.5 })).toThrow(/nSamples/);
  });

  it("window with no channels gives an empty row", () => {
    const empty = { data: new Float64Array(0), nChannels: 0, nSamples: 40 };
    for (const group of FEATURE_GROUP_NAMES) {
      expect(extractGroup(group, empty)).toHaveLength(0);
    }
  });

  it("window with no samples gives NaN means and zero counts", () => {
    const empty = { data: new Float32Array(0), nChannels: 2, nSamples: 0 };
    expect(Array.from(htd(empty))).toEqual([Number.NaN, Number.NaN, 0, 0, 0, 0, 0, 0]);
    const expected = FEATURE_GROUPS.HTD.flatMap((name) =>
      Array.from(FEATURE_FUNCTIONS[name](empty)),
    );
    expect(Array.from(htd(empty))).toEqual(expected);
    expect(() => FEATURE_FUNCTIONS.AR(empty)).toThrow(RangeError);
  });

  it("stream windows are accepted", () => {
    const streamWindow = { ...windows32[0]!, timestamps: new Float64Array(40) };
    expect(htd(streamWindow)).toHaveLength(8);
  });
});
