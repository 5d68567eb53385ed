import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { KNearestNeighbors } from "../src/recipes/estimators/knn.js";
import { LinearDiscriminant } from "../src/recipes/estimators/lda.js";
import { symmetricPseudoInverse } from "../src/recipes/estimators/symmetric-pinv.js";

const REFERENCE_FOLDER = "/work/shared/reference";
const DATA_FOLDER = "/work/shared/data/one-subject-myo";

/**
 * Runs a Python snippet with numpy as `np` and the reference LDA module's functions imported.
 * The snippet reads `data` (the JSON form of `input`) and assigns its output to `result`.
 * Finite float64 values cross exactly, because both sides print the shortest round-trip form.
 */
function runNumpy<T>(snippet: string, input: unknown = null): T {
  const script = [
    "import json, sys, pathlib",
    `sys.path.insert(0, ${JSON.stringify(REFERENCE_FOLDER)})`,
    "import numpy as np",
    "from htd_lda import dataset, fit_lda, predict_lda",
    "data = json.load(sys.stdin)",
    snippet,
    "json.dump(result, sys.stdout)",
  ].join("\n");
  const completed = spawnSync("python3", ["-c", script], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (completed.status !== 0) {
    throw new Error(`python3 with numpy failed (exit ${completed.status}): ${completed.stderr}`);
  }
  return JSON.parse(completed.stdout) as T;
}

/** Largest difference between `actual` and `expected`, relative to the largest magnitude in `expected`. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let scale = 0;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    difference = Math.max(difference, Math.abs(actual[i]! - expected[i]!));
  }
  return difference / (scale === 0 ? 1 : scale);
}

interface LdaCase {
  train: number[][];
  labels: number[];
  test: number[][];
  classes: number[];
  decision: number[][];
  predictions: number[];
}

// numpy generates class-shifted Gaussian rows with arbitrary integer labels, fits the reference
// LDA, and scores held-out rows.
const RANDOM_LDA_CASE = `
rng = np.random.default_rng(data["seed"])
n_classes, n_features = data["n_classes"], data["n_features"]
labels_of_class = rng.choice(np.arange(-20, 40), size=n_classes, replace=False)
centres = rng.normal(0, 2, size=(n_classes, n_features))
y_index = rng.integers(0, n_classes, size=data["n_rows"])
y_index[:n_classes] = np.arange(n_classes)
x = centres[y_index] + rng.normal(0, 1, size=(data["n_rows"], n_features)) @ rng.normal(0, 1, size=(n_features, n_features))
for column in data.get("constant_columns", []):
    x[:, column] = 3.7
y = labels_of_class[y_index]
test = rng.normal(0, 3, size=(50, n_features))
for column in data.get("constant_columns", []):
    test[:, column] = 3.7
model = fit_lda(x, y)
classes, weights, biases = model
result = {
    "train": x.tolist(), "labels": y.tolist(), "test": test.tolist(), "classes": classes.tolist(),
    "decision": (test @ weights.T + biases).tolist(), "predictions": predict_lda(model, test).tolist(),
}
`;

function checkAgainstNumpy(reference: LdaCase, tolerance: number): void {
  const lda = new LinearDiscriminant().fit(reference.train, reference.labels);
  expect(Array.from(lda.classes)).toEqual(reference.classes);
  reference.test.forEach((row, i) => {
    expect(relativeError(lda.decisionFunction(row), reference.decision[i]!)).toBeLessThan(tolerance);
  });
  expect(Array.from(lda.predictBatch(reference.test))).toEqual(reference.predictions);
}

describe("LinearDiscriminant", () => {
  it.each([
    { seed: 1, n_classes: 3, n_features: 4, n_rows: 120 },
    { seed: 2, n_classes: 4, n_features: 9, n_rows: 300 },
    { seed: 3, n_classes: 5, n_features: 16, n_rows: 500 },
    { seed: 4, n_classes: 5, n_features: 32, n_rows: 2000 },
  ])("matches numpy with $n_classes classes and $n_features features", (settings) => {
    checkAgainstNumpy(runNumpy<LdaCase>(RANDOM_LDA_CASE, settings), 1e-9);
  });

  it("matches numpy with constant features", () => {
    const settings = { seed: 5, n_classes: 4, n_features: 8, n_rows: 200, constant_columns: [0, 5] };
    checkAgainstNumpy(runNumpy<LdaCase>(RANDOM_LDA_CASE, settings), 1e-9);
  });

  it("matches numpy on the one-subject data", () => {
    const reference = runNumpy<LdaCase & { accuracy: number; testLabels: number[] }>(
      `
folder = pathlib.Path(data["folder"])
x, y = dataset(folder, [1, 2, 3], 40, 10)
test, test_labels = dataset(folder, [4, 5, 6], 40, 10)
model = fit_lda(x, y)
classes, weights, biases = model
predictions = predict_lda(model, test)
result = {
    "train": x.tolist(), "labels": y.tolist(), "test": test.tolist(), "testLabels": test_labels.tolist(),
    "classes": classes.tolist(), "decision": (test @ weights.T + biases).tolist(),
    "predictions": predictions.tolist(), "accuracy": float(np.mean(predictions == test_labels)),
}
`,
      { folder: DATA_FOLDER },
    );
    const lda = new LinearDiscriminant().fit(reference.train, reference.labels);
    const predictions = lda.predictBatch(reference.test);
    expect(Array.from(predictions)).toEqual(reference.predictions);

    const correct = predictions.filter((label, i) => label === reference.testLabels[i]).length;
    const accuracy = correct / predictions.length;
    expect(accuracy).toBe(reference.accuracy);
    expect(Math.abs(accuracy - 0.9918)).toBeLessThan(0.005);

    let worst = 0;
    reference.test.forEach((row, i) => {
      worst = Math.max(worst, relativeError(lda.decisionFunction(row), reference.decision[i]!));
    });
    expect(worst).toBeLessThan(1e-9);
  });

  it("gives probabilities as the softmax of decision values", () => {
    const reference = runNumpy<LdaCase>(RANDOM_LDA_CASE, { seed: 6, n_classes: 3, n_features: 5, n_rows: 100 });
    const lda = new LinearDiscriminant().fit(reference.train, reference.labels);
    for (const row of reference.test) {
      const decision = lda.decisionFunction(row);
      const max = Math.max(...decision);
      const exps = Array.from(decision, (value) => Math.exp(value - max));
      const sum = exps.reduce((a, b) => a + b, 0);
      const probabilities = lda.predictProba(row);
      expect(relativeError(probabilities, exps.map((value) => value / sum))).toBeLessThan(1e-12);
      expect(probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    }
  });

  it("returns the same from batch and single calls", () => {
    const reference = runNumpy<LdaCase>(RANDOM_LDA_CASE, { seed: 7, n_classes: 3, n_features: 5, n_rows: 100 });
    const lda = new LinearDiscriminant().fit(reference.train, reference.labels);
    const rows = reference.test.slice(0, 10);
    expect(lda.decisionFunctionBatch(rows)).toEqual(rows.map((row) => lda.decisionFunction(row)));
    expect(lda.predictProbaBatch(rows)).toEqual(rows.map((row) => lda.predictProba(row)));
    expect(Array.from(lda.predictBatch(rows))).toEqual(rows.map((row) => lda.predict(row)));
  });

  it("writes into a given output array", () => {
    const lda = new LinearDiscriminant().fit(
      [[0, 0], [1, 0.2], [5, 5], [6, 5.5], [0.5, 0.1], [5.5, 4.8]],
      [0, 0, 1, 1, 0, 1],
    );
    const out = new Float64Array(2);
    expect(lda.decisionFunction([1, 1], out)).toBe(out);
    expect(lda.predictProba([1, 1], out)).toBe(out);
    expect(() => lda.predictProba([1, 1], new Float64Array(3))).toThrow(/out must be a Float64Array of 2/);
  });

  it("breaks a tie towards the smallest label", () => {
    // Mirror-image classes with equal priors score exactly equal at the origin.
    const lda = new LinearDiscriminant().fit(
      [[-1, 0], [-1, 1], [-1, -1], [1, 0], [1, 1], [1, -1]],
      [9, 9, 9, 4, 4, 4],
    );
    const [first, second] = lda.decisionFunction([0, 0]);
    expect(first).toBe(second);
    expect(lda.predict([0, 0])).toBe(4);
  });

  it("accepts typed-array rows and labels", () => {
    const rows = [[0, 0], [1, 0.2], [5, 5], [6, 5.5], [0.5, 0.1], [5.5, 4.8]];
    const plain = new LinearDiscriminant().fit(rows, [0, 0, 1, 1, 0, 1]);
    const typed = new LinearDiscriminant().fit(
      rows.map((row) => Float64Array.from(row)),
      Int32Array.from([0, 0, 1, 1, 0, 1]),
    );
    expect(typed.toModelData()).toEqual(plain.toModelData());
    expect(typed.predict(Float32Array.from([5, 5]))).toBe(1);
  });

  describe("rejects", () => {
    const rows = [[0, 0], [1, 0.2], [5, 5], [6, 5.5]];

    it("fewer than two classes", () => {
      expect(() => new LinearDiscriminant().fit(rows, [3, 3, 3, 3])).toThrow(/1 class \(3\); LDA needs at least 2 classes/);
    });

    it("an expected class with no rows", () => {
      expect(() => new LinearDiscriminant().fit(rows, [0, 0, 1, 1], { classes: [0, 1, 2] })).toThrow(
        /class 2 has no rows/,
      );
      expect(() => new LinearDiscriminant().fit(rows, [0, 0, 1, 5], { classes: [0, 1] })).toThrow(
        /label 5 is not one of the expected classes 0, 1/,
      );
    });

    it("no more rows than classes", () => {
      expect(() => new LinearDiscriminant().fit(rows.slice(0, 2), [0, 1])).toThrow(/2 rows for 2 classes/);
    });

    it("rows of different lengths", () => {
      expect(() => new LinearDiscriminant().fit([[0, 0], [1], [2, 2]], [0, 1, 1])).toThrow(
        /row 1 has 1 values, but row 0 has 2/,
      );
    });

    it("non-finite values by row and column", () => {
      expect(() => new LinearDiscriminant().fit([[0, 0], [1, 1], [2, NaN]], [0, 1, 1])).toThrow(/row 2, column 1 is NaN/);
      expect(() => new LinearDiscriminant().fit([[0, 0], [Infinity, 1], [2, 2]], [0, 1, 1])).toThrow(
        /row 1, column 0 is Infinity/,
      );
    });

    it("labels that are not integers", () => {
      expect(() => new LinearDiscriminant().fit(rows, [0, 0.5, 1, 1])).toThrow(/the label of row 1 is 0.5/);
      expect(() => new LinearDiscriminant().fit(rows, [0, 1, 1])).toThrow(/3 labels were given for 4 rows/);
    });

    it("a row with the wrong feature count", () => {
      const lda = new LinearDiscriminant().fit(rows, [0, 0, 1, 1]);
      expect(() => lda.predict([1, 2, 3])).toThrow(/the row has 3 features, but the model was fitted on 2/);
      expect(() => lda.predictProba([1])).toThrow(/the row has 1 features/);
      expect(() => lda.decisionFunction([1, NaN])).toThrow(/column 1 of the row is NaN/);
    });

    it("use before fitting", () => {
      expect(() => new LinearDiscriminant().predict([1, 2])).toThrow(/not fitted; call fit\(rows, labels\) first/);
      expect(() => new LinearDiscriminant().toModelData()).toThrow(/not fitted/);
    });
  });

  it("rebuilds from model data", () => {
    const reference = runNumpy<LdaCase>(RANDOM_LDA_CASE, { seed: 8, n_classes: 3, n_features: 4, n_rows: 60 });
    const lda = new LinearDiscriminant().fit(reference.train, reference.labels);
    const rebuilt = LinearDiscriminant.fromModelData(lda.toModelData());
    expect(rebuilt.toModelData()).toEqual(lda.toModelData());
    for (const row of reference.test) {
      expect(rebuilt.decisionFunction(row)).toEqual(lda.decisionFunction(row));
    }
  });

  it("rejects bad model data by field", () => {
    const good = new LinearDiscriminant().fit([[0, 0], [1, 0.2], [5, 5], [6, 5.5]], [0, 0, 1, 1]).toModelData();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, kind: "knn" }, /kind must be "lda", got string "knn"/],
      [{ ...good, nFeatures: 0 }, /nFeatures must be an integer at least 1, got 0/],
      [{ ...good, classes: [0, 1] }, /classes must be an Int32Array, got an array of 2 elements/],
      [{ ...good, classes: Int32Array.from([1, 0]) }, /classes must be sorted and unique/],
      [{ ...good, classes: Int32Array.from([1]) }, /classes must hold at least 2 labels, got 1/],
      [{ ...good, weights: new Float64Array(3) }, /weights must have 4 \(2 classes × 2 features\) elements, got 3/],
      [{ ...good, means: new Float32Array(4) }, /means must be a Float64Array, got Float32Array of 4 elements/],
      [{ ...good, biases: Float64Array.from([0, NaN]) }, /biases\[1\] is NaN/],
      [{ ...good, priors: Float64Array.from([0.7, 0.7]) }, /the priors sum to 1.4/],
      [{ ...good, priors: Float64Array.from([1, 0]) }, /priors\[1\] is 0/],
    ];
    for (const [data, message] of cases) {
      expect(() => LinearDiscriminant.fromModelData(data)).toThrow(message);
    }
    expect(() => LinearDiscriminant.fromModelData(null)).toThrow(/lda model data must be an object, got null/);
  });
});

describe("symmetricPseudoInverse", () => {
  it("matches numpy pinv, also for singular matrices", () => {
    const reference = runNumpy<{ matrices: number[][][]; inverses: number[][][] }>(`
rng = np.random.default_rng(11)
matrices = []
for n, zero in [(1, []), (3, []), (6, [2]), (10, [0, 9]), (24, [5, 6, 7]), (4, [0, 1, 2, 3])]:
    b = rng.normal(size=(n, n + 3))
    a = b @ b.T
    a[zero, :] = 0
    a[:, zero] = 0
    matrices.append(a)
result = {"matrices": [a.tolist() for a in matrices], "inverses": [np.linalg.pinv(a).tolist() for a in matrices]}
`);
    reference.matrices.forEach((matrix, index) => {
      const n = matrix.length;
      const inverse = symmetricPseudoInverse(Float64Array.from(matrix.flat()), n);
      expect(relativeError(inverse, reference.inverses[index]!.flat())).toBeLessThan(1e-9);
    });
  });
});

interface KnnCase {
  train: number[][];
  labels: number[];
  test: number[][];
  classes: number[];
  predictions: number[];
  probabilities: number[][];
}

// Brute force in numpy: all distances, a stable sort (an earlier training row wins a distance
// tie), the vote of the k nearest, argmax (the smallest label wins a vote tie).
const BRUTE_FORCE_KNN = `
rng = np.random.default_rng(data["seed"])
n_rows, n_features, k = data["n_rows"], data["n_features"], data["k"]
if data["integers"]:
    x = rng.integers(0, 3, size=(n_rows, n_features)).astype(float)
    test = rng.integers(0, 3, size=(80, n_features)).astype(float)
else:
    x = rng.normal(size=(n_rows, n_features))
    test = rng.normal(size=(80, n_features))
y = rng.choice(np.array(data["label_values"]), size=n_rows)
classes = np.unique(y)
distances = np.sqrt(((test[:, None, :] - x[None, :, :]) ** 2).sum(axis=2))
nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
votes = np.stack([(y[nearest] == c).sum(axis=1) for c in classes], axis=1)
result = {
    "train": x.tolist(), "labels": y.tolist(), "test": test.tolist(), "classes": classes.tolist(),
    "predictions": classes[np.argmax(votes, axis=1)].tolist(), "probabilities": (votes / k).tolist(),
}
`;

describe("KNearestNeighbors", () => {
  it.each([
    { seed: 1, n_rows: 60, n_features: 3, k: 1, integers: false, label_values: [0, 1, 2] },
    { seed: 2, n_rows: 100, n_features: 5, k: 5, integers: false, label_values: [-4, 7, 12, 30] },
    { seed: 3, n_rows: 90, n_features: 2, k: 4, integers: true, label_values: [0, 1, 2] },
    { seed: 4, n_rows: 120, n_features: 3, k: 6, integers: true, label_values: [5, 1, 3, 2] },
    { seed: 5, n_rows: 40, n_features: 4, k: 40, integers: true, label_values: [0, 1] },
  ])("matches brute-force numpy with k $k", (settings) => {
    const reference = runNumpy<KnnCase>(BRUTE_FORCE_KNN, settings);
    const knn = new KNearestNeighbors({ k: settings.k }).fit(reference.train, reference.labels);
    expect(Array.from(knn.classes)).toEqual(reference.classes);
    expect(Array.from(knn.predictBatch(reference.test))).toEqual(reference.predictions);
    expect(knn.predictProbaBatch(reference.test).map((row) => Array.from(row))).toEqual(reference.probabilities);
  });

  it("gives a vote tie to the smallest label", () => {
    const knn = new KNearestNeighbors({ k: 2 }).fit([[0], [1], [10]], [8, 3, 3]);
    expect(knn.predict([0.4])).toBe(3);
    expect(Array.from(knn.predictProba([0.4]))).toEqual([0.5, 0.5]);
  });

  it("prefers the earlier row at equal distance", () => {
    const knn = new KNearestNeighbors({ k: 1 });
    expect(knn.fit([[-1], [1]], [5, 2]).predict([0])).toBe(5);
    expect(knn.fit([[1], [-1]], [2, 5]).predict([0])).toBe(2);
  });

  it("defaults to five neighbours", () => {
    expect(new KNearestNeighbors().k).toBe(5);
  });

  describe("rejects", () => {
    it("an invalid k", () => {
      expect(() => new KNearestNeighbors({ k: 0 })).toThrow(/the k option must be a positive integer, got 0/);
      expect(() => new KNearestNeighbors({ k: 2.5 })).toThrow(/got 2.5/);
    });

    it("fewer rows than k", () => {
      expect(() => new KNearestNeighbors({ k: 4 }).fit([[0], [1], [2]], [0, 1, 1])).toThrow(
        /k is 4, but there are only 3 training rows/,
      );
    });

    it("non-finite values by row and column", () => {
      expect(() => new KNearestNeighbors({ k: 1 }).fit([[0, 1], [1, -Infinity]], [0, 1])).toThrow(
        /row 1, column 1 is -Infinity/,
      );
    });

    it("a row with the wrong feature count", () => {
      const knn = new KNearestNeighbors({ k: 1 }).fit([[0, 1], [1, 1]], [0, 1]);
      expect(() => knn.predict([1])).toThrow(/the row has 1 features, but the model was fitted on 2/);
      expect(() => knn.predictProba([1, NaN])).toThrow(/column 1 of the row is NaN/);
    });
  });

  it("rebuilds from model data", () => {
    const reference = runNumpy<KnnCase>(BRUTE_FORCE_KNN, {
      seed: 9,
      n_rows: 50,
      n_features: 3,
      k: 3,
      integers: false,
      label_values: [1, 2, 3],
    });
    const knn = new KNearestNeighbors({ k: 3 }).fit(reference.train, reference.labels);
    const data = knn.toModelData();
    expect(data.rows).toEqual(Float64Array.from(reference.train.flat()));
    expect(Array.from(data.labels)).toEqual(reference.labels);
    const rebuilt = KNearestNeighbors.fromModelData(data);
    expect(rebuilt.k).toBe(3);
    expect(Array.from(rebuilt.predictBatch(reference.test))).toEqual(reference.predictions);
  });

  it("rejects bad model data by field", () => {
    const good = new KNearestNeighbors({ k: 2 }).fit([[0, 0], [1, 1], [2, 2]], [0, 1, 1]).toModelData();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...good, kind: "lda" }, /kind must be "knn"/],
      [{ ...good, k: 4 }, /k is 4, but labels has only 3 rows/],
      [{ ...good, k: -1 }, /k must be an integer at least 1, got -1/],
      [{ ...good, rows: new Float64Array(5) }, /rows must have 6 \(3 rows × 2 features\) elements, got 5/],
      [{ ...good, labels: Int32Array.from([0, 1, 7]) }, /labels\[2\] is 7, which is not one of the classes 0, 1/],
      [{ ...good, classes: Int32Array.from([0, 1, 2]) }, /class 2 has no training rows/],
      [{ ...good, rows: Float64Array.from([0, 0, 1, 1, 2, Infinity]) }, /rows\[5\] is Infinity/],
    ];
    for (const [data, message] of cases) {
      expect(() => KNearestNeighbors.fromModelData(data)).toThrow(message);
    }
  });
});
