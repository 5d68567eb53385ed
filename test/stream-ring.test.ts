import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SampleRing } from "../src/stream/ring.js";

/** Reads the newest n samples of a plain list of samples, channels-first, as the ring should. */
function naiveLatest(history: number[][], times: number[], n: number, nChannels: number) {
  const count = Math.min(n, history.length);
  const picked = history.slice(history.length - count);
  const data: number[] = [];
  for (let c = 0; c < nChannels; c++) {
    for (const sample of picked) {
      data.push(sample[c] as number);
    }
  }
  return { data, timestamps: times.slice(times.length - count) };
}

describe("SampleRing", () => {
  it("returns nothing before any write", () => {
    const ring = new SampleRing(2, 4);
    const read = ring.readLatest(3);
    expect(read.nSamples).toBe(0);
    expect(read.data.length).toBe(0);
    expect(ring.newestTimestampS).toBeUndefined();
  });

  it("reads the newest samples channels-first across a wrap", () => {
    const ring = new SampleRing(2, 4);
    ring.write(Float32Array.from([1, 10, 2, 20, 3, 30]), [0.1, 0.2, 0.3], 3);
    ring.write(Float32Array.from([4, 40, 5, 50]), [0.4, 0.5], 2);
    const read = ring.readLatest(4);
    expect(Array.from(read.data)).toEqual([2, 3, 4, 5, 20, 30, 40, 50]);
    expect(Array.from(read.timestamps)).toEqual([0.2, 0.3, 0.4, 0.5]);
    expect(ring.count).toBe(4);
    expect(ring.totalWritten).toBe(5);
  });

  it("keeps only the newest samples of a chunk longer than the ring", () => {
    const ring = new SampleRing(1, 3);
    ring.write([1, 2, 3, 4, 5], [1, 2, 3, 4, 5], 5);
    expect(Array.from(ring.readLatest(10).data)).toEqual([3, 4, 5]);
  });

  it("counts samples since a time", () => {
    const ring = new SampleRing(1, 8);
    ring.write([1, 2, 3, 4], [1.0, 1.5, 2.0, 2.5], 4);
    expect(ring.countSince(1.5)).toBe(3);
    expect(ring.countSince(9)).toBe(0);
  });

  it("rejects invalid shapes", () => {
    expect(() => new SampleRing(0, 4)).toThrow(/nChannels/);
    expect(() => new SampleRing(2, 1.5)).toThrow(/capacity/);
  });

  it("windows equal a naive model for any sequence of writes and reads", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 17 }),
        fc.array(fc.oneof(fc.record({ write: fc.integer({ min: 0, max: 40 }) }), fc.record({ read: fc.integer({ min: 0, max: 40 }) })), {
          maxLength: 40,
        }),
        (nChannels, capacity, operations) => {
          const ring = new SampleRing(nChannels, capacity);
          const history: number[][] = [];
          const times: number[] = [];
          let counter = 0;
          for (const operation of operations) {
            if ("write" in operation) {
              const n = operation.write;
              const values: number[] = [];
              const stamps: number[] = [];
              for (let i = 0; i < n; i++) {
                const sample = Array.from({ length: nChannels }, (_, c) => counter * 10 + c);
                history.push(sample);
                values.push(...sample);
                times.push(counter / 7);
                stamps.push(counter / 7);
                counter++;
              }
              ring.write(Float32Array.from(values), stamps, n);
            } else {
              const read = ring.readLatest(operation.read);
              const expected = naiveLatest(history.slice(-capacity), times.slice(-capacity), operation.read, nChannels);
              expect(Array.from(read.data)).toEqual(expected.data);
              expect(Array.from(read.timestamps)).toEqual(expected.timestamps);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
