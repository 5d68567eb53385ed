import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WindowClassifier } from "../src/ml/classifier.js";
import { evaluateOffline } from "../src/ml/evaluate.js";
import { loadModelFile, readModelFileInfo, saveModelFile } from "../src/ml/model-file.js";
import { trainClassifier } from "../src/ml/train-classifier.js";
import { importLibemgDataset } from "../src/session/import-libemg.js";
import { openSession } from "../src/session/reader.js";
import { TrainingData } from "../src/session/training-data.js";
import { iterLabeledWindows } from "../src/session/windows.js";
import { runCli, SHARED_DATA } from "./support/cli.js";

const MYO = join(SHARED_DATA, "one-subject-myo");
const REFERENCE = join(SHARED_DATA, "..", "reference", "htd_lda.py");

let work: string;
let archives: string[];
let reference: { accuracy: number; train_windows: number; test_windows: number };

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), "myogestic-classifier-"));
  archives = [...(await importLibemgDataset(MYO, { sampleRateHz: 200, out: join(work, "sessions") })).archives];
  reference = JSON.parse(execFileSync("python3", [REFERENCE, MYO, "--json"], { encoding: "utf8" }));
}, 120_000);

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const trialOf = (path: string) => Number(/trial_(\d)_/.exec(path)?.[1]);

describe("evaluateOffline", () => {
  it("equals the numpy reference accuracy on the one-subject set", async () => {
    const result = await evaluateOffline(MYO, {
      windowMs: 200,
      stepMs: 50,
      features: "HTD",
      model: "lda",
      train: ["1", "2", "3"],
      test: ["4", "5", "6"],
    });
    expect(result.nTrainWindows).toBe(reference.train_windows);
    expect(result.nTestWindows).toBe(reference.test_windows);
    expect(Math.abs(result.metrics.classificationAccuracy - reference.accuracy)).toBeLessThanOrEqual(0.005);
    expect(result.metrics.classificationAccuracy).toBeCloseTo(0.9918, 4);
  });

  it("gives the same accuracy from imported sessions", async () => {
    const result = await evaluateOffline(undefined, {
      windowMs: 200,
      stepMs: 50,
      features: "HTD",
      model: "lda",
      train: archives.filter((path) => trialOf(path) <= 3),
      test: archives.filter((path) => trialOf(path) >= 4),
    });
    expect(result.nTestWindows).toBe(reference.test_windows);
    expect(result.metrics.classificationAccuracy).toBeCloseTo(reference.accuracy, 4);
  });
});

describe("myogestic evaluate", () => {
  it("prints the reference accuracy", async () => {
    const result = await runCli(["evaluate", MYO, "--window-ms", "200", "--step-ms", "50", "--features", "htd", "--model", "lda", "--train", "1,2,3", "--test", "4,5,6", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout);
    expect(Math.abs(parsed.metrics.classificationAccuracy - reference.accuracy)).toBeLessThanOrEqual(0.005);
  });

  it("names a bad feature list and a missing trial", async () => {
    const bad = await runCli(["evaluate", MYO, "--features", "MAV,XYZ", "--train", "1", "--test", "4"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/"XYZ" is neither/);
    const missing = await runCli(["evaluate", MYO, "--train", "9", "--test", "4"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no files of trials 9/);
  });
});

describe("trainClassifier", () => {
  it("trains HTD + LDA from sessions and classifies held-out trials like the reference", async () => {
    const classNames = ["Hand_Close", "Hand_Open", "No_Motion", "Wrist_Extension", "Wrist_Flexion"];
    const data = new TrainingData({ paths: archives.filter((path) => trialOf(path) <= 3), classNames });
    const progress: number[] = [];
    const lines: string[] = [];
    const model = await trainClassifier(
      data,
      { stream: "emg", features: "HTD", windowMs: 200, hopMs: 50, holdOutFraction: 0.25 },
      { log: (line) => lines.push(line), progress: (fraction) => progress.push(fraction) },
    );
    expect(model.report?.nTestWindows).toBeGreaterThan(300);
    expect(model.report?.accuracy).toBeGreaterThan(0.9);
    expect(model.report?.confusionMatrix).toHaveLength(5);
    expect(progress.at(-1)).toBe(1);
    expect(lines.some((line) => line.startsWith("Held-out accuracy"))).toBe(true);

    let correct = 0;
    let total = 0;
    for await (const window of iterLabeledWindows(archives.filter((path) => trialOf(path) >= 4), {
      stream: "emg",
      windowMs: 200,
      hopMs: 50,
      classNames,
    })) {
      total++;
      if (model.classify(window).classIndex === window.classIndex) {
        correct++;
      }
    }
    expect(total).toBe(reference.test_windows);
    expect(correct / total).toBeGreaterThan(0.98);

    const path = await saveModelFile(model, join(work, "models", "htd-lda.model"), { trainedOn: model.trainedOn() });
    const loaded = (await loadModelFile(path)) as WindowClassifier;
    expect(loaded).toBeInstanceOf(WindowClassifier);
    expect(loaded.settings).toEqual(model.settings);
    const session = await openSession(archives[40] as string);
    const recorded = await session.readStream("emg");
    const window = { data: recorded.samples.slice(0, 320), nChannels: 8, nSamples: 40 };
    expect(loaded.classify(window)).toEqual(model.classify(window));
    const info = await readModelFileInfo(path);
    expect(info.trainedOn).toEqual({
      streamName: "emg",
      nChannels: 8,
      sampleRateHz: 200,
      windowMs: 200,
      classNames,
      features: ["HTD"],
    });
    await expect(loadModelFile(path, { expect: { streamName: "emg", nChannels: 16, sampleRateHz: 2000 } })).rejects.toThrow(
      /channel count: model 8, stream 16/,
    );
  });

  it("rejects an unknown model name", async () => {
    const data = new TrainingData({ paths: [archives[0] as string], classNames: ["Hand_Close"] });
    await expect(trainClassifier(data, { stream: "emg", windowMs: 200, hopMs: 50, model: "svm" as never })).rejects.toThrow(
      /model must be "lda" or "knn", received "svm"/,
    );
  });

  it("fails with the reason when a class has no windows", async () => {
    const data = new TrainingData({ paths: [archives[0] as string], classNames: ["Hand_Close", "Hand_Open", "No_Motion", "Wrist_Extension", "Wrist_Flexion"] });
    await expect(trainClassifier(data, { stream: "emg", windowMs: 200, hopMs: 50 })).rejects.toThrow(/class Hand_Open has no training windows/);
  });
});

describe("streamSetup", () => {
  it("makes loading a model trained on another stream say what differs", async () => {
    const { App } = await import("../src/app/app.js");
    const { SimulatedClock } = await import("../src/core/clock.js");
    const { streamSetup } = await import("../src/ml/setup.js");
    const { ManualSource } = await import("./support/manual-source.js");
    const classNames = ["Hand_Close", "Hand_Open", "No_Motion", "Wrist_Extension", "Wrist_Flexion"];
    const data = new TrainingData({ paths: archives.filter((path) => trialOf(path) === 1), classNames });
    const model = await trainClassifier(data, { stream: "emg", windowMs: 200, hopMs: 100, holdOutFraction: 0 });
    const path = await saveModelFile(model, join(work, "models", "trial1.model"), { trainedOn: model.trainedOn() });
    const app = new App({ name: "Other", classNames, clock: new SimulatedClock() });
    app.addStream({ name: "emg", source: new ManualSource({ nChannels: 16, sampleRateHz: 2000 }), windowMs: 200 });
    await app.start();
    const error = await loadModelFile(path, { expect: streamSetup(app, "emg") }).then(
      () => undefined,
      (failure: Error) => failure,
    );
    expect(error?.message).toMatch(/channel count: model 8, stream 16/);
    expect(error?.message).toMatch(/sample rate: model 200 Hz, stream 2000 Hz/);
    await app.stop();
  });
});
