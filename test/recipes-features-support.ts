import { expect } from "vitest";
import {
  ar,
  dasdv,
  iav,
  irf,
  ld,
  ls,
  m0,
  m2,
  m4,
  mav,
  mdf,
  mfl,
  mnf,
  mnp,
  msr,
  rms,
  sparsi,
  ssc,
  variance,
  wamp,
  wl,
  wlf,
  zc,
  type FeatureName,
  type FeatureOptions,
  type Window,
} from "../src/recipes/features/index.js";

export const REFERENCE_FOLDER = "/work/shared/reference";
export const RELATIVE_TOLERANCE = 1e-9;
export const ABSOLUTE_TOLERANCE = 1e-12;
export const COUNT_FEATURES: readonly FeatureName[] = ["ZC", "SSC", "WAMP"];

/** The public function of each feature, by LibEMG name. */
export const FEATURE_FUNCTIONS: Record<
  FeatureName,
  (window: Window, options?: FeatureOptions) => Float64Array
> = {
  MAV: mav,
  ZC: zc,
  SSC: ssc,
  WL: wl,
  LS: ls,
  MFL: mfl,
  MSR: msr,
  WAMP: wamp,
  RMS: rms,
  IAV: iav,
  DASDV: dasdv,
  VAR: variance,
  M0: m0,
  M2: m2,
  M4: m4,
  SPARSI: sparsi,
  IRF: irf,
  WLF: wlf,
  AR: ar,
  LD: ld,
  MDF: mdf,
  MNF: mnf,
  MNP: mnp,
};

/** A JSON value of the reference: a number, "NaN", "Infinity", "-Infinity" or null. */
export type EncodedNumber = number | string | null;

/** Decodes a reference value; null (the reference raised) becomes NaN, what our code returns. */
export function decodeNumber(value: EncodedNumber): number {
  if (value === null || value === "NaN") {
    return Number.NaN;
  }
  if (value === "Infinity") {
    return Number.POSITIVE_INFINITY;
  }
  if (value === "-Infinity") {
    return Number.NEGATIVE_INFINITY;
  }
  if (typeof value !== "number") {
    throw new Error(`Unexpected value in reference output: ${JSON.stringify(value)}`);
  }
  return value;
}

/** Builds a channels-first window from rows of samples, one row per channel. */
export function windowOf(channels: readonly (readonly number[])[], float32 = false): Window {
  const nChannels = channels.length;
  const nSamples = channels[0]?.length ?? 0;
  const length = nChannels * nSamples;
  const data = float32 ? new Float32Array(length) : new Float64Array(length);
  channels.forEach((channel, c) => data.set(channel, c * nSamples));
  return { data, nChannels, nSamples };
}

/**
 * Asserts that `actual` equals `expected` under the reference's comparison rules: exact for
 * counts, otherwise within 1e-9 relative plus 1e-12 absolute, and the same kind of non-finite
 * value.
 */
export function expectMatches(
  label: string,
  actual: ArrayLike<number>,
  expected: readonly EncodedNumber[],
  exact: boolean,
): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const want = decodeNumber(expected[i] as EncodedNumber);
    const got = actual[i] as number;
    const where = `${label}[${i}]: got ${got}, expected ${want}`;
    if (Number.isNaN(want) || !Number.isFinite(want) || exact) {
      expect(Object.is(got, want) || got === want, where).toBe(true);
    } else {
      expect(Math.abs(got - want), where).toBeLessThanOrEqual(
        RELATIVE_TOLERANCE * Math.abs(want) + ABSOLUTE_TOLERANCE,
      );
    }
  }
}
