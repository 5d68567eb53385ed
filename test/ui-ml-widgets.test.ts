import { describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { SimulatedClock } from "../src/core/clock.js";
import { Pipeline } from "../src/ml/pipeline.js";
import { TrainingData } from "../src/session/training-data.js";
import { Ui } from "../src/ui/ui.js";
import { loadModelButton, pipelinePanel, predictButton, saveModelButton, trainButton } from "../src/ui/widgets/ml.js";

function setUp() {
  const app = new App({ name: "Widgets", clock: new SimulatedClock() });
  const pipeline = new Pipeline(app);
  const ui = new Ui();
  return { app, pipeline, ui };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe("predictButton", () => {
  it("is disabled with the reason until idle with a model and both callbacks", () => {
    const { pipeline, ui } = setUp();
    const props = () => ui.frame((u) => predictButton(u, pipeline)).nodes.get("root/predict")?.props;
    expect(props()).toMatchObject({ label: "Predict", disabled: true, reason: "No model: train or load one first" });
    pipeline.model = {};
    expect(props()).toMatchObject({ disabled: true, reason: "No extract or predict callback: register it with pipeline.extract(fn)" });
    pipeline.extract(() => 0);
    expect(props()).toMatchObject({ disabled: true, reason: "No predict callback: register it with pipeline.predict(fn)" });
    pipeline.predict(() => ({}));
    expect(props()).toMatchObject({ label: "Predict", disabled: false, reason: "" });
    pipeline.app.ctx.transition("recording");
    expect(props()).toMatchObject({ disabled: true, reason: "Cannot predict while recording" });
  });

  it("starts predicting on click and shows Stop, which stops", () => {
    const { app, pipeline, ui } = setUp();
    pipeline.model = {};
    pipeline.extract(() => 0);
    pipeline.predict(() => ({}));
    ui.frame((u) => predictButton(u, pipeline));
    ui.applyInput({ type: "click", id: "root/predict" });
    ui.frame((u) => predictButton(u, pipeline));
    expect(app.ctx.state).toBe("predicting");
    const stop = ui.frame((u) => predictButton(u, pipeline)).nodes.get("root/predict")?.props;
    expect(stop).toMatchObject({ label: "Stop", disabled: false, active: true });
    ui.applyInput({ type: "click", id: "root/predict" });
    ui.frame((u) => predictButton(u, pipeline));
    expect(app.ctx.state).toBe("idle");
  });
});

describe("trainButton", () => {
  it("calls startTraining on click", async () => {
    const { app, pipeline, ui } = setUp();
    pipeline.train(() => ({ trained: true }));
    pipeline.trainingData = new TrainingData({ paths: ["x"], classNames: ["A"] });
    ui.frame((u) => trainButton(u, pipeline));
    ui.applyInput({ type: "click", id: "root/Train" });
    ui.frame((u) => trainButton(u, pipeline));
    expect(app.ctx.state).toBe("training");
    await pipeline.whenTrainingDone();
    expect(pipeline.model).toEqual({ trained: true });
  });
});

describe("saveModelButton and loadModelButton", () => {
  it("are disabled with reasons until their hooks and a model are set", () => {
    const { pipeline, ui } = setUp();
    const nodes = () => ui.frame((u) => {
      saveModelButton(u, pipeline, "m.model");
      loadModelButton(u, pipeline, "m.model");
    }).nodes;
    expect(nodes().get("root/save model")?.props).toMatchObject({ disabled: true, reason: "No save hook: set pipeline.saveModel" });
    expect(nodes().get("root/load model")?.props).toMatchObject({ disabled: true, reason: "No load hook: set pipeline.loadModel" });
    pipeline.saveModel = () => undefined;
    expect(nodes().get("root/save model")?.props).toMatchObject({ disabled: true, reason: "No model to save: train or load one first" });
    pipeline.model = {};
    pipeline.loadModel = () => ({});
    expect(nodes().get("root/save model")?.props).toMatchObject({ disabled: false });
    expect(nodes().get("root/load model")?.props).toMatchObject({ disabled: false });
  });

  it("reports save and load outcomes", async () => {
    const { app, pipeline, ui } = setUp();
    const saved: unknown[] = [];
    const model = { w: 1 };
    pipeline.model = model;
    pipeline.saveModel = async (value, path) => {
      saved.push([value, path]);
    };
    let fail = false;
    pipeline.loadModel = async (path) => {
      if (fail) {
        throw new Error("checksum mismatch");
      }
      return { loadedFrom: path };
    };
    const draw = (u: Ui) => {
      saveModelButton(u, pipeline, "models/a.model");
      loadModelButton(u, pipeline, "models/a.model");
    };
    ui.frame(draw);
    ui.applyInput({ type: "click", id: "root/save model" });
    ui.frame(draw);
    await settle();
    expect(saved).toEqual([[model, "models/a.model"]]);
    expect(app.ctx.statusMessage).toBe("Model saved to models/a.model");
    ui.applyInput({ type: "click", id: "root/load model" });
    ui.frame(draw);
    await settle();
    await settle();
    expect(pipeline.model).toEqual({ loadedFrom: "models/a.model" });
    expect(app.ctx.statusMessage).toBe("Model loaded from models/a.model");
    fail = true;
    ui.applyInput({ type: "click", id: "root/load model" });
    ui.frame(draw);
    await settle();
    await settle();
    expect(pipeline.model).toEqual({ loadedFrom: "models/a.model" });
    expect(app.ctx.statusMessage).toBe("Loading the model from models/a.model failed: checksum mismatch");
    expect(app.ctx.userLog.entries.map((entry) => entry.text)).toEqual(
      expect.arrayContaining(["Model saved to models/a.model", "Loading the model from models/a.model failed: checksum mismatch"]),
    );
  });
});

describe("pipelinePanel", () => {
  it("shows log toggles once a log exists", async () => {
    const { pipeline, ui } = setUp();
    let nodes = ui.frame((u) => pipelinePanel(u, pipeline)).nodes;
    expect(nodes.get("root/Pipeline")?.props).toEqual({ title: "Pipeline" });
    expect(nodes.get("root/Pipeline/controls")?.children).toEqual(["root/Pipeline/controls/Train", "root/Pipeline/controls/predict"]);
    pipeline.train((_data, context) => {
      context.log("epoch 1");
      return {};
    });
    pipeline.trainingData = new TrainingData({ paths: ["x"], classNames: ["A"] });
    pipeline.startTraining();
    await pipeline.whenTrainingDone();
    nodes = ui.frame((u) => pipelinePanel(u, pipeline)).nodes;
    expect(nodes.get("root/Pipeline/controls")?.children).toEqual([
      "root/Pipeline/controls/Train",
      "root/Pipeline/controls/predict",
      "root/Pipeline/controls/follow toggle",
      "root/Pipeline/controls/popout toggle",
    ]);
    expect(nodes.get("root/Pipeline/training log")?.props.lines).toContain("epoch 1");
  });

  it("keeps a popped-out log in its own panel across frames", async () => {
    const { pipeline, ui } = setUp();
    pipeline.train(() => ({}));
    pipeline.trainingData = new TrainingData({ paths: ["x"], classNames: ["A"] });
    pipeline.startTraining();
    await pipeline.whenTrainingDone();
    ui.frame((u) => pipelinePanel(u, pipeline));
    ui.applyInput({ type: "click", id: "root/Pipeline/controls/popout toggle" });
    ui.frame((u) => pipelinePanel(u, pipeline));
    for (let i = 0; i < 3; i++) {
      const nodes = ui.frame((u) => pipelinePanel(u, pipeline)).nodes;
      expect(nodes.has("root/Pipeline training log/training log")).toBe(true);
      expect(nodes.has("root/Pipeline/training log")).toBe(false);
    }
  });
});
