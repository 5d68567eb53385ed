/**
 * Options of the features that take one. The names follow LibEMG's feature dictionary keys
 * (`SSC_threshold`, `WAMP_threshold`, `AR_order`, `MNF_fs` and `MDF_fs`), in camel case.
 */
export interface FeatureOptions {
  /**
   * SSC counts an inner sample when (x[i] - x[i-1]) × (x[i] - x[i+1]) ≥ this threshold, so the
   * threshold is in squared signal units. Default 0, which counts ties.
   */
  readonly sscThreshold?: number;
  /**
   * WAMP counts a difference when |x[i+1] - x[i]| > this threshold, in signal units.
   * Default 2e-3.
   */
  readonly wampThreshold?: number;
  /** Number of AR coefficients per channel, an integer from 1 to nSamples - 1. Default 4. */
  readonly arOrder?: number;
  /** Sample rate that MNF and MDF convert bins to frequencies with, in Hz. Default 1000. */
  readonly sampleRateHz?: number;
}

/** {@link FeatureOptions} with every option set. */
export type ResolvedFeatureOptions = Required<FeatureOptions>;

/** Default values of {@link FeatureOptions}, those of LibEMG 2.0.0. */
export const FEATURE_DEFAULTS: ResolvedFeatureOptions = Object.freeze({
  sscThreshold: 0,
  wampThreshold: 2e-3,
  arOrder: 4,
  sampleRateHz: 1000,
});

/**
 * Merges `options` over {@link FEATURE_DEFAULTS} (an option set to `undefined` keeps its default)
 * and validates the result. Throws a TypeError for an option that is not a number and a
 * RangeError for an unknown option or a value out of range.
 */
export function resolveFeatureOptions(options: FeatureOptions | undefined): ResolvedFeatureOptions {
  if (options === undefined) {
    return FEATURE_DEFAULTS;
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(FEATURE_DEFAULTS, key)) {
      throw new RangeError(
        `Unknown feature option "${key}"; valid options: ` +
          Object.keys(FEATURE_DEFAULTS).join(", "),
      );
    }
  }
  const resolved = { ...FEATURE_DEFAULTS };
  for (const key of Object.keys(FEATURE_DEFAULTS) as (keyof ResolvedFeatureOptions)[]) {
    const value: unknown = options[key];
    if (value === undefined) {
      continue;
    }
    if (typeof value !== "number") {
      throw new TypeError(`Invalid feature option ${key}: expected a number, got ${typeof value}`);
    }
    resolved[key] = value;
  }

  if (Number.isNaN(resolved.sscThreshold)) {
    throw new RangeError("Invalid feature option sscThreshold: expected a number, got NaN");
  }
  if (Number.isNaN(resolved.wampThreshold)) {
    throw new RangeError("Invalid feature option wampThreshold: expected a number, got NaN");
  }
  if (!Number.isInteger(resolved.arOrder) || resolved.arOrder < 1) {
    throw new RangeError(
      `Invalid feature option arOrder: expected an integer of at least 1, got ${resolved.arOrder}`,
    );
  }
  if (!Number.isFinite(resolved.sampleRateHz) || resolved.sampleRateHz <= 0) {
    throw new RangeError(
      "Invalid feature option sampleRateHz: expected a finite number above 0, got " +
        `${resolved.sampleRateHz}`,
    );
  }
  return resolved;
}
