import { describe, expect, it } from "vitest";
import {
  activeError,
  classificationAccuracy,
  computeMetrics,
  confusionMatrix,
  instability,
  precisionRecallF1,
  rejectionRate,
} from "../src/recipes/metrics.js";
import { runScipy, seededRandom } from "./support/scipy-signal.js";

// The example of LibEMG's extract_offline_metrics documentation, worked by hand below.
const EXAMPLE_TRUE = [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4];
const EXAMPLE_PRED = [1, 1, 2, 2, 2, 1, 3, 3, 3, 4, 1, 4];

describe("computeMetrics on LibEMG's example", () => {
  const metrics = computeMetrics(EXAMPLE_TRUE, EXAMPLE_PRED, { nullClass: 2 });

  it("counts 9 of 12 correct", () => {
    expect(metrics.classificationAccuracy).toBe(0.75);
  });

  it("leaves null predictions out of the active error", () => {
    // Predictions of 2 at 2, 3 and 4 are left out; of the other 9, indices 5 and 10 are wrong.
    expect(metrics.activeError).toBeCloseTo(2 / 9, 15);
  });

  it("counts prediction changes beyond label changes", () => {
    // 6 prediction changes, 3 label changes, 12 predictions.
    expect(metrics.instability).toBe(0.25);
  });

  it("reports no rejections", () => {
    expect(metrics.rejectionRate).toBe(0);
    expect(metrics.nRejected).toBe(0);
    expect(metrics.nPredictions).toBe(12);
  });

  it("puts true classes in rows", () => {
    expect(metrics.confusionMatrix.classes).toEqual([1, 2, 3, 4]);
    expect(metrics.confusionMatrix.counts).toEqual([
      [2, 1, 0, 0],
      [1, 2, 0, 0],
      [0, 0, 3, 0],
      [1, 0, 0, 2],
    ]);
  });

  it("scores each class", () => {
    expect(metrics.precision.perClass).toEqual([0.5, 2 / 3, 1, 1]);
    expect(metrics.recall.perClass).toEqual([2 / 3, 2 / 3, 1, 2 / 3]);
    const f1 = metrics.f1.perClass;
    expect(f1[0]).toBeCloseTo(4 / 7, 15);
    expect(f1[1]).toBeCloseTo(2 / 3, 15);
    expect(f1[2]).toBe(1);
    expect(f1[3]).toBeCloseTo(0.8, 15);
  });

  it("averages scores over classes", () => {
    expect(metrics.precision.macro).toBeCloseTo((0.5 + 2 / 3 + 1 + 1) / 4, 15);
    expect(metrics.recall.macro).toBeCloseTo(0.75, 15);
    expect(metrics.f1.macro).toBeCloseTo((4 / 7 + 2 / 3 + 1 + 0.8) / 4, 15);
    // Every class has 3 true labels, so the support weights are equal.
    expect(metrics.precision.weighted).toBeCloseTo(metrics.precision.macro, 15);
    expect(metrics.recall.weighted).toBeCloseTo(metrics.recall.macro, 15);
    expect(metrics.f1.weighted).toBeCloseTo(metrics.f1.macro, 15);
  });
});

describe("metrics definitions", () => {
  it("weights averages by support", () => {
    const { precision, recall } = precisionRecallF1([0, 0, 0, 0, 1, 1], [0, 0, 0, 1, 1, 0]);

    expect(precision.perClass).toEqual([0.75, 0.5]);
    expect(recall.perClass).toEqual([0.75, 0.5]);
    expect(precision.macro).toBe(0.625);
    expect(precision.weighted).toBeCloseTo((0.75 * 4 + 0.5 * 2) / 6, 15);
    expect(recall.weighted).toBeCloseTo((0.75 * 4 + 0.5 * 2) / 6, 15);
  });

  it("drops rejected predictions first", () => {
    const yTrue = [0, 0, 1, 1, 1];
    const yPred = [0, -1, 1, -1, 0];
    const metrics = computeMetrics(yTrue, yPred);

    expect(metrics.rejectionRate).toBe(0.4);
    expect(metrics.nRejected).toBe(2);
    // Accepted pairs: (0, 0), (1, 1), (1, 0).
    expect(metrics.classificationAccuracy).toBeCloseTo(2 / 3, 15);
    // Accepted predictions 0, 1, 0 change twice; their labels 0, 1, 1 once.
    expect(metrics.instability).toBeCloseTo(1 / 3, 15);
    expect(metrics.confusionMatrix.counts).toEqual([
      [1, 0],
      [1, 1],
    ]);
    expect(metrics.recall.perClass).toEqual([1, 0.5]);
  });

  it("takes another reject label", () => {
    const yTrue = [0, 1, 1, 2];
    const yPred = [0, 99, 1, 99];

    expect(rejectionRate(yPred, { rejectLabel: 99 })).toBe(0.5);
    expect(classificationAccuracy(yTrue, yPred, { rejectLabel: 99 })).toBe(1);
    expect(rejectionRate(yPred)).toBe(0);
    expect(classificationAccuracy(yTrue, yPred)).toBe(0.5);
  });

  it("counts wrong active predictions during rest", () => {
    const yTrue = [0, 0, 1, 1, 2, 2];
    const yPred = [0, 1, 0, 1, 2, 1];

    // Active predictions at 1, 3, 4 and 5; those at 1 (during rest) and 5 are wrong. The
    // prediction of rest at 2 during class 1 is left out.
    expect(activeError(yTrue, yPred, { nullClass: 0 })).toBe(0.5);
  });

  it("ignores rejections in the active error", () => {
    const yTrue = [0, 1, 1, 2];
    const yPred = [-1, 1, -1, 1];
    expect(activeError(yTrue, yPred, { nullClass: 0 })).toBe(0.5);
  });

  it("clips instability at zero", () => {
    expect(instability([0, 1, 2, 3], [0, 0, 0, 0])).toBe(0);
    expect(instability([0, 0, 0, 0], [0, 1, 0, 1])).toBe(0.75);
    expect(instability([5], [3])).toBe(0);
  });

  it("leaves unknown predicted labels out of the matrix", () => {
    const yTrue = [0, 0, 1];
    const yPred = [0, 5, 1];
    const metrics = computeMetrics(yTrue, yPred);

    expect(metrics.classificationAccuracy).toBeCloseTo(2 / 3, 15);
    expect(metrics.confusionMatrix.classes).toEqual([0, 1]);
    expect(metrics.confusionMatrix.counts).toEqual([
      [1, 0],
      [0, 1],
    ]);
    // The prediction 5 is a false negative of class 0 but no class's false positive.
    expect(metrics.recall.perClass).toEqual([0.5, 1]);
    expect(metrics.precision.perClass).toEqual([1, 1]);
  });

  it("uses the given classes", () => {
    const yTrue = [1, 1, 0];
    const yPred = [1, 2, 0];
    const metrics = computeMetrics(yTrue, yPred, { classes: [0, 1, 2] });

    expect(metrics.confusionMatrix.classes).toEqual([0, 1, 2]);
    expect(metrics.confusionMatrix.counts).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [0, 0, 0],
    ]);
    expect(metrics.precision.perClass).toEqual([1, 1, 0]);
    expect(metrics.recall.perClass[2]).toBeNaN();
    // Class 2 has no true labels, so it has weight 0 in the weighted mean.
    expect(metrics.recall.weighted).toBeCloseTo((1 * 1 + 0.5 * 2) / 3, 15);
    expect(metrics.recall.macro).toBeNaN();
  });

  it("agrees between single metrics and computeMetrics", () => {
    const yTrue = [0, 0, 1, 1, 2, 2, 0, 1];
    const yPred = [0, -1, 1, 2, 2, 0, 0, -1];
    const metrics = computeMetrics(yTrue, yPred, { nullClass: 0 });

    expect(classificationAccuracy(yTrue, yPred)).toBe(metrics.classificationAccuracy);
    expect(activeError(yTrue, yPred, { nullClass: 0 })).toBe(metrics.activeError);
    expect(instability(yTrue, yPred)).toBe(metrics.instability);
    expect(rejectionRate(yPred)).toBe(metrics.rejectionRate);
    expect(confusionMatrix(yTrue, yPred)).toEqual(metrics.confusionMatrix);
    const scores = precisionRecallF1(yTrue, yPred);
    expect(scores.precision).toEqual(metrics.precision);
    expect(scores.recall).toEqual(metrics.recall);
    expect(scores.f1).toEqual(metrics.f1);
  });

  it("reports no active error without a null class", () => {
    expect(computeMetrics([0, 1], [0, 1]).activeError).toBeNull();
  });

  it("accepts typed arrays", () => {
    const metrics = computeMetrics(Int32Array.from(EXAMPLE_TRUE), Float64Array.from(EXAMPLE_PRED));
    expect(metrics.classificationAccuracy).toBe(0.75);
  });
});

describe("metrics edge cases", () => {
  it("handles no active predictions", () => {
    // Every prediction is the null class, so no active prediction can be wrong.
    expect(activeError([0, 1, 2], [0, 0, 0], { nullClass: 0 })).toBe(0);
  });

  it("handles all predictions rejected", () => {
    const metrics = computeMetrics([0, 1, 1], [-1, -1, -1], { nullClass: 0 });

    expect(metrics.rejectionRate).toBe(1);
    expect(metrics.classificationAccuracy).toBe(1);
    expect(metrics.activeError).toBe(0);
    expect(metrics.instability).toBe(0);
    expect(metrics.confusionMatrix.classes).toEqual([]);
    expect(metrics.confusionMatrix.counts).toEqual([]);
    expect(metrics.precision.perClass).toEqual([]);
    expect(metrics.precision.macro).toBeNaN();
    expect(metrics.precision.weighted).toBeNaN();
    expect(metrics.f1.weighted).toBeNaN();
  });

  it("uses zeroDivision for averages over no classes", () => {
    const metrics = computeMetrics([0, 1], [-1, -1], { zeroDivision: 0 });
    expect(metrics.recall.macro).toBe(0);
    expect(metrics.recall.weighted).toBe(0);
  });

  it("handles a class never predicted", () => {
    const yTrue = [0, 0, 1, 1];
    const yPred = [0, 0, 0, 0];
    const metrics = computeMetrics(yTrue, yPred);

    expect(metrics.precision.perClass[0]).toBe(0.5);
    expect(metrics.precision.perClass[1]).toBeNaN();
    expect(metrics.recall.perClass).toEqual([1, 0]);
    expect(metrics.f1.perClass[0]).toBeCloseTo(2 / 3, 15);
    expect(metrics.f1.perClass[1]).toBeNaN();
    // LibEMG's weighted averages are NaN here too.
    expect(metrics.precision.weighted).toBeNaN();
    expect(metrics.f1.macro).toBeNaN();
    expect(metrics.recall.weighted).toBe(0.5);
  });

  it("replaces 0 / 0 with zeroDivision", () => {
    const { precision, f1 } = precisionRecallF1([0, 0, 1, 1], [0, 0, 0, 0], { zeroDivision: 0 });

    expect(precision.perClass).toEqual([0.5, 0]);
    expect(f1.perClass[1]).toBe(0);
    expect(precision.macro).toBe(0.25);
    expect(f1.weighted).toBeCloseTo((2 / 3) / 2, 15);
  });

  it("gives F1 zeroDivision when precision and recall are 0", () => {
    // Class 1 is predicted once, wrongly, and never recognised: P = 0 / 1 and R = 0 / 1.
    const { f1 } = precisionRecallF1([0, 0, 1], [0, 1, 0], { zeroDivision: -7 });
    expect(f1.perClass[1]).toBe(-7);
  });
});

describe("metrics input checks", () => {
  it("rejects label lists of different lengths", () => {
    expect(() => computeMetrics([0, 1], [0])).toThrow(
      /yTrue and yPred must have one label per prediction, received 2 and 1 labels/,
    );
  });

  it("rejects empty label lists", () => {
    expect(() => computeMetrics([], [])).toThrow(/at least one prediction/);
    expect(() => rejectionRate([])).toThrow(/at least one prediction/);
  });

  it("rejects labels that are not integers", () => {
    expect(() => computeMetrics([0, 1.5], [0, 1])).toThrow(
      /yTrue\[1\] must be an integer class label, received 1.5/,
    );
    expect(() => computeMetrics([0, 1], [0, Number.NaN])).toThrow(/yPred\[1\]/);
    expect(() => activeError([0], [0], { nullClass: 0.5 })).toThrow(/nullClass must be an integer/);
  });

  it("rejects the reject label as a true class", () => {
    expect(() => computeMetrics([0, -1], [0, 1])).toThrow(/yTrue\[1\] is -1, the rejectLabel/);
  });

  it("rejects bad classes", () => {
    expect(() => computeMetrics([0, 1], [0, 1], { classes: [0, 0, 1] })).toThrow(/must not repeat/);
    expect(() => computeMetrics([0, 3], [0, 1], { classes: [0, 1] })).toThrow(
      /yTrue contains class 3, which is not in classes \[0, 1\]/,
    );
  });
});

/**
 * The definitions again, written with numpy as a separate reference, over random labels with
 * rejections. NaN, which JSON cannot carry, comes back as null.
 */
const NUMPY_METRICS = `
def ratio(n, d):
    return None if d == 0 else n / d

result = []
for case in data:
    t = np.array(case["yTrue"])
    p = np.array(case["yPred"])
    keep = p != -1
    t, p = t[keep], p[keep]
    active = p != case["nullClass"]
    classes = np.unique(t)
    precision = [ratio(np.sum((p == c) & (t == c)), np.sum(p == c)) for c in classes]
    recall = [ratio(np.sum((p == c) & (t == c)), np.sum(t == c)) for c in classes]
    f1 = [None if a is None or b is None else ratio(2 * a * b, a + b) for a, b in zip(precision, recall)]
    changes = np.count_nonzero(p[1:] != p[:-1]) - np.count_nonzero(t[1:] != t[:-1])
    result.append({
        "ca": float(np.mean(t == p)) if len(t) else 1.0,
        "aer": float(1 - np.mean(t[active] == p[active])) if active.any() else 0.0,
        "ins": max(0.0, changes / len(t)) if len(t) else 0.0,
        "rej": float(np.mean(~keep)),
        "counts": [[int(np.sum((t == a) & (p == b))) for b in classes] for a in classes],
        "precision": precision,
        "recall": recall,
        "f1": f1,
    })
`;

interface NumpyMetrics {
  readonly ca: number;
  readonly aer: number;
  readonly ins: number;
  readonly rej: number;
  readonly counts: number[][];
  readonly precision: (number | null)[];
  readonly recall: (number | null)[];
  readonly f1: (number | null)[];
}

function expectScores(actual: readonly number[], expected: readonly (number | null)[], label: string): void {
  expect(actual, label).toHaveLength(expected.length);
  expected.forEach((value, i) => {
    if (value === null) {
      expect(actual[i], `${label}[${i}]`).toBeNaN();
    } else {
      expect(actual[i], `${label}[${i}]`).toBeCloseTo(value, 12);
    }
  });
}

describe("computeMetrics against numpy", () => {
  it("equals the numpy reference on random labels", () => {
    const random = seededRandom(42);
    const cases = Array.from({ length: 60 }, (_, c) => {
      const length = 1 + Math.floor(random() * 80);
      const nClasses = 2 + (c % 5);
      const yTrue: number[] = [];
      const yPred: number[] = [];
      let label = 0;
      for (let i = 0; i < length; i++) {
        if (random() < 0.1) {
          label = Math.floor(random() * nClasses);
        }
        yTrue.push(label);
        // About 15 % rejected, 45 % correct and 40 % drawn at random.
        const draw = random();
        if (draw < 0.15) {
          yPred.push(-1);
        } else if (draw < 0.6) {
          yPred.push(label);
        } else {
          yPred.push(Math.floor(random() * nClasses));
        }
      }
      return { yTrue, yPred, nullClass: 0 };
    });
    const expected = runScipy<NumpyMetrics[]>(NUMPY_METRICS, cases);

    cases.forEach((c, i) => {
      const reference = expected[i] as NumpyMetrics;
      const label = `case ${i}`;
      const metrics = computeMetrics(c.yTrue, c.yPred, { nullClass: 0 });
      expect(metrics.classificationAccuracy, label).toBeCloseTo(reference.ca, 12);
      expect(metrics.activeError, label).toBeCloseTo(reference.aer, 12);
      expect(metrics.instability, label).toBeCloseTo(reference.ins, 12);
      expect(metrics.rejectionRate, label).toBeCloseTo(reference.rej, 12);
      expect(metrics.confusionMatrix.counts, label).toEqual(reference.counts);
      expectScores(metrics.precision.perClass, reference.precision, `${label} precision`);
      expectScores(metrics.recall.perClass, reference.recall, `${label} recall`);
      expectScores(metrics.f1.perClass, reference.f1, `${label} f1`);
    });
  });
});
