import { describe, expect, it } from "vitest";
import { App } from "../src/app/app.js";
import { Pipeline } from "../src/ml/pipeline.js";
import { TrainingData } from "../src/session/training-data.js";

function setUp(classNames = ["busy300", "other"]) {
  const app = new App({ name: "Worker" });
  const pipeline = new Pipeline(app);
  pipeline.trainingData = new TrainingData({ paths: ["one.session.zip"], classNames });
  return { app, pipeline };
}

describe("Pipeline training in module form", () => {
  it("runs on another thread while main-thread ticks keep counting", async () => {
    const { app, pipeline } = setUp(["busy600", "other"]);
    pipeline.train({ module: new URL("./fixtures/train-busy.ts", import.meta.url) });
    const progress: number[] = [];
    pipeline.on("trainProgress", (event) => progress.push(event.fraction));
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    expect(pipeline.startTraining().ok).toBe(true);
    expect(app.ctx.state).toBe("training");
    await pipeline.whenTrainingDone();
    clearInterval(timer);
    expect(app.ctx.state).toBe("idle");
    expect(app.ctx.statusMessage).toBe("Training complete");
    const model = pipeline.model as { isMainThread: boolean; threadId: number; weights: Float64Array; classNames: string[] };
    expect(model.isMainThread).toBe(false);
    expect(model.threadId).toBeGreaterThan(0);
    expect(model.weights).toBeInstanceOf(Float64Array);
    expect(Array.from(model.weights)).toEqual([1.5, -2.25, 3]);
    expect(model.classNames).toEqual(["busy600", "other"]);
    // 600 ms of CPU in the worker; a main thread blocked by it would count almost no ticks.
    expect(ticks).toBeGreaterThan(20);
    expect(progress.at(-1)).toBe(1);
    expect(pipeline.trainLog.some((line) => /training 1 sessions on thread [1-9]/.test(line))).toBe(true);
  });

  it("reports a train function that throws, with its stack, and returns to idle", async () => {
    const { app, pipeline } = setUp();
    pipeline.train({ module: new URL("./fixtures/train-throws.ts", import.meta.url) });
    pipeline.startTraining();
    await pipeline.whenTrainingDone();
    expect(app.ctx.state).toBe("idle");
    expect(app.ctx.statusMessage).toBe("Training failed: class Fist has no windows");
    expect(pipeline.trainLog.some((line) => line.includes("RangeError: class Fist has no windows") && line.includes("train-throws"))).toBe(true);
    expect(pipeline.model).toBeUndefined();
  });

  it("returns to idle when the worker dies", async () => {
    const { app, pipeline } = setUp();
    pipeline.train({ module: new URL("./fixtures/train-exits.ts", import.meta.url) });
    pipeline.startTraining();
    await pipeline.whenTrainingDone();
    expect(app.ctx.state).toBe("idle");
    expect(app.ctx.statusMessage).toMatch(/Training failed: the training worker exited with code 3/);
  });

  it("names a module without a default export", async () => {
    const { app, pipeline } = setUp();
    pipeline.train({ module: new URL("./fixtures/train-no-default.ts", import.meta.url) });
    pipeline.startTraining();
    await pipeline.whenTrainingDone();
    expect(app.ctx.statusMessage).toMatch(/train-no-default\.ts has no default export function/);
  });
});

describe("Pipeline training in module form with a built-in estimator", () => {
  it("rebuilds the estimator with its methods", async () => {
    const { LinearDiscriminant } = await import("../src/recipes/estimators/lda.js");
    const { app, pipeline } = setUp();
    pipeline.train({ module: new URL("./fixtures/train-lda.ts", import.meta.url) });
    pipeline.startTraining();
    await pipeline.whenTrainingDone();
    expect(app.ctx.statusMessage).toBe("Training complete");
    const model = pipeline.model as InstanceType<typeof LinearDiscriminant>;
    expect(model).toBeInstanceOf(LinearDiscriminant);
    expect(model.predict([0.1, 0])).toBe(0);
    expect(model.predict([5, 5.2])).toBe(1);
  });
});

describe("Pipeline training cancelled by the app", () => {
  it("stops the worker and returns to idle when the app stops", async () => {
    const { app, pipeline } = setUp(["busy20000", "other"]);
    pipeline.train({ module: new URL("./fixtures/train-busy.ts", import.meta.url) });
    await app.start();
    pipeline.startTraining();
    await new Promise((resolve) => setTimeout(resolve, 200));
    await app.stop();
    expect(app.ctx.state).toBe("idle");
    expect(app.ctx.statusMessage).toBe("Training failed: training was cancelled because the app stopped");
  });
});
