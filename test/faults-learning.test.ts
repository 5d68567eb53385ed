import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { WindowClassifier } from "../src/ml/classifier.js";
import { countNonFinite } from "../src/ml/non-finite.js";
import { Pipeline } from "../src/ml/pipeline.js";
import { LinearDiscriminant } from "../src/recipes/estimators/lda.js";
import { TrainingData } from "../src/session/training-data.js";
import { ManualSource } from "./support/manual-source.js";

const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 60);
let folder = "";
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), "myogestic-faults-learning-"));
});
afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

async function setUp() {
  const clock = new SimulatedClock(10);
  const app = new App({ name: "Faults", classNames: ["Rest", "Fist"], clock });
  const source = new ManualSource({ nChannels: 2, sampleRateHz: 100 });
  app.addStream({ name: "emg", source, windowMs: 50 });
  const pipeline = new Pipeline(app, { predictHz: 50 });
  await app.start();
  return { app, clock, source, pipeline };
}

describe("NaN and infinite samples", () => {
  it("are counted in extracted features of every shape", () => {
    expect(countNonFinite(Number.NaN)).toBe(1);
    expect(countNonFinite([1, Number.POSITIVE_INFINITY, 3])).toBe(1);
    expect(countNonFinite(new Float32Array([Number.NaN, 1, Number.NaN]))).toBe(2);
    expect(countNonFinite({ emg: { data: new Float32Array([Number.NaN]), nSamples: 1 } })).toBe(1);
    expect(countNonFinite({ label: "x", data: [1, 2] })).toBe(0);
  });

  it("stop predictions, with one line saying why, until the samples are finite again", async () => {
    const { app, source, pipeline } = await setUp();
    pipeline.train(() => ({ ready: true }));
    pipeline.extract((windows) => windows.emg);
    let predicted = 0;
    pipeline.predict(() => ({ n: ++predicted }));
    pipeline.trainingData = new TrainingData({ paths: ["x.session.zip"], classNames: ["Rest", "Fist"] });
    pipeline.startTraining();
    await pipeline.whenTrainingDone();
    expect(pipeline.startPredicting().ok).toBe(true);

    source.push({ nChannels: 2, samples: [1, Number.NaN, 3, 4] });
    pipeline.tick();
    pipeline.tick();
    expect(predicted).toBe(0);
    const lines = app.ctx.userLog.entries.map((entry) => entry.text).filter((text) => text.startsWith("The extracted features"));
    expect(lines).toEqual(["The extracted features hold 1 NaN or infinite values, so no prediction is made until they are finite again"]);

    // Once the window is past the bad sample, predictions resume.
    source.push({ nChannels: 2, samples: new Float32Array(2 * 20).fill(1) });
    pipeline.tick();
    expect(predicted).toBe(1);
  });

  it("make a classifier refuse the window rather than predict from it", () => {
    const estimator = new LinearDiscriminant().fit([[0], [0.1], [5], [5.1]], [0, 0, 1, 1]);
    const classifier = new WindowClassifier({ stream: "emg", features: ["MAV"], windowMs: 100, classNames: ["Rest", "Fist"], nChannels: 1, sampleRateHz: 100 }, estimator);
    const window = { data: new Float32Array([1, Number.NaN, 1, 1]), nChannels: 1, nSamples: 4, timestamps: new Float64Array(4) };
    expect(() => classifier.classify(window)).toThrow(/1 of the 1 features of this emg window are NaN or infinite/);
  });
});

/** The app and pipeline under test, with the session they can train on. */
interface Machine {
  app: App;
  pipeline: Pipeline;
}

/** What the model of the state machine expects. */
interface Model {
  state: "idle" | "recording" | "training" | "predicting";
}

type Command = fc.AsyncCommand<Model, Machine>;

const expectState = (model: Model, real: Machine) => expect(real.app.ctx.state).toBe(model.state);

class StartRecording implements Command {
  check = () => true;
  async run(model: Model, real: Machine) {
    const result = await real.app.startRecording({ folder });
    expect(result.ok).toBe(model.state === "idle");
    if (result.ok) model.state = "recording";
    expectState(model, real);
  }
  toString = () => "startRecording";
}

class StopRecording implements Command {
  check = () => true;
  async run(model: Model, real: Machine) {
    const result = await real.app.stopRecording();
    expect(result.ok).toBe(model.state === "recording");
    if (result.ok) {
      model.state = "idle";
      real.pipeline.trainingData = new TrainingData({ paths: [result.archivePath], classNames: ["Rest", "Fist"] });
    }
    expectState(model, real);
  }
  toString = () => "stopRecording";
}

class StartTraining implements Command {
  readonly fails: boolean;
  constructor(fails: boolean) {
    this.fails = fails;
  }
  check = () => true;
  async run(model: Model, real: Machine) {
    real.pipeline.train(() => {
      if (this.fails) throw new Error("the train callback failed on purpose");
      return { trained: true };
    });
    const ready = model.state === "idle" && real.pipeline.trainingData !== undefined;
    expect(real.pipeline.startTraining().ok).toBe(ready);
    if (ready) {
      expect(real.app.ctx.state).toBe("training");
      await real.pipeline.whenTrainingDone();
      if (this.fails) expect(real.pipeline.trainLog.join("\n")).toMatch(/the train callback failed on purpose/);
    }
    expectState(model, real);
  }
  toString = () => `startTraining(${this.fails ? "failing" : "ok"})`;
}

class StartPredicting implements Command {
  check = () => true;
  async run(model: Model, real: Machine) {
    const ready = model.state === "idle" && real.pipeline.model !== undefined;
    expect(real.pipeline.startPredicting().ok).toBe(ready);
    if (ready) model.state = "predicting";
    expectState(model, real);
  }
  toString = () => "startPredicting";
}

class StopPredicting implements Command {
  check = () => true;
  async run(model: Model, real: Machine) {
    expect(real.pipeline.stopPredicting().ok).toBe(model.state === "predicting");
    if (model.state === "predicting") model.state = "idle";
    expectState(model, real);
  }
  toString = () => "stopPredicting";
}

describe("the state machine under any order of actions", () => {
  it("stays consistent with its model for thousands of steps", async () => {
    const commands = [
      fc.constant(new StartRecording()),
      fc.constant(new StopRecording()),
      fc.boolean().map((fails) => new StartTraining(fails)),
      fc.constant(new StartPredicting()),
      fc.constant(new StopPredicting()),
    ];
    let steps = 0;
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 100, size: "max" }), async (sequence) => {
        const { app, pipeline } = await setUp();
        pipeline.extract((windows) => windows);
        pipeline.predict(() => ({}));
        try {
          await fc.asyncModelRun(() => ({ model: { state: "idle" } as Model, real: { app, pipeline } }), sequence);
          steps += [...sequence].length;
        } finally {
          await app.stop();
        }
      }),
      { numRuns: FUZZ_RUNS },
    );
    expect(steps).toBeGreaterThan(1000);
  }, 120_000);
});
