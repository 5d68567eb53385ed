import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  extractGroup,
  FEATURE_GROUP_NAMES,
  FEATURE_GROUPS,
  FEATURE_NAMES,
  hasNonFinite,
  type FeatureGroup,
  type FeatureName,
  type FeatureOptions,
  type Window,
} from "../src/recipes/features/index.js";
import {
  COUNT_FEATURES,
  decodeNumber,
  expectMatches,
  FEATURE_FUNCTIONS,
  REFERENCE_FOLDER,
  type EncodedNumber,
} from "./recipes-features-support.js";

// Runs the numpy reference (features.py) on windows generated here and compares every feature
// and group. Non-finite values travel as the strings "NaN", "Infinity" and "-Infinity", and a
// feature that raises comes back as null.
const NUMPY_RUNNER = String.raw`
import json, math, sys
import numpy as np
sys.path.insert(0, sys.argv[1])
import features as F

def decode(v):
    return {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}.get(v, v)

def encode(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v

def keywords(name, options):
    if name == "SSC" and "sscThreshold" in options:
        return {"threshold": options["sscThreshold"]}
    if name == "WAMP" and "wampThreshold" in options:
        return {"threshold": options["wampThreshold"]}
    if name == "AR" and "arOrder" in options:
        return {"order": options["arOrder"]}
    if name in ("MNF", "MDF") and "sampleRateHz" in options:
        return {"sample_rate_hz": options["sampleRateHz"]}
    return {}

def feature(name, windows, options):
    kw = keywords(name, options)
    if name == "MDF":
        row = []
        for c in range(windows.shape[1]):
            try:
                row.append(encode(F.mdf(windows[:, c : c + 1], **kw)[0, 0]))
            except ValueError:
                row.append(None)
        return row
    try:
        return [encode(v) for v in F.FEATURES[name](windows, **kw)[0]]
    except ValueError:
        return None

def group(name, windows, options):
    kw = {f: keywords(f, options) for f in F.GROUPS[name]}
    try:
        return [encode(v) for v in F.extract_group(name, windows, kw)[0]]
    except ValueError:
        return None

results = []
with np.errstate(all="ignore"):
    for case in json.load(sys.stdin):
        windows = np.array([[[decode(v) for v in ch] for ch in case["channels"]]], dtype=np.float64)
        options = case["options"]
        results.append({
            "features": {name: feature(name, windows, options) for name in F.FEATURES},
            "groups": {name: group(name, windows, options) for name in F.GROUPS},
        })
json.dump(results, sys.stdout)
`;

interface NumpyCase {
  channels: EncodedNumber[][];
  options: FeatureOptions;
}

interface NumpyResult {
  features: Record<string, EncodedNumber[] | null>;
  groups: Record<string, EncodedNumber[] | null>;
}

/** mulberry32: a small seeded generator, so every run tests the same windows. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const random = seededRandom(20250214);

function gaussian(): number {
  return random() + random() + random() + random() - 2;
}

type Signal = "volts" | "adc" | "sparse" | "large" | "constant" | "zeros";
const SIGNALS: readonly Signal[] = ["volts", "adc", "sparse", "large", "constant", "zeros"];

function sample(signal: Signal, t: number, channelLevel: number): number {
  switch (signal) {
    case "volts":
      return 2e-3 * gaussian() + 1e-3 * Math.sin(0.7 * t);
    case "adc":
      return Math.max(-128, Math.min(127, Math.round(40 * gaussian())));
    case "sparse":
      return random() < 0.4 ? 0 : Math.round(8 * gaussian()) / 16;
    case "large":
      return 1e4 * gaussian() + 3e3;
    case "constant":
      return channelLevel;
    case "zeros":
      return 0;
  }
}

function randomChannels(nChannels: number, nSamples: number, mix: boolean): number[][] {
  const base = SIGNALS[Math.floor(random() * 4)] as Signal;
  return Array.from({ length: nChannels }, (_, c) => {
    const signal = mix && c > 0 ? (SIGNALS[Math.floor(random() * SIGNALS.length)] as Signal) : base;
    const level = Math.round(100 * gaussian()) / 64;
    return Array.from({ length: nSamples }, (_, t) => sample(signal, t, level));
  });
}

const SHAPES: readonly [number, number][] = [
  [8, 40],
  [3, 37],
  [2, 64],
  [1, 65],
  [4, 200],
  [2, 400],
  [5, 100],
  [2, 7],
  [2, 5],
  [1, 3],
  [2, 2],
  [1, 1],
];

function randomOptions(nSamples: number, channels: number[][]): FeatureOptions {
  const first = channels[0] ?? [];
  const a = first[1] ?? 0;
  const b = first[2] ?? 0;
  return {
    // A threshold equal to a difference or product in the data puts > and >= to the test.
    sscThreshold: (b - a) * (b - (first[3] ?? 0)),
    wampThreshold: Math.abs(b - a),
    arOrder: Math.max(1, Math.min(nSamples - 1, 1 + Math.floor(random() * 10))),
    sampleRateHz: random() < 0.5 ? 200 : 2048,
  };
}

function buildCases(): NumpyCase[] {
  const cases: NumpyCase[] = [];
  for (const [nChannels, nSamples] of SHAPES) {
    for (let repeat = 0; repeat < 4; repeat++) {
      const channels = randomChannels(nChannels, nSamples, repeat >= 2);
      const options = repeat % 2 === 0 ? {} : randomOptions(nSamples, channels);
      cases.push({ channels, options });
    }
  }
  return cases;
}

/** Copies of some cases with a NaN, +Infinity or -Infinity written into one channel. */
function nonFiniteCases(cases: readonly NumpyCase[]): NumpyCase[] {
  const values: EncodedNumber[] = ["NaN", "Infinity", "-Infinity"];
  return cases
    .filter((testCase) => (testCase.channels[0]?.length ?? 0) >= 5)
    .slice(0, 12)
    .map((testCase, i) => {
      const channels = testCase.channels.map((channel) => [...channel]);
      const target = channels[i % channels.length] as EncodedNumber[];
      target[(3 * i) % target.length] = values[i % values.length] as EncodedNumber;
      return { channels, options: testCase.options };
    });
}

function runNumpy(cases: readonly NumpyCase[]): NumpyResult[] {
  const result = spawnSync("python3", ["-c", NUMPY_RUNNER, REFERENCE_FOLDER], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) {
    throw new Error(`features.py failed (status ${result.status}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as NumpyResult[];
}

function windowFrom(channels: readonly EncodedNumber[][]): Window {
  const nChannels = channels.length;
  const nSamples = channels[0]?.length ?? 0;
  const data = new Float64Array(nChannels * nSamples);
  channels.forEach((channel, c) => {
    channel.forEach((value, t) => {
      data[c * nSamples + t] = decodeNumber(value);
    });
  });
  return { data, nChannels, nSamples };
}

/** Channels that contain a NaN or infinite sample. */
function nonFiniteChannels(window: Window): Set<number> {
  const channels = new Set<number>();
  for (let i = 0; i < window.data.length; i++) {
    if (!Number.isFinite(window.data[i])) {
      channels.add(Math.floor(i / window.nSamples));
    }
  }
  return channels;
}

const finiteCases = buildCases();
const badCases = nonFiniteCases(finiteCases);
const numpyFinite = runNumpy(finiteCases);
const numpyBad = runNumpy(badCases);

function compareFeature(
  name: FeatureName,
  testCase: NumpyCase,
  expected: EncodedNumber[] | null,
): void {
  const window = windowFrom(testCase.channels);
  const call = () => FEATURE_FUNCTIONS[name](window, testCase.options);
  if (expected === null) {
    // Only AR raises in the reference once MDF is taken channel by channel: its order must be
    // below the window length.
    expect(name).toBe("AR");
    expect(call).toThrow(RangeError);
    return;
  }
  expectMatches(name, call(), expected, COUNT_FEATURES.includes(name));
}

describe("features against numpy on generated windows", () => {
  it("generated windows cover every shape", () => {
    expect(finiteCases).toHaveLength(SHAPES.length * 4);
    expect(numpyFinite).toHaveLength(finiteCases.length);
  });

  for (const name of FEATURE_NAMES) {
    it(`${name} matches`, () => {
      finiteCases.forEach((testCase, i) => {
        compareFeature(name, testCase, numpyFinite[i]?.features[name] ?? null);
      });
    });
  }

  for (const group of FEATURE_GROUP_NAMES) {
    it(`group ${group} matches`, () => {
      finiteCases.forEach((testCase, i) => {
        const window = windowFrom(testCase.channels);
        const expected = numpyFinite[i]?.groups[group] ?? null;
        const call = () => extractGroup(group as FeatureGroup, window, testCase.options);
        if (expected === null) {
          expect(group).toBe("TDAR");
          expect(call).toThrow(RangeError);
        } else {
          expectMatches(`${group} case ${i}`, call(), expected, false);
        }
      });
    });
  }
});

describe("features of non-finite windows", () => {
  // Where numpy already keeps NaN or infinity visible, the value is numpy's. Counts, spectral
  // features and AR instead give NaN for a channel with a non-finite sample.
  const NAN_PER_CHANNEL: readonly FeatureName[] = ["ZC", "SSC", "WAMP", "MNP", "MNF", "MDF", "AR"];

  it("hasNonFinite flags every generated case", () => {
    for (const testCase of badCases) {
      expect(hasNonFinite(windowFrom(testCase.channels))).toBe(true);
    }
    for (const testCase of finiteCases) {
      expect(hasNonFinite(windowFrom(testCase.channels))).toBe(false);
    }
  });

  for (const group of FEATURE_GROUP_NAMES) {
    it(`group ${group} equals its features stacked`, () => {
      for (const testCase of badCases) {
        const window = windowFrom(testCase.channels);
        const expected = FEATURE_GROUPS[group].flatMap((name) =>
          Array.from(FEATURE_FUNCTIONS[name](window, testCase.options)),
        );
        expect(Array.from(extractGroup(group, window, testCase.options))).toEqual(expected);
      }
    });
  }

  for (const name of FEATURE_NAMES) {
    it(`${name} keeps non-finite input visible`, () => {
      badCases.forEach((testCase, i) => {
        const window = windowFrom(testCase.channels);
        const bad = nonFiniteChannels(window);
        const actual = FEATURE_FUNCTIONS[name](window, testCase.options);
        const width = actual.length / window.nChannels;
        for (let c = 0; c < window.nChannels; c++) {
          for (let j = 0; j < width; j++) {
            const value = actual[c * width + j] as number;
            if (bad.has(c)) {
              expect(Number.isFinite(value), `case ${i} channel ${c}: ${value}`).toBe(false);
            }
            if (bad.has(c) && NAN_PER_CHANNEL.includes(name)) {
              expect(value, `case ${i} channel ${c}`).toBeNaN();
            }
          }
        }
        if (!NAN_PER_CHANNEL.includes(name)) {
          expectMatches(`${name} case ${i}`, actual, numpyBad[i]?.features[name] ?? [], false);
        }
      });
    });
  }
});
