import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StandardScaler } from "../src/recipes/scaler.js";

const NUMPY_STATISTICS = String.raw`
import json, sys
import numpy as np
rows = np.array(json.load(sys.stdin), dtype=np.float64)
json.dump({"mean": rows.mean(axis=0).tolist(), "std": rows.std(axis=0).tolist()}, sys.stdout)
`;

function numpyStatistics(rows: number[][]): { mean: number[]; std: number[] } {
  const result = spawnSync("python3", ["-c", NUMPY_STATISTICS], {
    input: JSON.stringify(rows),
    encoding: "utf8",
  });
  if (result.status !== 0) {
    throw new Error(`numpy failed (status ${result.status}): ${result.stderr}`);
  }
  return JSON.parse(result.stdout) as { mean: number[]; std: number[] };
}

function expectClose(actual: number, expected: number, label: string): void {
  const message = `${label}: got ${actual}, expected ${expected}`;
  expect(Math.abs(actual - expected), message).toBeLessThanOrEqual(1e-12 * Math.abs(expected) + 1e-15);
}

/** Rows whose columns differ in offset and spread, from a fixed seed. */
function randomRows(nRows: number, nColumns: number, seed: number): number[][] {
  return fc.sample(
    fc.array(fc.double({ min: -1, max: 1, noNaN: true }), {
      minLength: nColumns,
      maxLength: nColumns,
    }),
    { numRuns: nRows, seed },
  ).map((row) => row.map((value, j) => (j + 1) * 10 ** (j % 5) * value + 100 * j));
}

describe("StandardScaler", () => {
  it("matches numpy mean and std", () => {
    for (const [nRows, nColumns, seed] of [
      [200, 12, 1],
      [3, 5, 2],
      [1000, 40, 3],
    ] as const) {
      const rows = randomRows(nRows, nColumns, seed);
      const expected = numpyStatistics(rows);
      const scaler = new StandardScaler().fit(rows);
      expect(scaler.nFeatures).toBe(nColumns);
      for (let j = 0; j < nColumns; j++) {
        expectClose(scaler.mean[j] as number, expected.mean[j] as number, `mean[${j}]`);
        expectClose(scaler.scale[j] as number, expected.std[j] as number, `scale[${j}]`);
      }
    }
  });

  it("transform standardises each column", () => {
    const rows = randomRows(300, 6, 4);
    const scaled = new StandardScaler().fitTransform(rows);
    for (let j = 0; j < 6; j++) {
      const column = scaled.map((row) => row[j] as number);
      const mean = column.reduce((sum, x) => sum + x, 0) / column.length;
      const variance = column.reduce((sum, x) => sum + (x - mean) ** 2, 0) / column.length;
      expect(Math.abs(mean)).toBeLessThan(1e-12);
      expect(Math.abs(variance - 1)).toBeLessThan(1e-12);
    }
  });

  it("transform computes (x - mean) / scale", () => {
    const scaler = new StandardScaler().fit([
      [1, 10],
      [3, 30],
    ]);
    expect(Array.from(scaler.mean)).toEqual([2, 20]);
    expect(Array.from(scaler.scale)).toEqual([1, 10]);
    expect(Array.from(scaler.transform([4, 0]))).toEqual([2, -2]);
    const rows = scaler.transformRows([[2, 20], Float32Array.of(0, 40)]);
    expect(rows.map((row) => Array.from(row))).toEqual([
      [0, 0],
      [-2, 2],
    ]);
  });

  it("constant column gets scale 1", () => {
    // 0.1 summed three times and divided by 3 is not exactly 0.1, so the two-pass variance is a
    // tiny positive number that must still count as zero.
    const rows = [
      [0.1, 5, 1],
      [0.1, 5, 2],
      [0.1, 5, 3],
    ];
    const scaler = new StandardScaler().fit(rows);
    expect(Array.from(scaler.scale.subarray(0, 2))).toEqual([1, 1]);
    expect(scaler.scale[2]).toBeCloseTo(Math.sqrt(2 / 3), 15);
    const transformed = scaler.transform([0.1, 5, 2]);
    expect(Math.abs(transformed[0] as number)).toBeLessThan(1e-15);
    expect(transformed[1]).toBe(0);
    expect(transformed[2]).toBe(0);
  });

  it("single row fits with scale 1", () => {
    const scaler = new StandardScaler().fit([[4, -2]]);
    expect(Array.from(scaler.scale)).toEqual([1, 1]);
    expect(Array.from(scaler.transform([5, -2]))).toEqual([1, 0]);
  });

  it("non-finite value in transform passes through", () => {
    const scaler = new StandardScaler().fit([
      [0, 0],
      [2, 2],
    ]);
    const out = scaler.transform([Number.NaN, Number.POSITIVE_INFINITY]);
    expect(out[0]).toBeNaN();
    expect(out[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it("fit rejects bad rows", () => {
    const scaler = new StandardScaler();
    expect(() => scaler.fit([])).toThrow(/no rows/);
    expect(() => scaler.fit([[]])).toThrow(/length 0/);
    expect(() => scaler.fit([[1, 2], [3]])).toThrow(/row 1 has 1 values, but row 0 has 2/);
    expect(() => scaler.fit([[1, 2], [3, Number.NaN]])).toThrow(/row 1, column 1 is NaN/);
    expect(() => scaler.fit([[Number.NEGATIVE_INFINITY]])).toThrow(/row 0, column 0 is -Infinity/);
    expect(scaler.fitted).toBe(false);
  });

  it("unfitted scaler throws", () => {
    const scaler = new StandardScaler();
    expect(() => scaler.transform([1])).toThrow(/not fitted/);
    expect(() => scaler.toModelData()).toThrow(/not fitted/);
    expect(() => scaler.mean).toThrow(/not fitted/);
  });

  it("transform rejects a row of the wrong length", () => {
    const scaler = new StandardScaler().fit([[1, 2]]);
    expect(() => scaler.transform([1, 2, 3])).toThrow(
      /3 values, but the scaler was fitted on 2 columns/,
    );
  });

  it("round trip keeps the statistics", () => {
    const rows = randomRows(50, 7, 5);
    const scaler = new StandardScaler().fit(rows);
    const data = scaler.toModelData();
    expect(data.kind).toBe("standard-scaler");
    expect(data.mean).toBeInstanceOf(Float64Array);
    expect(data.scale).toBeInstanceOf(Float64Array);

    const restored = StandardScaler.fromModelData(data);
    expect(Array.from(restored.mean)).toEqual(Array.from(scaler.mean));
    expect(Array.from(restored.scale)).toEqual(Array.from(scaler.scale));
    const firstRow = rows[0] ?? [];
    expect(Array.from(restored.transform(firstRow))).toEqual(Array.from(scaler.transform(firstRow)));

    const fromArrays = StandardScaler.fromModelData({
      kind: "standard-scaler",
      mean: Array.from(data.mean),
      scale: Array.from(data.scale),
    });
    expect(Array.from(fromArrays.scale)).toEqual(Array.from(scaler.scale));
  });

  it("model data is a copy", () => {
    const scaler = new StandardScaler().fit([[1], [3]]);
    const data = scaler.toModelData();
    data.mean[0] = 100;
    expect(scaler.mean[0]).toBe(2);
    const restored = StandardScaler.fromModelData(data);
    data.scale[0] = 100;
    expect(restored.scale[0]).toBe(1);
  });

  it("fromModelData rejects bad data", () => {
    const good = {
      kind: "standard-scaler",
      mean: Float64Array.of(0, 1),
      scale: Float64Array.of(1, 2),
    };
    const cases: [unknown, ErrorConstructor, RegExp][] = [
      [null, TypeError, /expected an object, got null/],
      ["standard-scaler", TypeError, /expected an object, got string/],
      [{ ...good, kind: "lda" }, TypeError, /kind must be "standard-scaler", got "lda"/],
      [{ ...good, mean: undefined }, TypeError, /mean must be a Float64Array or an array .* undefined/],
      [{ ...good, scale: Float32Array.of(1, 2) }, TypeError, /scale must be .* got Float32Array/],
      [{ ...good, scale: [1, "2"] }, TypeError, /scale must be/],
      [{ ...good, scale: Float64Array.of(1) }, RangeError, /same non-zero length, got 2 and 1/],
      [{ ...good, mean: [], scale: [] }, RangeError, /got 0 and 0/],
      [{ ...good, mean: Float64Array.of(0, Number.NaN) }, RangeError, /mean\[1\] is NaN/],
      [{ ...good, scale: Float64Array.of(1, 0) }, RangeError, /scale\[1\] is 0; expected a finite number above 0/],
      [{ ...good, scale: Float64Array.of(-1, 1) }, RangeError, /scale\[0\] is -1/],
      [{ ...good, scale: [1, Number.POSITIVE_INFINITY] }, RangeError, /scale\[1\] is Infinity/],
    ];
    for (const [data, errorType, message] of cases) {
      expect(() => StandardScaler.fromModelData(data)).toThrow(errorType);
      expect(() => StandardScaler.fromModelData(data)).toThrow(message);
    }
    expect(StandardScaler.fromModelData(good).nFeatures).toBe(2);
  });
});
