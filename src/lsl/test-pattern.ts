/**
 * The two test-pattern samples an LSL outlet sends right after the feed's response header, in
 * both protocol versions, so that the inlet can check its decoding bit for bit before any data
 * (liblsl `src/sample.cpp`, `assign_test_pattern`). The first uses offset 4, the second offset 2.
 */
import type { ChannelFormat } from "./formats.js";
import type { LslSample } from "./sample-chunk.js";

/** Time stamp in seconds of both test-pattern samples. */
export const TEST_PATTERN_TIMESTAMP = 123456.789;

/** Offset of a test-pattern sample: 4 for the first one sent, 2 for the second. */
export type TestPatternOffset = 4 | 2;

/**
 * Base added to `channel + offset` for each numeric format, and the modulus liblsl applies for
 * integer formats (the type's maximum).
 */
const PATTERN_RULES: Readonly<Record<Exclude<ChannelFormat, "string" | "int64">, { base: number; modulus?: number }>> = {
  float32: { base: 0 },
  double64: { base: 16777217 },
  int32: { base: 65537, modulus: 2147483647 },
  int16: { base: 257, modulus: 32767 },
  int8: { base: 1, modulus: 127 },
};

/** Base added to `channel + offset` for int64, which takes no modulus. */
const INT64_BASE = 2147483649n;

/**
 * Computes the channel values of the test-pattern sample with `offset`. Channel `k` gets a
 * magnitude of `k + offset + base` (modulo the type's maximum for int8, int16 and int32),
 * positive for even `k` and negative for odd `k`. Strings are the decimal text of `k + 10`,
 * negated for odd `k`, whatever the offset. Returns bigints for int64.
 */
export function testPatternValues(format: ChannelFormat, nChannels: number, offset: TestPatternOffset): number[] | bigint[] | string[] {
  const channels = Array.from({ length: nChannels }, (_, channel) => channel);
  if (format === "string") {
    return channels.map((channel) => String(channel % 2 === 0 ? channel + 10 : -(channel + 10)));
  }
  if (format === "int64") {
    return channels.map((channel) => {
      const magnitude = INT64_BASE + BigInt(channel + offset);
      return channel % 2 === 0 ? magnitude : -magnitude;
    });
  }
  const rule = PATTERN_RULES[format];
  return channels.map((channel) => {
    let magnitude = channel + offset + rule.base;
    if (rule.modulus !== undefined) {
      magnitude %= rule.modulus;
    }
    if (format === "float32") {
      magnitude = Math.fround(magnitude);
    }
    // `0 - 0` keeps a zero magnitude at +0, as an integer type would.
    return channel % 2 === 0 ? magnitude : 0 - magnitude;
  });
}

/** Builds the test-pattern sample with `offset`, timestamp included. */
export function testPatternSample(format: ChannelFormat, nChannels: number, offset: TestPatternOffset): LslSample {
  return { timestamp: TEST_PATTERN_TIMESTAMP, values: testPatternValues(format, nChannels, offset) };
}

/**
 * Returns whether `sample` equals the test-pattern sample with `offset` exactly: the same
 * timestamp and the same values, compared as bigints for int64 so that no precision is lost.
 */
export function matchesTestPattern(sample: LslSample, format: ChannelFormat, nChannels: number, offset: TestPatternOffset): boolean {
  if (sample.timestamp !== TEST_PATTERN_TIMESTAMP || sample.values.length !== nChannels) {
    return false;
  }
  const expected = testPatternValues(format, nChannels, offset);
  for (let channel = 0; channel < nChannels; channel++) {
    if (!Object.is(sample.values[channel], expected[channel])) {
      return false;
    }
  }
  return true;
}
