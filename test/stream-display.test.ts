import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildEnvelope, EnvelopeCache } from "../src/stream/display.js";
import { SampleRing } from "../src/stream/ring.js";

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 100);

/** Computes the envelope from scratch with a plain loop over every readable sample. */
function naiveEnvelope(ring: SampleRing, widthPx: number, spanMs: number) {
  const binS = spanMs / 1000 / widthPx;
  const endS = ring.newestTimestampS ?? Number.NaN;
  const firstBin = Math.floor(endS / binS) - widthPx + 1;
  const min = new Float32Array(ring.nChannels * widthPx).fill(Number.NaN);
  const max = new Float32Array(ring.nChannels * widthPx).fill(Number.NaN);
  const { data, timestamps, nSamples } = ring.readLatest(ring.count);
  const oldestBin = Math.floor((timestamps[0] as number) / binS);
  const dropped = ring.totalWritten > ring.count;
  for (let sample = 0; sample < nSamples; sample++) {
    const bin = Math.floor((timestamps[sample] as number) / binS);
    const column = bin - firstBin;
    if (column < 0 || column >= widthPx || (dropped && bin <= oldestBin)) continue;
    for (let c = 0; c < ring.nChannels; c++) {
      const value = data[c * nSamples + sample] as number;
      if (!Number.isFinite(value)) continue;
      const index = c * widthPx + column;
      if (!(value >= (min[index] as number))) min[index] = value;
      if (!(value <= (max[index] as number))) max[index] = value;
    }
  }
  return { min, max };
}

describe("EnvelopeCache", () => {
  it("equals an envelope built from scratch after every chunk", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 4, max: 64 }),
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0, max: 0.05, noNaN: true }), fc.boolean()), { minLength: 1, maxLength: 30 }),
        (nChannels, capacity, widthPx, chunks) => {
          const ring = new SampleRing(nChannels, capacity);
          const cache = new EnvelopeCache(widthPx, 200);
          let timeS = 100;
          let value = 0;
          for (const [nSamples, gapS, withNaN] of chunks) {
            const samples = new Float32Array(nSamples * nChannels).map(() => (value++ % 7) - 3);
            if (withNaN) samples[0] = Number.NaN;
            const timestamps = Array.from({ length: nSamples }, () => (timeS += 0.001 + gapS / nSamples));
            ring.write(samples, timestamps, nSamples);
            const cached = cache.update(ring);
            const naive = naiveEnvelope(ring, widthPx, 200);
            expect([...cached.min]).toEqual([...naive.min]);
            expect([...cached.max]).toEqual([...naive.max]);
          }
        },
      ),
      { numRuns: FUZZ_RUNS },
    );
  });

  it("starts over for another ring or after the ring was cleared", () => {
    const ring = new SampleRing(1, 16);
    const cache = new EnvelopeCache(4, 1000);
    ring.write([5, 6], [1.1, 1.2], 2);
    expect(Math.max(...cache.update(ring).max.filter(Number.isFinite))).toBe(6);
    ring.clear();
    ring.write([1], [1.3], 1);
    expect(Math.max(...cache.update(ring).max.filter(Number.isFinite))).toBe(1);
    const other = new SampleRing(1, 16);
    other.write([9], [1.4], 1);
    expect(Math.max(...cache.update(other).max.filter(Number.isFinite))).toBe(9);
    expect(buildEnvelope(other, 4, 1000).max.filter(Number.isFinite)).toEqual(new Float32Array([9]));
  });

  it("rejects a width or span that cannot make columns", () => {
    expect(() => new EnvelopeCache(0, 100)).toThrow(/widthPx/);
    expect(() => new EnvelopeCache(4, 0)).toThrow(/spanMs/);
  });
});
